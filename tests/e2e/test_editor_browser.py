"""The content editor in headless Chromium: the editorial workflow as editors and reviewers use it.

The editor runs in this process (``bot.web.app.start_server``) on a free 127.0.0.1 port over a
throwaway SQLite store with content/ imported. Needs Debian's ``/usr/bin/chromium`` (no browser
is downloaded); skipped without it. Set ``EDITOR_SCREENSHOT_DIR`` to keep the edit page's
screenshots (desktop and 360-px phone) there.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.content import accounts, editorial
from bot.content.services import published_answer
from bot.web.app import EditorServer, start_server
from bot.wiring import Services
from tests.conftest import loaded_services

PASSWORD = "correct horse battery"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}

pytestmark = [pytest.mark.browser]


@dataclass
class Editor:
    """The running editor and its store."""

    server: EditorServer
    services: Services

    @property
    def url(self) -> str:
        return self.server.url + "/editor"


@pytest.fixture(scope="module")
def editor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Editor]:
    url = f"sqlite:///{tmp_path_factory.mktemp('editor') / 'store.sqlite3'}"
    services = loaded_services(url)
    users = accounts.SqlAlchemyAccountsUnitOfWork(services.session_factory)
    for name, role in (
        ("erin", "editor"),
        ("eve", "editor"),
        ("rita", "reviewer"),
        ("ada", "admin"),
    ):
        accounts.create_user(name, PASSWORD, role=role, uow=users)
    with start_server(port=0, services=services) as server:
        yield Editor(server, services)


def log_in(browser: object, editor: Editor, username: str, viewport: dict[str, int] = DESKTOP):
    context = browser.new_context(viewport=viewport)  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(editor.url + "/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/editor/$"))
    return page


def open_edit(page, item_title: str):  # type: ignore[no-untyped-def]
    page.get_by_role("link", name=item_title, exact=True).click()
    page.get_by_role("link", name="Edit", exact=True).click()
    page.wait_for_url(re.compile(r"/edit$"))


def test_dose_is_stopped_then_fixed_submitted_reviewed_and_served(
    browser: object, editor: Editor
) -> None:
    from playwright.sync_api import expect

    page = log_in(browser, editor, "erin")
    open_edit(page, "How long TOH lasts")
    text = page.get_by_label("Web text")
    original = text.input_value()
    text.fill(original + "\nTake 400 mg of ibuprofen for the pain.\n")
    preview = page.locator("#preview")
    expect(preview).to_contain_text('gives a dose ("400 mg")')  # live, while typing
    page.get_by_label("What changed and why").fill("Pain relief")
    page.get_by_role("button", name="Save and send for review").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("cannot be sent for review yet")
    expect(alert).to_contain_text('"400 mg"')

    fixed = original + "\nClinicians may suggest pain relief. Your care team decides with you.\n"
    page.get_by_label("Web text").fill(fixed)
    expect(preview).to_contain_text("Passes the publish gate")
    page.get_by_role("button", name="Save and send for review").click()
    expect(page.get_by_role("status").first).to_contain_text("is waiting for review")
    expect(page.get_by_role("button", name=re.compile("^Publish"))).to_have_count(0)
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("status").first).to_contain_text("You are logged out")
    page.context.close()

    reviewer = log_in(browser, editor, "rita")
    reviewer.get_by_role("link", name="Waiting for review", exact=True).click()
    reviewer.get_by_role("link", name="How long TOH lasts", exact=True).click()
    reviewer.get_by_role("link", name="What changed").click()
    expect(reviewer.locator("ins").first).to_contain_text("Clinicians may suggest pain relief")
    reviewer.go_back()
    reviewer.get_by_role("button", name=re.compile(r"^Publish revision \d+$")).click()
    expect(reviewer.get_by_role("status").first).to_contain_text("is live")
    reviewer.context.close()

    answer = published_answer("duration", uow=editor.services.uow())
    assert answer.text == editorial.normalize_text(fixed)
    live = editorial.history("duration", uow=editor.services.uow()).live
    assert live is not None and (live.author, live.reviewer) == ("erin", "rita")


def test_two_editors_one_conflict_and_nothing_lost(browser: object, editor: Editor) -> None:
    from playwright.sync_api import expect

    erin, eve = log_in(browser, editor, "erin"), log_in(browser, editor, "eve")
    for page in (erin, eve):
        open_edit(page, "Can I drive with TOH?")
    erin.get_by_label("Title").fill("Driving with TOH")
    erin.get_by_role("button", name="Save draft").click()
    expect(erin.get_by_role("status").first).to_contain_text("Saved as draft revision 2")

    eve_text = "Driving depends on your pain. Ask your care team if it is safe for you.\n"
    eve.get_by_label("Web text").fill(eve_text)
    eve.get_by_role("button", name="Save draft").click()
    conflict = eve.locator("#conflict")
    expect(conflict).to_contain_text("Someone else saved this answer")
    expect(conflict).to_contain_text("Revision 2 by erin")
    assert eve.get_by_label("Web text").input_value().strip() == eve_text.strip()
    eve.get_by_role("button", name="Save draft").click()
    expect(eve.get_by_role("status").first).to_contain_text("Saved as draft revision 3")

    item = editorial.history("driving", uow=editor.services.uow())
    assert [(r.number, r.author) for r in item.revisions] == [
        (1, "content-import"),
        (2, "erin"),
        (3, "eve"),
    ]
    assert item.revision(2).title == "Driving with TOH"
    for page in (erin, eve):
        page.context.close()


def test_reviewer_sees_history_and_rolls_back(browser: object, editor: Editor) -> None:
    from playwright.sync_api import expect

    erin = log_in(browser, editor, "erin")
    open_edit(erin, "Can I work with TOH?")
    erin.get_by_label("SMS text").fill(
        "Working with transient osteoporosis of the hip (TOH) depends on your pain and your job. "
        "Talk with your care team."
    )
    erin.get_by_role("button", name="Save and send for review").click()
    erin.context.close()

    rita = log_in(browser, editor, "rita")
    rita.goto(editor.url + "/items/work")
    rita.get_by_role("button", name="Publish revision 2").click()
    expect(rita.get_by_role("status").first).to_contain_text("Revision 2 is live")
    history = rita.get_by_role("table")
    expect(history).to_contain_text("Retired")
    rita.get_by_role("button", name="Roll back to 1").click()
    expect(rita.get_by_role("status").first).to_contain_text("Revision 3, a copy of revision 1")
    rita.get_by_role("link", name="Changes in revision 3").click()
    expect(rita.locator("del").first).to_be_visible()
    rita.context.close()
    assert published_answer("work", uow=editor.services.uow()).version == 3


def test_roles_csrf_and_accounts(browser: object, editor: Editor) -> None:
    from playwright.sync_api import expect

    erin = log_in(browser, editor, "erin")
    assert erin.goto(editor.url + "/users").status == 403
    forged = erin.request.post(
        editor.url + "/items/duration/revisions/1/retire", form={"base_version": "1"}
    )
    assert forged.status == 400
    erin.context.close()

    ada = log_in(browser, editor, "ada")
    ada.get_by_role("link", name="Accounts").click()
    ada.get_by_label("Username").fill("newbie")
    ada.get_by_label("Role").select_option("reviewer")
    ada.get_by_label("First password").fill("a fresh long secret")
    ada.get_by_role("button", name="Create account").click()
    expect(ada.get_by_role("status").first).to_contain_text("Account 'newbie' (reviewer) created")
    ada.context.close()

    page = browser.new_context().new_page()  # type: ignore[attr-defined]
    page.goto(editor.url + "/login")
    page.get_by_label("Username").fill("newbie")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("The username or the password is wrong")
    page.context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_pages_fit_the_screen_and_pass_axe(
    browser: object, editor: Editor, viewport: dict[str, int]
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page = log_in(browser, editor, "rita", viewport=viewport)
    axe = Axe()
    for path in (
        "/",
        "/items/pregnancy",
        "/items/pregnancy/edit",
        "/items/pregnancy/diff",
        "/items/pregnancy/revisions/1",
    ):
        page.goto(editor.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{path} scrolls sideways ({width}px)"
        serious = [
            v["id"]
            for v in axe.run(page).response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == [], f"{path}: {serious}"
    target = os.environ.get("EDITOR_SCREENSHOT_DIR")
    if target:
        page.goto(editor.url + "/items/pregnancy/edit")
        name = "editor-phone.png" if viewport is PHONE else "editor-desktop.png"
        page.screenshot(path=str(Path(target) / name), full_page=True)
    page.context.close()
