"""The care-team inbox in headless Chromium: a nurse reads an escalated SMS conversation, replies,
and the patient's phone (the fake Twilio API) receives the reply.

The conversation is made through the real SMS channel (signed webhooks, ``SmsInput``) with a
stand-in for Rasa that stores the turn in Rasa's events table and escalates through the real
``ReplyService`` (``tests/integration/handoff_harness.py``). The channel and the fake Twilio API
run on an event loop in a thread of their own; the web app runs in this process on a free port.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest

from bot.content.accounts import SqlAlchemyAccountsUnitOfWork, create_user
from bot.web.app import EditorServer, start_server
from tests.integration.fake_twilio import FakeTwilio
from tests.integration.handoff_harness import OUR_NUMBER, SID, TOKEN, handoff_services, sms_phone

PASSWORD = "correct horse battery"
PHONE = "+14155550123"
SAID = "My name is Maria. I have a fever and my hip is red. Call me on 415-555-0123."
REPLY = "Hello from the clinic. Please come in today at 3 pm. Nina, nurse"
DESKTOP = {"width": 1280, "height": 900}
PHONE_SCREEN = {"width": 360, "height": 740}
T = TypeVar("T")

pytestmark = [pytest.mark.browser]


@dataclass
class Inbox:
    """The web app over a store holding one escalated SMS conversation, and the fake Twilio."""

    server: EditorServer
    twilio: FakeTwilio

    @property
    def url(self) -> str:
        return self.server.url + "/inbox/"


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="sms-side", daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=10)
    loop.close()


def on(loop: asyncio.AbstractEventLoop, job: Coroutine[Any, Any, T]) -> T:
    return asyncio.run_coroutine_threadsafe(job, loop).result(timeout=60)


async def start_twilio() -> FakeTwilio:
    return await FakeTwilio().start()


@pytest.fixture(scope="module")
def inbox(loop: asyncio.AbstractEventLoop,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Inbox]:
    twilio = on(loop, start_twilio())
    services = handoff_services(tmp_path_factory.mktemp("inbox") / "toh.sqlite3", twilio)
    accounts = SqlAlchemyAccountsUnitOfWork(services.session_factory)
    for name, role in (("nina", "clinician"), ("erin", "editor")):
        create_user(name, PASSWORD, role=role, uow=accounts)
    on(loop, escalate_by_sms(services))
    assert [sent.to for sent in twilio.accepted] == [PHONE]  # the escalation reached the patient
    with start_server(port=0, services=services) as server:
        yield Inbox(server, twilio)
    on(loop, twilio.stop())


async def escalate_by_sms(services: Any) -> None:
    async with sms_phone(services, PHONE) as phone:
        await phone.text(SAID)


def log_in(browser: Any, inbox: Inbox, username: str, viewport: dict[str, int] = DESKTOP) -> Any:
    page = browser.new_context(viewport=viewport).new_page()
    page.goto(inbox.url)  # the login page, then back to the inbox
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/inbox/$"))
    return page


def test_a_nurse_reads_the_escalated_sms_conversation_replies_and_closes_it(
    browser: Any, inbox: Inbox
) -> None:
    from playwright.sync_api import expect

    page = log_in(browser, inbox, "nina")
    case = page.get_by_role("row", name=re.compile("urgent: fever"))
    expect(case).to_contain_text("sms")
    case.get_by_role("link").click()

    transcript = page.get_by_role("region", name="Conversation")
    expect(transcript).to_contain_text("My name is [name]. I have a fever and my hip is red. "
                                       "Call me on [phone].")
    expect(transcript).to_contain_text("Assistant")
    assert "555-0123" not in page.content() and "Maria" not in page.content()

    page.get_by_label("Reply by SMS").fill(REPLY)
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_role("status").first).to_contain_text("Your reply was sent by SMS")
    expect(page.get_by_text(REPLY)).to_be_visible()
    sent = inbox.twilio.accepted[-1]
    assert (sent.to, sent.from_, sent.body, sent.auth) == (PHONE, OUR_NUMBER, REPLY, (SID, TOKEN))

    page.get_by_label("Note").fill("Texted her to come in today.")
    page.get_by_role("button", name="Mark handled").click()
    expect(page.get_by_role("status").first).to_contain_text("is marked handled")
    expect(page.get_by_text("0 open cases")).to_be_visible()
    page.context.close()


def test_the_inbox_is_for_the_care_team_only(browser: Any, inbox: Inbox) -> None:
    from playwright.sync_api import expect

    page = browser.new_context(viewport=DESKTOP).new_page()
    page.goto(inbox.server.url + "/editor/")
    page.get_by_label("Username").fill("erin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Inbox")).to_have_count(0)
    answer = page.goto(inbox.url + "cases/1")
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    page.context.close()


@pytest.mark.parametrize("viewport", [PHONE_SCREEN, DESKTOP], ids=["phone", "desktop"])
def test_inbox_pages_fit_the_screen_and_pass_axe(
    browser: Any, inbox: Inbox, viewport: dict[str, int]
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page = log_in(browser, inbox, "nina", viewport)
    for path in ("", "cases/1"):
        page.goto(inbox.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{path} scrolls sideways ({width}px)"
        serious = [v["id"] for v in Axe().run(page).response["violations"]
                   if v["impact"] in ("serious", "critical")]
        assert serious == [], f"{path}: {serious}"
    page.context.close()
