"""What the web app sends and refuses so that it can face the internet.

- ``X-Content-Type-Options``, ``X-Frame-Options``, ``Referrer-Policy`` on every response (each
  page sets its own Content-Security-Policy);
- cookies marked ``Secure`` when the app's public URL is https (``WEB_PUBLIC_URL``);
- login throttling: failed editor logins per client address are counted (Flask-Limiter), and
  past ``LOGIN_LIMIT`` (default ``5 per minute;20 per hour``) the login answers 429. Counts live
  in memory, or in Redis when ``REDIS_URL`` is set (shared by every web process).
"""
from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.wrappers import Response

from bot.config import Settings
from bot.web.editor.blueprint import SECURITY_HEADERS

DEFAULT_LOGIN_LIMIT = "5 per minute;20 per hour"
LOGIN_ENDPOINT = "editor.login"
# The editor's headers for every response of the app that sets none. The Content-Security-Policy
# stays each page's own: the editor's (bot.web.editor.blueprint) and the demo page's, which
# must let the widget call Rasa (bot.web.site).
HEADERS = {
    name: value
    for name, value in SECURITY_HEADERS.items()
    if name not in ("Cache-Control", "Content-Security-Policy")
}


def add_security_headers(response: Response) -> Response:
    """Set the security headers the response does not set itself."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def cookie_settings(settings: Settings) -> dict[str, bool]:
    """Session and remember-me cookies ``Secure`` when the public URL is https."""
    secure = settings.public_url.lower().startswith("https://")
    return {"SESSION_COOKIE_SECURE": secure, "REMEMBER_COOKIE_SECURE": secure}


def _login_failed(response: Response) -> bool:
    # A successful login redirects; a failed one shows the form again (200) or is refused.
    return response.status_code < 300 or response.status_code >= 400


def init_security(app: Flask, settings: Settings) -> Limiter:
    """Headers, cookie flags and login throttling for ``app`` (after the editor is mounted)."""
    app.config.update(cookie_settings(settings))
    app.config.setdefault("LOGIN_LIMIT", DEFAULT_LOGIN_LIMIT)
    app.config.setdefault("RATELIMIT_STORAGE_URI", settings.redis_url or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "toh-web")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.after_request(add_security_headers)
    limiter = Limiter(app=app, key_func=get_remote_address)
    login = app.view_functions[LOGIN_ENDPOINT]
    limit = limiter.limit(
        lambda: str(app.config["LOGIN_LIMIT"]),
        methods=["POST"],
        deduct_when=_login_failed,
        error_message="Too many failed logins: wait a few minutes and try again.",
    )
    app.view_functions[LOGIN_ENDPOINT] = limit(login)
    return limiter
