"""Doors that must stay closed on the Rasa server, tried on the server `make run` starts.

The app is built as ``rasa run`` builds it: the launcher's own command line (``bot.launch``)
parsed by Rasa's argument parser, the channels of ``credentials.yml``, then Rasa's
``configure_app``; it listens on a free port. No model is loaded: the doors are the server's.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import jwt
import pytest
import requests
from sanic import Sanic

from bot.config import REPO_ROOT
from bot.launch import StackPorts, UnsafeApi, commands, rasa_api_args, stack_environment
from tests.integration.channel_harness import _close, free_port

PORTS = StackPorts(rasa=15005, actions=15055, web=18000)  # only written into command lines
WEB_ORIGIN = "http://localhost:18000"
JWT_SECRET = "a-test-jwt-secret-that-is-long-enough-0123456789"
CLEARED = ("ALLOWED_ORIGINS", "WEB_PUBLIC_URL", "RASA_ENABLE_API", "RASA_JWT_SECRET")
API_PATHS = ["/model/parse", "/status", "/version", "/conversations/x/tracker", "/model"]


def _rasa_args(extra: Mapping[str, str]) -> tuple[list[str], object]:
    from rasa.__main__ import create_argument_parser

    env = stack_environment(PORTS, {"TWILIO_AUTH_TOKEN": "t"})
    for name in CLEARED:
        env.pop(name, None)
    env.update(extra)
    line = commands(PORTS, Path("models"), env)["rasa"]
    return line, create_argument_parser().parse_args(line[1:])


@asynccontextmanager
async def rasa_server(
    monkeypatch: pytest.MonkeyPatch, extra: Mapping[str, str] | None = None
) -> AsyncIterator[str]:
    """Rasa's web server as the launcher configures it; yields its base URL."""
    from rasa.core.run import configure_app, create_http_input_channels

    for name in CLEARED:
        monkeypatch.delenv(name, raising=False)
    for name, value in stack_environment(PORTS, {"TWILIO_AUTH_TOKEN": "t"}).items():
        if name.startswith("TWILIO_"):
            monkeypatch.setenv(name, value)
    _, args = _rasa_args(extra or {})
    channels = create_http_input_channels(None, str(REPO_ROOT / "credentials.yml"))
    Sanic.test_mode = True
    app = configure_app(
        channels,
        cors=args.cors,  # type: ignore[attr-defined]
        enable_api=args.enable_api,  # type: ignore[attr-defined]
        auth_token=args.auth_token,  # type: ignore[attr-defined]
        jwt_secret=args.jwt_secret,  # type: ignore[attr-defined]
        jwt_method=args.jwt_method,  # type: ignore[attr-defined]
        conversation_id=uuid.uuid4().hex,
    )
    port = free_port()
    server = await app.create_server(
        host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
    )
    assert server is not None
    await server.startup()
    await server.after_start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await _close(server)


async def _get(url: str, **kwargs: object) -> requests.Response:
    return await asyncio.to_thread(requests.request, timeout=10, **kwargs, url=url)  # type: ignore[arg-type]


def test_the_launcher_never_allows_every_origin_nor_turns_the_api_on() -> None:
    line, args = _rasa_args({})
    assert "*" not in line and "--enable-api" not in line and "--auth-token" not in line
    assert args.cors == [WEB_ORIGIN, "http://127.0.0.1:18000"]  # type: ignore[attr-defined]
    assert args.enable_api is False  # type: ignore[attr-defined]


def test_the_api_asked_for_without_a_jwt_secret_is_refused() -> None:
    with pytest.raises(UnsafeApi, match="RASA_JWT_SECRET"):
        rasa_api_args({"RASA_ENABLE_API": "true"})
    with pytest.raises(UnsafeApi):
        rasa_api_args({"RASA_ENABLE_API": "true", "RASA_JWT_SECRET": "short"})


async def test_rasa_http_api_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    async with rasa_server(monkeypatch) as url:
        for path in API_PATHS:
            method = "POST" if path == "/model/parse" else "GET"
            response = await _get(url + path, method=method, json={"text": "hi"})
            assert response.status_code == 404, path
        assert (await _get(url + "/webhooks/rest/", method="GET")).status_code == 200


async def test_socket_io_is_gone(monkeypatch: pytest.MonkeyPatch) -> None:
    async with rasa_server(monkeypatch) as url:
        response = await _get(url + "/socket.io/?EIO=4&transport=polling", method="GET")
        assert response.status_code == 404
        assert (await _get(url + "/webhooks/socketio/", method="GET")).status_code == 404


async def test_cors_answers_the_web_apps_origin_only(monkeypatch: pytest.MonkeyPatch) -> None:
    preflight = {"Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"}
    hook = "/webhooks/rest/webhook"
    async with rasa_server(monkeypatch) as url:
        ours = await _get(url + hook, method="OPTIONS", headers={"Origin": WEB_ORIGIN, **preflight})
        evil = await _get(url + hook, method="OPTIONS",
                          headers={"Origin": "https://evil.example", **preflight})
        posted = await _get(url + hook, method="POST", headers={"Origin": "https://evil.example"},
                            json={"sender": "x", "message": ""})
    assert ours.headers.get("Access-Control-Allow-Origin") == WEB_ORIGIN
    assert "Access-Control-Allow-Origin" not in evil.headers
    assert "Access-Control-Allow-Origin" not in posted.headers


def test_allowed_origins_setting_replaces_the_default() -> None:
    _, args = _rasa_args({"ALLOWED_ORIGINS": "https://clinic.example, https://www.clinic.example"})
    assert args.cors == ["https://clinic.example", "https://www.clinic.example"]  # type: ignore[attr-defined]


async def test_an_api_turned_on_answers_only_a_valid_jwt(monkeypatch: pytest.MonkeyPatch) -> None:
    extra = {"RASA_ENABLE_API": "true", "RASA_JWT_SECRET": JWT_SECRET}
    token = jwt.encode({"user": {"username": "ops", "role": "admin"}, "exp": time.time() + 60},
                       JWT_SECRET, algorithm="HS256")
    forged = jwt.encode({"user": {"username": "ops", "role": "admin"}}, "guessed-secret",
                        algorithm="HS256")
    async with rasa_server(monkeypatch, extra) as url:
        anonymous = await _get(url + "/status", method="GET")
        with_forged = await _get(url + "/status", method="GET",
                                 headers={"Authorization": f"Bearer {forged}"})
        with_token_param = await _get(url + "/status?token=anything", method="GET")
        with_jwt = await _get(url + "/status", method="GET",
                              headers={"Authorization": f"Bearer {token}"})
    assert anonymous.status_code == 401
    assert with_forged.status_code == 401
    assert with_token_param.status_code == 401
    assert with_jwt.status_code == 409  # let in; no model loaded in this test
