"""The dashboard in headless Chromium: a clinician logs in, changes the range, reads the figures.

The web app runs in this process (``bot.web.app.start_server``) on a free 127.0.0.1 port over a
throwaway SQLite store with content/ imported and the scripted conversations of
``tests/integration/dashboard_script.py``. Set ``EDITOR_SCREENSHOT_DIR`` to keep the page's
screenshots (desktop and 360-px phone) there.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.content import accounts
from bot.web.app import start_server
from tests.conftest import loaded_services
from tests.integration.dashboard_script import EXPECTED, RANGE, TODAY, day, write_script

PASSWORD = "correct horse battery"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('dashboard') / 'store.sqlite3'}"
    services = loaded_services(url)
    write_script(services, url)
    users = accounts.SqlAlchemyAccountsUnitOfWork(services.session_factory)
    accounts.create_user("cleo", PASSWORD, role="clinician", uow=users)
    with start_server(port=0, services=services) as server:
        yield server.url


def log_in(browser: Any, site: str, viewport: dict[str, int] = DESKTOP) -> Any:
    page = browser.new_context(viewport=viewport).new_page()
    page.goto(site + "/dashboard/")  # sent to the login, and back after it
    page.get_by_label("Username").fill("cleo")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    return page


def rows(page: Any, table_id: str) -> list[list[str]]:
    cells = page.locator(f"#{table_id} tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))")
    return [list(row) for row in cells]


def test_a_clinician_changes_the_range_and_reads_the_figures(browser: Any, site: str) -> None:
    from playwright.sync_api import expect

    page = log_in(browser, site)
    expect(page.get_by_label("From", exact=True)).to_have_value(day(29).isoformat())
    expect(page.get_by_label("To", exact=True)).to_have_value(TODAY.isoformat())
    expect(page.locator("#summary dd").first).to_have_text("15")  # today's message included

    page.get_by_label("From", exact=True).fill(RANGE["from"])
    page.get_by_label("To", exact=True).fill(RANGE["to"])
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"\?from=.*&to="))
    expect(page.locator("#range")).to_contain_text(f"{RANGE['from']} to {RANGE['to']}")
    expect(page.locator("#summary dd")).to_have_text(["14", "4", "3 · 21.4%", "4 · 28.6%"])
    for name in ("Patient messages per day, by channel", "Patient messages per channel",
                 "Answers given per topic", "Escalations per tier", "Escalations per red flag"):
        expect(page.get_by_role("img", name=name)).to_be_visible()
    assert rows(page, "table-topics") == [[k, str(v)] for k, v in EXPECTED["topics"].items()]
    assert rows(page, "table-tiers") == [[k, str(v)] for k, v in EXPECTED["escalations"].items()]
    assert rows(page, "table-unanswered")[0][:2] == ["can I do pilates", "4"]
    expect(page.locator("#overdue li")).to_have_text(EXPECTED["overdue_reviews"])

    csv_link = page.get_by_role("link", name="Download these figures as CSV")
    download = page.request.get(site + csv_link.get_attribute("href"))
    assert download.status == 200
    figures = download.text().splitlines()
    assert "messages,,,14" in figures and "escalations_per_tier,urgent,,2" in figures

    page.get_by_label("From", exact=True).fill(RANGE["to"])
    page.get_by_label("To", exact=True).fill(RANGE["from"])
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("alert")).to_contain_text("the first day comes after the last one")
    expect(page.get_by_label("From", exact=True)).to_have_attribute("aria-invalid", "true")
    page.context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_dashboard_fits_the_screen_and_passes_axe(
    browser: Any, site: str, viewport: dict[str, int]
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page = log_in(browser, site, viewport)
    axe = Axe()
    wrong = {"from": RANGE["to"], "to": RANGE["from"]}
    for query in (RANGE, wrong):
        page.goto(f"{site}/dashboard/?{urlencode(query)}")
        for summary in page.locator("details summary").all():
            summary.click()  # the per-day table too
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{query} scrolls sideways ({width}px)"
        serious = [v["id"] for v in axe.run(page).response["violations"]
                   if v["impact"] in ("serious", "critical")]
        assert serious == [], f"{query}: {serious}"
    target = os.environ.get("EDITOR_SCREENSHOT_DIR")
    if target:
        page.goto(f"{site}/dashboard/?{urlencode(RANGE)}")
        name = "dashboard-phone.png" if viewport is PHONE else "dashboard-desktop.png"
        page.screenshot(path=str(Path(target) / name), full_page=True)
    page.context.close()
