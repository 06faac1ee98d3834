"""The demo clinic page and the web chat widget's files, as a Flask blueprint.

``blueprint`` serves:

- ``/``: a fictional clinic's page ("Riverside Orthopedic Clinic") with the widget's one tag;
- ``/widget/toh-chat.js`` and ``/widget/toh-chat.css``: the widget a clinic pastes into its site.

The Rasa URL the page's widget talks to is ``RASA_PUBLIC_URL`` (app config first, then the
environment; default ``http://localhost:5005``). Rasa must allow CORS from this page's origin.
The page sends a Content-Security-Policy unless the app config sets ``SITE_CSP = False`` (the
widget's own XSS test turns it off so that only the widget's rendering protects the page).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, render_template, send_from_directory

from bot.config import DEMO_CLINIC_NAME, get_settings

DEFAULT_RASA_URL = "http://localhost:5005"
WIDGET_DIR = Path(__file__).parent / "static" / "widget"
WIDGET_MAX_AGE = 300  # seconds: clinics pick up a new widget within minutes

blueprint = Blueprint("toh_site", __name__, template_folder="templates")


def rasa_public_url() -> str:
    """The Rasa base URL the browser should call (no trailing slash)."""
    url = current_app.config.get("RASA_PUBLIC_URL") or os.environ.get("RASA_PUBLIC_URL")
    return (url or DEFAULT_RASA_URL).rstrip("/")


def _origin(url: str) -> str | None:
    """``scheme://host[:port]`` of an http(s) URL, for the page's connect-src."""
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return None


def content_security_policy(nonce: str, rasa_url: str) -> str:
    """The demo page's CSP: its own scripts and styles, and requests to Rasa only."""
    connect = " ".join(filter(None, ["'self'", _origin(rasa_url)]))
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            f"style-src 'self' 'nonce-{nonce}'",
            "img-src 'self' data:",
            f"connect-src {connect}",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ]
    )


@blueprint.get("/")
def index() -> Response:
    """The demo clinic page with the chat widget."""
    nonce = secrets.token_urlsafe(16)
    rasa_url = rasa_public_url()
    response = Response(
        render_template("site/index.html", rasa_url=rasa_url, nonce=nonce,
                        clinic=get_settings().clinic, demo_name=DEMO_CLINIC_NAME),
        mimetype="text/html",
    )
    if current_app.config.get("SITE_CSP", True):
        response.headers["Content-Security-Policy"] = content_security_policy(nonce, rasa_url)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@blueprint.get("/widget/<path:filename>")
def widget(filename: str) -> Response:
    """The widget's script and stylesheet."""
    response = send_from_directory(WIDGET_DIR, filename, max_age=WIDGET_MAX_AGE)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
