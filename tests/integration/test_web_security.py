"""The web app's closed doors: login throttling (memory and Redis), headers, secure cookies, WSGI.

The app is ``bot.web.app.create_app`` on a throwaway SQLite store, driven with Flask's test client
through the real login form (CSRF token included).
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from bot.config import load_settings
from bot.content import accounts
from bot.migrate import upgrade
from bot.web.app import create_app
from bot.wiring import Services
from tests.integration.channel_harness import free_port

PASSWORD = "a-long-enough-password"
REDIS_TEST_URL = "redis://127.0.0.1:6379/9"


def _services(tmp_path: Path, **settings: Any) -> Services:
    base = load_settings(env_file=None, environ={})
    url = f"sqlite:///{tmp_path / 'web.sqlite3'}"
    services = Services(replace(base, database_url=url, **settings))
    upgrade(services.engine)
    return services


def _app(services: Services, **config: object) -> Flask:
    uow = accounts.SqlAlchemyAccountsUnitOfWork(services.session_factory)
    if not accounts.list_users(uow=uow):
        accounts.create_user("editor1", PASSWORD, role="editor", uow=uow)
    return create_app(services, config)


def _login(client: FlaskClient, password: str) -> int:
    page = client.get("/editor/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert token, page[:500]
    response = client.post("/editor/login", data={
        "csrf_token": token.group(1), "username": "editor1", "password": password,
    })
    return response.status_code


def test_repeated_failed_logins_get_429(tmp_path: Path) -> None:
    client = _app(_services(tmp_path), LOGIN_LIMIT="3 per minute").test_client()
    codes = [_login(client, "wrong-password-1") for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert _login(client, PASSWORD) == 429  # even the right password waits


def test_successful_logins_are_not_counted(tmp_path: Path) -> None:
    app = _app(_services(tmp_path), LOGIN_LIMIT="2 per minute")
    codes = []
    for _ in range(4):
        client = app.test_client()
        codes.append(_login(client, PASSWORD))
    assert codes == [302, 302, 302, 302]


def test_failures_are_counted_in_redis_across_processes(tmp_path: Path) -> None:
    prefix = f"toh-web-test-{uuid.uuid4().hex}"
    services = _services(tmp_path, redis_url=REDIS_TEST_URL)
    first = _app(services, LOGIN_LIMIT="2 per minute", RATELIMIT_KEY_PREFIX=prefix)
    second = _app(services, LOGIN_LIMIT="2 per minute", RATELIMIT_KEY_PREFIX=prefix)
    try:
        assert [_login(first.test_client(), "wrong-password") for _ in range(2)] == [200, 200]
        assert _login(second.test_client(), "wrong-password") == 429
        keys = redis.Redis.from_url(REDIS_TEST_URL).keys(f"LIMITER/{prefix}/*")
        assert keys  # the counts are in Redis, not in either app's memory
    finally:
        connection = redis.Redis.from_url(REDIS_TEST_URL)
        for key in connection.keys(f"LIMITER/{prefix}/*"):
            connection.delete(key)


def test_security_headers_on_every_page(tmp_path: Path) -> None:
    client = _app(_services(tmp_path)).test_client()
    for path in ("/editor/login", "/", "/widget/toh-chat.js"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["X-Frame-Options"] == "DENY", path
        assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer"), path
    for path in ("/editor/login", "/"):
        csp = client.get(path).headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp, path


@pytest.mark.parametrize(("public_url", "secure"), [
    ("https://clinic.example", True), ("http://localhost:8000", False),
])
def test_cookies_are_secure_when_the_public_url_is_https(
    tmp_path: Path, public_url: str, secure: bool
) -> None:
    client = _app(_services(tmp_path, public_url=public_url)).test_client()
    cookies = client.get("/editor/login").headers.getlist("Set-Cookie")
    [cookie] = [c for c in cookies if c.startswith("session=")]  # the CSRF token's session
    assert ("; Secure" in cookie) is secure
    assert "HttpOnly" in cookie


def test_the_web_app_is_served_by_waitress_on_localhost(tmp_path: Path) -> None:
    port = free_port()
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'served.sqlite3'}", "PATH": "/usr/bin:/bin"}
    process = subprocess.Popen([sys.executable, "-m", "bot", "web", "--port", str(port)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        server = _wait_for_server(f"http://127.0.0.1:{port}/editor/login", process)
        assert server == "toh-web"  # waitress's ident, not Werkzeug
    finally:
        process.terminate()
        process.wait(timeout=20)


def _wait_for_server(url: str, process: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "the web app exited"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return str(response.headers.get("Server"))
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(url)
