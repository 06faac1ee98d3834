"""Issue 4's whole path: an editor changes an answer in the browser, the publish gate stops a
dose, the fixed text is reviewed and published by someone else, and the running bot serves it
over REST at once: no retrain, no restart."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest

from bot.content import accounts
from bot.launch import StackPorts, start_stack
from bot.web.app import start_server
from tests.conftest import loaded_services
from tests.e2e.conftest import RestClient
from tests.e2e.test_editor_browser import PASSWORD, Editor, log_in, open_edit

pytestmark = [pytest.mark.browser, pytest.mark.servers]
QUESTION = "How long does transient osteoporosis of the hip usually last?"


@pytest.fixture(scope="module")
def editor_and_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Editor, RestClient]]:
    folder = tmp_path_factory.mktemp("editor_to_bot")
    url = f"sqlite:///{folder / 'store.sqlite3'}"
    services = loaded_services(url)
    users = accounts.SqlAlchemyAccountsUnitOfWork(services.session_factory)
    accounts.create_user("erin", PASSWORD, role="editor", uow=users)
    accounts.create_user("rita", PASSWORD, role="reviewer", uow=users)
    ports = StackPorts(rasa=15008, actions=15058, web=18008)
    stack = start_stack(ports, env={"DATABASE_URL": url}, only=("actions", "rasa"), log_dir=folder)
    try:
        with start_server(port=0, services=services) as server:
            yield Editor(server, services), RestClient(stack.rasa_url)
    finally:
        stack.stop()


def test_published_edit_reaches_the_running_bot(browser: object, editor_and_bot) -> None:
    from playwright.sync_api import expect

    editor, bot = editor_and_bot
    before = bot.texts(f"e2e-{uuid.uuid4().hex[:6]}", QUESTION)
    page = log_in(browser, editor, "erin")
    open_edit(page, "How long TOH lasts")
    marker = f"Checked by the clinic team {uuid.uuid4().hex[:6]}."
    page.get_by_label("Web text").fill(f"Take 400 mg of ibuprofen.\n{before}\n")
    page.get_by_label("What changed and why").fill("Add a note")
    page.get_by_role("button", name="Save and send for review").click()
    expect(page.get_by_role("alert")).to_contain_text('"400 mg"')
    page.get_by_label("Web text").fill(f"{before}\n\n{marker}\n")
    page.get_by_role("button", name="Save and send for review").click()
    expect(page.get_by_role("status").first).to_contain_text("is waiting for review")
    page.context.close()

    reviewer = log_in(browser, editor, "rita")
    reviewer.get_by_role("link", name="Waiting for review", exact=True).click()
    reviewer.get_by_role("link", name="How long TOH lasts", exact=True).click()
    reviewer.get_by_role("button", name=re.compile(r"^Publish revision \d+$")).click()
    expect(reviewer.get_by_role("status").first).to_contain_text("is live")
    reviewer.context.close()

    after = bot.send(f"e2e-{uuid.uuid4().hex[:6]}", QUESTION)
    assert marker in after[0]["text"]
    assert after[0]["content_id"] == "duration" and after[0]["content_version"] >= 2
    assert "400 mg" not in after[0]["text"]
