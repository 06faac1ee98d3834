"""The dashboard's pages: the figures of a date range, and the same figures as CSV.

Behind the editor's login (anonymous visitors are sent to it) and for clinicians and admins only
(others get 403). Views are thin: ``bot.reporting.dashboard`` computes, ``charts`` draws.
"""
from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlencode

from flask import Blueprint, Flask, current_app, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy.exc import DBAPIError
from werkzeug.wrappers import Response

from bot.reporting.dashboard import Dashboard, build_dashboard
from bot.reporting.export import to_csv
from bot.web.dashboard.charts import bar_chart, daily_chart
from bot.web.dashboard.dates import BadRange, DateRange, parse_range
from bot.web.editor.blueprint import guard_staff_pages
from bot.web.editor.context import services
from bot.web.editor.page import page_context

blueprint = Blueprint("dashboard", __name__, template_folder="templates",
                      static_folder="static", static_url_path="/static")
blueprint.context_processor(page_context)


guard_staff_pages(blueprint, allowed=lambda actor: actor.is_care_team)


@blueprint.errorhandler(403)
def _forbidden(_error: Exception) -> tuple[str, int]:
    return render_template("editor/problem.html", title="Not allowed",
                           message="The dashboard is for clinicians and admins."), 403


@blueprint.errorhandler(DBAPIError)
def _database_error(error: DBAPIError) -> tuple[str, int]:
    current_app.logger.error("dashboard figures unavailable: %s", type(error.orig).__name__)
    return render_template("editor/problem.html", title="The figures cannot be read now",
                           message="The conversation database does not answer. Try again in a "
                           "few minutes; if it lasts, tell an operator."), 503


@blueprint.app_template_filter("percent")
def _percent(share: float | None) -> str:
    return "–" if share is None else f"{share:.1%}"


@blueprint.get("/")
def index() -> tuple[str, int]:
    """The figures of the chosen days (the last 30 by default)."""
    try:
        chosen = parse_range(request.args, today=_now().date())
    except BadRange as error:
        return _page(None, form=dict(request.args), error=error), 400
    return _page(_dashboard(chosen), form=chosen.query()), 200


@blueprint.get("/export.csv")
def export() -> Response:
    """The same figures as CSV (``from`` and ``to`` as on the page)."""
    try:
        chosen = parse_range(request.args, today=_now().date())
    except BadRange as error:
        return Response(f"{error}\n", status=400, mimetype="text/plain")
    name = f"toh-dashboard-{chosen.first.isoformat()}-to-{chosen.last.isoformat()}.csv"
    return Response(to_csv(_dashboard(chosen)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def init_dashboard(app: Flask) -> None:
    """Mount the dashboard at ``/dashboard`` (after ``init_editor``: it uses the editor's login)."""
    app.register_blueprint(blueprint, url_prefix="/dashboard")


def _dashboard(chosen: DateRange) -> Dashboard:
    return build_dashboard(source=services().report_source(), first=chosen.first,
                           last=chosen.last, now=_now())


def _page(dashboard: Dashboard | None, *, form: dict[str, str],
          error: BadRange | None = None) -> str:
    return render_template("dashboard/index.html", title="Dashboard", dashboard=dashboard,
                           form=form, error=error, today=_now().date().isoformat(),
                           charts=_charts(dashboard) if dashboard else {},
                           csv_url=f"{url_for('dashboard.export')}?{urlencode(form)}")


def _charts(dashboard: Dashboard) -> dict[str, Markup]:
    report = dashboard.report
    return {
        "days": daily_chart("chart-days", "Patient messages per day, by channel",
                            dashboard.days, dashboard.channels),
        "channels": bar_chart("chart-channels", "Patient messages per channel",
                              report.by_channel),
        "topics": bar_chart("chart-topics", "Answers given per topic", report.topics),
        "tiers": bar_chart("chart-tiers", "Escalations per tier", report.escalations),
        "flags": bar_chart("chart-flags", "Escalations per red flag", dashboard.escalation_flags),
    }


def _now() -> datetime:
    return datetime.now(timezone.utc)
