""""Was this helpful?" through the channels, the trained model and a real action server.

Rasa's agent runs the trained model on the project's tracker store with the turn-event broker
(as ``endpoints.yml`` sets them up), answers FAQ questions through rasa-sdk's action server (our
``actions/`` package, served in this event loop) and the content NLG; the content store is a
SQLite file named by ``DATABASE_URL``, as in the server. SMS goes out to the fake Twilio API.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from rasa.core.agent import Agent
from rasa.utils.endpoints import EndpointConfig
from rasa_sdk.endpoint import create_app
from sanic import Sanic

from bot.analytics.broker import TurnEventBroker
from bot.channels.conversations import RasaConversations
from bot.channels.rest import PatientRestInput
from bot.channels.sms import IncomingSms, SmsInput
from bot.channels.twilio_api import TwilioAccount, TwilioMessages
from bot.config import get_settings
from bot.content import services as content
from bot.feedback import Vote, parse
from bot.privacy import pseudonym
from bot.stores.rasa_stores import EnvSQLTrackerStore
from bot.wiring import Services
from tests.integration.channel_harness import build_content_db, fresh_gate, running
from tests.integration.conftest import MODEL
from tests.integration.fake_twilio import FakeTwilio

SALT = "feedback-test-salt"
PHONE = "+14155550123"
DURATION = "How long does transient osteoporosis of the hip usually last?"
DRIVING = "Am I allowed to drive my car with TOH?"


@pytest.fixture(scope="module")
def event_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """One loop for the module: the agent and the action server are built once."""
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One migrated content store for the module; every process part reads it from the env."""
    path = tmp_path_factory.mktemp("feedback") / "toh.sqlite3"
    build_content_db(path)
    patch = pytest.MonkeyPatch()
    patch.setenv("DATABASE_URL", f"sqlite:///{path}")
    patch.delenv("TRACKER_DATABASE_URL", raising=False)
    patch.setenv("PSEUDONYM_KEY", SALT)
    get_settings.cache_clear()
    yield f"sqlite:///{path}"
    patch.undo()
    get_settings.cache_clear()


@pytest.fixture(scope="module")
async def assistant(database: str) -> AsyncIterator[Any]:
    """The agent as ``rasa run`` builds it from endpoints.yml, with the action server up."""
    Sanic.test_mode = True
    async with running(create_app("actions")) as actions_url:
        store = EnvSQLTrackerStore(domain=None, event_broker=TurnEventBroker())
        agent = Agent.load(
            str(MODEL),
            tracker_store=store,
            action_endpoint=EndpointConfig(f"{actions_url}/webhook"),
            generator=EndpointConfig(type="bot.nlg.ContentNLG"),
        )
        store.domain = agent.domain
        yield agent
        await store.event_broker.close()


@pytest.fixture
def services(database: str) -> Services:
    return Services()


async def rest(agent: Any, sender: str, text: str) -> list[dict[str, Any]]:
    channel = PatientRestInput(turn_timeout=60, gate=fresh_gate())
    conversations = RasaConversations(lambda: agent)
    return await channel.answer(agent.handle_message, sender, text, conversations=conversations)


def published_version(services: Services, item_id: str) -> int:
    return content.published_answer(item_id, uow=services.uow()).version


async def eventually(read: Callable[[], Any], expected: Any, timeout: float = 10.0) -> Any:
    """``read()`` once it gives ``expected`` (the broker writes in its own thread), or its last
    value after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    value = read()
    while value != expected and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        value = read()
    return value


def votes(services: Services) -> list[tuple[str, str, int, bool, str]]:
    entries = services.report_source().votes(since=0, until=2e9)
    return [(e.conversation, e.answer, e.version, e.helpful, e.channel) for e in entries]


async def test_the_web_yes_button_stores_a_vote_for_that_answer_and_version(
    assistant: Any, services: Services
) -> None:
    sender = f"web-{uuid.uuid4().hex}"
    answer, question = await rest(assistant, sender, DURATION)
    version = published_version(services, "duration")
    assert (answer["content_id"], answer["content_version"]) == ("duration", version)
    assert question["content_id"] == "ask_helpful"
    assert [b["title"] for b in question["buttons"]] == ["Yes", "No"]
    yes = question["buttons"][0]["payload"]
    assert parse(yes) == Vote("duration", version, helpful=True)

    [thanks] = await rest(assistant, sender, yes)
    assert thanks["content_id"] == "feedback_thanks"
    mine = pseudonym(sender, SALT)
    assert (mine, "duration", version, True, "rest") in votes(services)

    def recorded() -> list[tuple[str | None, bool | None]]:
        turns = services.turn_events().between(0, 2e9)
        return [(t.topic, t.helpful) for t in turns if t.conversation == mine]

    expected = [("duration", None), (None, True)]
    assert await eventually(recorded, expected) == expected


async def test_a_y_by_sms_stores_a_vote_for_the_answer_just_sent(
    assistant: Any, services: Services
) -> None:
    fake = await FakeTwilio().start()
    account = TwilioAccount("AC" + "1" * 32, "token", "+15550100199", api_base=fake.base_url)
    channel = SmsInput(account, services_factory=lambda: services, gate=fresh_gate(),
                       sender=TwilioMessages(account, base_delay=0.01), turn_timeout=60)
    conversations = RasaConversations(lambda: assistant)
    try:
        await channel.handle(IncomingSms(PHONE, DRIVING, "SM1"), assistant.handle_message,
                             conversations)
        asked = [m.body for m in fake.accepted]
        answer = services.replies().topic("driving", "sms").text
        assert answer in asked[0]  # the answer's SMS text, verbatim, comes first
        assert asked[-1].endswith("Was this answer helpful?\nReply Y for Yes or N for No.")
        await channel.handle(IncomingSms(PHONE, "Y", "SM2"), assistant.handle_message,
                             conversations)
    finally:
        await fake.stop()
    thanks = services.replies().message("feedback_thanks", "sms").text
    assert fake.accepted[-1].body == thanks
    rasa_id = channel.contact_of(PHONE)
    version = published_version(services, "driving")
    assert (pseudonym(rasa_id, SALT), "driving", version, True, "sms") in votes(services)


async def test_a_new_question_instead_is_answered_and_a_typed_no_then_counts(
    assistant: Any, services: Services
) -> None:
    sender = f"web-{uuid.uuid4().hex}"
    await rest(assistant, sender, DURATION)
    replies = await rest(assistant, sender, DRIVING)
    assert [r["content_id"] for r in replies][-2:] == ["driving", "ask_helpful"]
    mine = pseudonym(sender, SALT)
    assert [v for v in votes(services) if v[0] == mine] == []
    [thanks] = await rest(assistant, sender, "no")
    assert thanks["content_id"] == "feedback_thanks"
    version = published_version(services, "driving")
    assert [v for v in votes(services) if v[0] == mine] == [
        (mine, "driving", version, False, "rest")]

