"""The web app: the content editor, the clinic dashboard, the care team's inbox, the demo page.

The editor is at ``/editor``, the dashboard at ``/dashboard``, the inbox at ``/inbox``, the demo
page at ``/`` (when present).

``create_app`` builds the Flask app from ``Services`` (nothing connects until a request needs
the database), with ``bot.web.security`` (headers, secure cookies, login throttling).
``serve`` runs it for ``python -m bot web`` on waitress, a production WSGI server;
``start_server`` runs it on Werkzeug in a background thread on a given port and database, for
tests (see ``tests/e2e``)::

    with start_server(port=0, database_url="sqlite:////tmp/x.sqlite3") as server:
        requests.get(server.url + "/editor/login")
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from types import TracebackType
from typing import Any

from flask import Flask, redirect, url_for
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Response

from bot.config import load_settings
from bot.web.dashboard.views import init_dashboard
from bot.web.editor.blueprint import init_editor
from bot.web.editor.context import EXTENSION
from bot.web.inbox.blueprint import init_inbox
from bot.web.security import init_security
from bot.wiring import Services

logger = logging.getLogger(__name__)
MAX_REQUEST_BYTES = 1024 * 1024


def create_app(services: Services | None = None, config: Mapping[str, Any] | None = None) -> Flask:
    """The Flask app for ``services`` (default: from the environment).

    Args:
        services: The wired content store; tests pass one on a throwaway database.
        config: Flask settings to apply before the extensions start (e.g. ``LOGIN_LIMIT``).

    Returns:
        The app, with the editor at ``/editor``, the dashboard at ``/dashboard``, the inbox at
        ``/inbox`` and ``bot.web.site`` at ``/`` if it exists.

    """
    services = services or Services()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=services.settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        WTF_CSRF_TIME_LIMIT=None,  # tied to the session: a long edit must not lose its text
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
    )
    app.config.update(config or {})
    app.extensions[EXTENSION] = services
    init_editor(app)
    init_dashboard(app)
    init_inbox(app)
    init_security(app, services.settings)
    _register_site(app)
    return app


def _register_site(app: Flask) -> None:
    """Mount the demo clinic page at ``/`` if ``bot.web.site`` is there; else send ``/`` on."""
    try:
        from bot.web.site import blueprint as site
    except ImportError as error:
        if error.name != "bot.web.site":
            logger.warning("bot.web.site is not mounted: %s", error)
        app.add_url_rule("/", "root", _to_editor)
        return
    app.register_blueprint(site, url_prefix="/")


def _to_editor() -> Response:
    return redirect(url_for("editor.index"))


def services_for(database_url: str | None = None) -> Services:
    """Services from the environment, on ``database_url`` if given."""
    settings = load_settings()
    if database_url:
        settings = replace(settings, database_url=database_url)
    return Services(settings)


def serve(host: str, port: int, *, services: Services | None = None, threads: int = 8) -> None:
    """Serve the app until interrupted, on waitress (not Werkzeug's development server)."""
    import waitress  # type: ignore[import-untyped]  # no stubs in the lock

    waitress.serve(create_app(services), host=host, port=port, threads=threads,
                   ident="toh-web", max_request_body_size=MAX_REQUEST_BYTES)


@dataclass
class EditorServer:
    """A running app in a background thread; ``stop()`` ends it."""

    server: BaseWSGIServer
    thread: threading.Thread
    services: Services

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:8123``."""
        return f"http://{self.server.host}:{self.server.port}"

    def stop(self) -> None:
        """Stop serving and release the database connections."""
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.server_close()
        self.services.engine.dispose()

    def __enter__(self) -> EditorServer:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()


def start_server(
    port: int = 0,
    *,
    database_url: str | None = None,
    host: str = "127.0.0.1",
    services: Services | None = None,
) -> EditorServer:
    """Start the app on ``host:port`` (0: any free port) in a thread (run ``db upgrade`` first).

    Args:
        port: The port to listen on; 0 picks a free one (read it from ``.url``).
        database_url: The content store to use (default: ``DATABASE_URL``).
        host: The address to listen on.
        services: Ready-made services (then ``database_url`` is ignored).

    Returns:
        The running server; stop it with ``.stop()`` or use it as a context manager.

    """
    services = services or services_for(database_url)
    server = make_server(host, port, create_app(services), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="editor-server", daemon=True)
    thread.start()
    return EditorServer(server, thread, services)
