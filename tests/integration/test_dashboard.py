"""The dashboard over a scripted set of conversations: every figure on the page and in the CSV,
date-range input, and who may see it (Flask's test client, real login form, SQLite and PostgreSQL).
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from contextlib import nullcontext
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from bot import cli
from bot.config import get_settings
from bot.content import accounts
from bot.web.app import create_app
from bot.wiring import Services
from tests.conftest import loaded_services, temporary_postgres_database
from tests.integration.dashboard_script import (
    EXPECTED,
    RANGE,
    TODAY,
    day,
    messages_per_day,
    write_script,
)

PASSWORD = "correct horse battery"
ROLES = {"cleo": "clinician", "ada": "admin", "erin": "editor", "rita": "reviewer"}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def services(request: pytest.FixtureRequest,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    """A store with content, the scripted conversations and one account per role."""
    folder = tmp_path_factory.mktemp("dashboard")
    database = (temporary_postgres_database(prefix="toh_dashboard") if request.param == "postgres"
                else nullcontext(f"sqlite:///{folder / 'toh.sqlite3'}"))
    with database as url:
        services = loaded_services(url)
        write_script(services, url)
        users = accounts.SqlAlchemyAccountsUnitOfWork(services.session_factory)
        for name, role in ROLES.items():
            accounts.create_user(name, PASSWORD, role=role, uow=users)
        yield services
        services.engine.dispose()


def submit_login(client: FlaskClient, username: str, query: dict[str, str] | None = None) -> Any:
    """Log in through the form (CSRF token included); the response."""
    page = client.get("/editor/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert token
    return client.post("/editor/login", query_string=query or {}, data={
        "csrf_token": token.group(1), "username": username, "password": PASSWORD})


def log_in(services: Services, username: str) -> FlaskClient:
    client = create_app(services).test_client()
    assert submit_login(client, username).status_code == 302
    return client


class Page(HTMLParser):
    """The cell texts of each table, definition list and list that has an id."""

    CELLS = {"table": ("td", "th"), "dl": ("dd",), "ul": ("li",)}

    def __init__(self, html: str) -> None:
        super().__init__()
        self.blocks: dict[str, list[list[str]]] = {}  # id -> rows of cell texts
        self._block: tuple[str, str] | None = None  # (tag, id) being read
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        ident = dict(attrs).get("id")
        if self._block is None and tag in self.CELLS and ident:
            self._block = (tag, ident)
            self.blocks[ident] = [[]]
        elif self._block and tag == "tr":
            self.blocks[self._block[1]].append([])
        elif self._block and tag in self.CELLS[self._block[0]] and self._cell is None:
            self._cell = []

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._block and tag in self.CELLS[self._block[0]] and self._cell is not None:
            self.blocks[self._block[1]][-1].append(" ".join(" ".join(self._cell).split()))
            self._cell = None
        elif self._block and tag == self._block[0]:
            self._block = None

    def items(self, list_id: str) -> list[str]:
        """The texts of a list's items."""
        return self.blocks[list_id][0]

    def header(self, table_id: str) -> list[str]:
        """A table's header row."""
        return self.blocks[table_id][1]

    def body(self, table_id: str) -> list[list[str]]:
        """A table's rows under its header."""
        return self.blocks[table_id][2:]


def pairs(counts: dict[str, int]) -> list[list[str]]:
    return [[key, str(value)] for key, value in counts.items()]


def test_every_figure_of_the_range_is_on_the_page(services: Services) -> None:
    response = log_in(services, "cleo").get("/dashboard/", query_string=RANGE)
    assert response.status_code == 200
    page = Page(response.get_data(as_text=True))
    assert page.items("summary") == ["14", "4", "3 · 21.4%", "4 · 28.6%"]
    assert page.header("table-days") == ["Day", "rest", "sms", "Total"]
    assert page.body("table-days") == [
        [d.isoformat(), str(c.get("rest", 0)), str(c.get("sms", 0)), str(sum(c.values()))]
        for d, c in messages_per_day(day(10), day(1))]
    assert page.body("table-channels") == pairs(EXPECTED["by_channel"])
    assert page.body("table-topics") == pairs(EXPECTED["topics"])
    assert page.body("table-unanswered") == [
        [text, str(count), " ".join(f"{w} ({n})" for w, n in wordings)]
        for text, count, wordings in EXPECTED["question_groups"]]
    assert page.body("table-helpful") == [[topic, version, str(yes), str(no), "–"]
                                          for topic, version, yes, no in EXPECTED["helpfulness"]]
    assert page.body("table-tiers") == pairs(EXPECTED["escalations"])
    assert page.body("table-flags") == pairs(EXPECTED["escalation_flags"])
    assert page.items("overdue") == EXPECTED["overdue_reviews"]


def test_every_figure_of_the_range_is_in_the_csv(services: Services) -> None:
    response = log_in(services, "ada").get("/dashboard/export.csv", query_string=RANGE)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert f'filename="toh-dashboard-{RANGE["from"]}-to-{RANGE["to"]}.csv"' in \
        response.headers["Content-Disposition"]
    rows = [tuple(row) for row in csv.reader(io.StringIO(response.get_data(as_text=True)))]
    assert rows == [("figure", "key", "detail", "value"), *expected_csv_rows()]


def expected_csv_rows() -> list[tuple[str, str, str, str]]:
    rows = [("range", "from", "", RANGE["from"]), ("range", "to", "", RANGE["to"]),
            ("messages", "", "", "14"), ("conversations", "", "", "4")]
    for d, counts in messages_per_day(day(10), day(1)):
        rows.append(("messages_per_day", d.isoformat(), "all", str(sum(counts.values()))))
        rows += [("messages_per_day", d.isoformat(), c, str(counts.get(c, 0)))
                 for c in ("rest", "sms")]
    rows += [("messages_per_channel", k, "", str(v)) for k, v in EXPECTED["by_channel"].items()]
    rows += [("topic_answers", k, "", str(v)) for k, v in EXPECTED["topics"].items()]
    rows += [("fallback", "", "", "3"), ("fallback_rate", "", "", f"{3 / 14:.4f}"),
             ("out_of_scope", "", "", "4"), ("out_of_scope_rate", "", "", f"{4 / 14:.4f}")]
    for text, count, wordings in EXPECTED["question_groups"]:
        rows.append(("unanswered_group", text, "", str(count)))
        rows += [("unanswered_wording", text, w, str(n)) for w, n in wordings]
    for topic, _, yes, no in EXPECTED["helpfulness"]:
        rows += [("helpful", topic, "", str(yes)), ("not_helpful", topic, "", str(no))]
    rows += [("escalations_per_tier", k, "", str(v)) for k, v in EXPECTED["escalations"].items()]
    rows += [("escalations_per_flag", k, "", str(v))
             for k, v in EXPECTED["escalation_flags"].items()]
    return rows + [("overdue_review", item, "", "") for item in EXPECTED["overdue_reviews"]]


def test_a_narrower_range_and_the_default_last_30_days(services: Services) -> None:
    client = log_in(services, "cleo")
    one_day = {"from": day(1).isoformat(), "to": day(1).isoformat()}
    page = Page(client.get("/dashboard/", query_string=one_day).get_data(as_text=True))
    assert page.items("summary") == ["5", "2", "1 · 20.0%", "2 · 40.0%"]
    assert page.body("table-tiers") == pairs({"crisis": 0, "emergency": 0, "urgent": 1})
    assert page.body("table-flags") == pairs({"fall": 1, "fever": 1})
    html = client.get("/dashboard/").get_data(as_text=True)  # today's conversation counts too
    default = Page(html)
    assert default.items("summary")[:2] == ["15", "5"]
    assert f'value="{day(29).isoformat()}"' in html and f'value="{TODAY.isoformat()}"' in html
    assert [row[0] for row in default.body("table-days")] == [
        day(back).isoformat() for back in range(29, -1, -1)]


@pytest.mark.parametrize(("query", "message"), [
    ({"from": "31/12/2025"}, "From: &#39;31/12/2025&#39; is not a date"),
    ({"from": day(1).isoformat(), "to": day(2).isoformat()}, "the first day comes after"),
    ({"to": date(2999, 1, 1).isoformat()}, "To: 2999-01-01 is after today"),
    ({"from": "2000-01-01"}, "at most 366 days"),
])
def test_a_wrong_range_is_explained_not_a_server_error(
    services: Services, query: dict[str, str], message: str
) -> None:
    client = log_in(services, "cleo")
    response = client.get("/dashboard/", query_string=query)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'role="alert"' in html and message in html
    assert 'aria-invalid="true"' in html and "table-days" not in html
    export = client.get("/dashboard/export.csv", query_string=query)
    assert export.status_code == 400 and export.mimetype == "text/plain"
    assert message.replace("&#39;", "'") in export.get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_the_login(services: Services) -> None:
    client = create_app(services).test_client()
    for path in ("/dashboard/", "/dashboard/export.csv"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/editor/login?next=")


@pytest.mark.parametrize("username", ["erin", "rita"])
def test_editors_and_reviewers_may_not_see_it(services: Services, username: str) -> None:
    client = log_in(services, username)
    page = client.get("/dashboard/", query_string=RANGE)
    assert page.status_code == 403
    assert "for clinicians and admins" in page.get_data(as_text=True)
    assert client.get("/dashboard/export.csv").status_code == 403
    assert "Dashboard" not in client.get("/editor/").get_data(as_text=True)  # no link either


def test_clinicians_land_on_the_dashboard_and_not_in_the_editor(services: Services) -> None:
    client = create_app(services).test_client()
    assert submit_login(client, "cleo").headers["Location"] == "/dashboard/"
    assert client.get("/editor/").status_code == 403
    assert client.get("/editor/items/duration/edit").status_code == 403
    assert client.get("/editor/account/password").status_code == 200
    dashboard = client.get("/dashboard/")
    assert dashboard.headers["Cache-Control"] == "no-store"
    assert "default-src 'self'" in dashboard.headers["Content-Security-Policy"]


def test_a_login_link_to_the_dashboard_comes_back_to_it(services: Services) -> None:
    target = "/dashboard/?from=" + RANGE["from"]
    client = create_app(services).test_client()
    assert submit_login(client, "ada", {"next": target}).headers["Location"] == target


def test_the_cli_makes_clinician_accounts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    services = loaded_services(url)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    get_settings.cache_clear()
    try:
        assert cli.main(["users", "create", "--username", "nina", "--role", "clinician",
                         "--password-stdin"]) == 0
    finally:
        get_settings.cache_clear()
    assert "created clinician 'nina'" in capsys.readouterr().out
    users = accounts.SqlAlchemyAccountsUnitOfWork(services.session_factory)
    nina = accounts.authenticate("nina", PASSWORD, uow=users)
    assert nina is not None and nina.actor.is_care_team
    services.engine.dispose()
