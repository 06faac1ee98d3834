"""The inbox's blueprint: the editor's login, the care team's roles only, CSRF on every POST.

Pages show patients' conversations (redacted), so they get the editor's security headers,
``Cache-Control: no-store`` included.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    render_template,
    request,
)
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from bot.web.editor.auth import current_actor
from bot.web.editor.blueprint import SAFE_METHODS, SECURITY_HEADERS, csrf
from bot.web.editor.context import clinic
from bot.web.editor.page import page_context

blueprint = Blueprint("inbox", __name__, template_folder="templates")


@blueprint.before_request
def _protect() -> Response | None:
    if request.method not in SAFE_METHODS:
        csrf.protect()
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined,no-any-return]
    if not current_actor().can_use_inbox:
        abort(403)
    return None


@blueprint.after_request
def _headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


blueprint.context_processor(page_context)


@blueprint.app_template_filter("clinic_time")
def clinic_time(moment: datetime | float | str | None) -> str:
    """A stored time (datetime, epoch seconds or ISO text) in the clinic's time zone."""
    if moment is None or moment == "":
        return "-"
    if isinstance(moment, int | float):
        moment = datetime.fromtimestamp(moment, timezone.utc)
    elif isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:  # SQLite gives back UTC without its zone
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(clinic().schedule().zone).strftime("%a %Y-%m-%d %H:%M")


@blueprint.errorhandler(CSRFError)
def _csrf_error(error: CSRFError) -> tuple[str, int]:
    return _problem("The form had expired", "Reload the page and try again."), 400


@blueprint.errorhandler(403)
def _forbidden(_error: Exception) -> tuple[str, int]:
    return _problem("Not allowed", "The inbox is for the care team (clinicians and admins)."), 403


@blueprint.errorhandler(404)
def _not_found(_error: Exception) -> tuple[str, int]:
    return _problem("Not found", "There is no such case. It may have been erased."), 404


def _problem(title: str, message: str) -> str:
    return render_template("editor/problem.html", title=title, message=message)


def init_inbox(app: Flask) -> None:
    """Mount the inbox at ``/inbox`` (after the editor: it shares its login and CSRF)."""
    from bot.web.inbox import views  # noqa: F401  (routes)

    app.register_blueprint(blueprint, url_prefix="/inbox")
