"""The editor's blueprint: login required everywhere but the login page, CSRF on every POST.

Content pages are for the content roles; an account without one (a clinician) may only log in
and out and change its password here.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Flask, Response, abort, current_app, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.exc import DBAPIError

from bot.content.accounts import Actor
from bot.web.editor.auth import current_actor, make_login_manager
from bot.web.editor.page import page_context

blueprint = Blueprint(
    "editor",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
blueprint.context_processor(page_context)
csrf = CSRFProtect()
PUBLIC_ENDPOINTS = frozenset({"editor.login", "editor.static"})
ACCOUNT_ENDPOINTS = PUBLIC_ENDPOINTS | {"editor.logout", "editor.change_password"}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@blueprint.before_request
def _protect() -> Response | None:
    if request.method not in SAFE_METHODS:
        csrf.protect()
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined,no-any-return]
    if request.endpoint not in ACCOUNT_ENDPOINTS and not current_actor().can_edit_content:
        abort(403)
    return None


@blueprint.after_request
def _headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        if name == "Cache-Control" and request.endpoint == "editor.static":
            continue
        response.headers.setdefault(name, value)
    return response


def guard_staff_pages(staff: Blueprint, *, allowed: Callable[[Actor], bool]) -> None:
    """Give another staff blueprint the editor's guard.

    That is CSRF on every write, the editor's login (anonymous visitors are sent to it), 403
    unless ``allowed``, and the security headers (``Cache-Control: no-store`` included: staff
    pages are drawn from patients' words).
    """

    @staff.before_request
    def _protect_staff() -> Response | None:
        if request.method not in SAFE_METHODS:
            csrf.protect()
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()  # type: ignore[attr-defined,no-any-return]
        if not allowed(current_actor()):
            abort(403)
        return None

    @staff.after_request
    def _staff_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


@blueprint.errorhandler(CSRFError)
def _csrf_error(error: CSRFError) -> tuple[str, int]:
    return render_template("editor/problem.html", title="The form had expired",
                           message="For your safety the form was refused (" + error.description
                           + "). Use your browser's Back button to get your text back, copy it, "
                           "reload the page and try again."), 400


@blueprint.errorhandler(403)
def _forbidden(_error: Exception) -> tuple[str, int]:
    return render_template("editor/problem.html", title="Not allowed",
                           message="Your role does not allow this page."), 403


@blueprint.errorhandler(404)
def _not_found(_error: Exception) -> tuple[str, int]:
    return render_template("editor/problem.html", title="Not found",
                           message="There is no such page, item or revision."), 404


@blueprint.errorhandler(DBAPIError)
def _database_error(error: DBAPIError) -> tuple[str, int]:
    current_app.logger.error("content store unavailable: %s", type(error.orig).__name__)
    return render_template("editor/problem.html", title="The content store is not ready",
                           message="The editor cannot read its database. Ask an operator to run "
                           "`python -m bot db upgrade` and check DATABASE_URL."), 503


def init_editor(app: Flask) -> None:
    """Mount the editor at ``/editor`` with its login manager and CSRF protection."""
    from bot.web.editor import views_auth, views_items, views_users  # noqa: F401  (routes)

    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # checked in _protect, editor only
    csrf.init_app(app)
    make_login_manager().init_app(app)
    app.register_blueprint(blueprint, url_prefix="/editor")
