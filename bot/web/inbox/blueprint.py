"""The inbox's blueprint: the editor's login, the care team's roles only, CSRF on every POST.

Pages show patients' conversations (redacted), so they get the editor's security headers,
``Cache-Control: no-store`` included.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask import (
    Blueprint,
    Flask,
    render_template,
)
from flask_wtf.csrf import CSRFError

from bot.web.editor.blueprint import guard_staff_pages
from bot.web.editor.context import clinic
from bot.web.editor.page import page_context

blueprint = Blueprint("inbox", __name__, template_folder="templates")


guard_staff_pages(blueprint, allowed=lambda actor: actor.is_care_team)


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
