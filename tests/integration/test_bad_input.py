"""Bad input on the patient channels: a clear 4xx or a polite reply, never a 5xx or silence.

Each case is a row of the README table "bad input → what the patient sees". The channels run
on a real Sanic server with the real red-flag detector; Rasa is ``BotDouble`` (which also keeps
the conversation, as Rasa's tracker would).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.channels.inbound import MAX_CHARS
from bot.channels.limits import LimitPolicy
from bot.channels.rest import MAX_BODY_BYTES, PatientRestInput
from bot.content import services as content
from bot.wiring import Services
from tests.integration.channel_harness import (
    BotDouble,
    build_content_db,
    copy_content_db,
    fresh_gate,
    serve,
)

SENDER = "web-bad-input"
CALM_PADDING = "I have been reading about my hip and I wonder about many things. " * 60
FAR_RED_FLAG = CALM_PADDING + "Also I fell down the stairs this morning and cannot stand. " + (
    "Thank you for your help. " * 40
)


@pytest.fixture(scope="module")
def content_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bad_input") / "template.sqlite3"
    build_content_db(path)
    return path


@pytest.fixture
def services(content_template: Path, tmp_path: Path) -> Services:
    return copy_content_db(content_template, tmp_path / "content.sqlite3")


@pytest.fixture
def bot(services: Services) -> BotDouble:
    return BotDouble(services)


class Client:
    """Posts to the REST webhook and keeps status and decoded body."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def post(
        self,
        data: bytes,
        content_type: str | None = "application/json",
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        headers = dict(headers or {})
        if content_type:
            headers["Content-Type"] = content_type
        async with aiohttp.ClientSession() as http:
            async with http.post(self.url, data=data, headers=headers) as response:
                body = await response.read()
                return response.status, json.loads(body) if body else None

    async def say(
        self, message: Any, sender: str = SENDER, headers: dict[str, str] | None = None
    ) -> list[dict[str, Any]]:
        body = json.dumps({"sender": sender, "message": message}).encode()
        status, answer = await self.post(body, headers=headers)
        assert status == 200, answer
        assert answer and all(m.get("text") for m in answer), "never silence"
        return answer


def client_for(
    services: Services, bot: BotDouble, policy: LimitPolicy | None = None
) -> AbstractAsyncContextManager[str]:
    """The REST channel served with its own limits; yields the base URL."""
    channel = PatientRestInput(
        turn_timeout=2,
        services_factory=lambda: services,
        conversations=lambda _: bot,
        gate=fresh_gate(policy),
    )
    return serve([channel], bot)


@pytest.fixture
async def web(services: Services, bot: BotDouble) -> AsyncIterator[Client]:
    async with client_for(services, bot) as base_url:
        yield Client(f"{base_url}/webhooks/rest/webhook")


def text_of(services: Services, item_id: str) -> str:
    """The item's web text as a patient receives it (clinic details filled in)."""
    answer = content.published_answer(item_id, uow=services.uow())
    return answer.filled(services.settings.clinic.placeholders()).text.strip()


# --- what the patient typed -----------------------------------------------------------------


@pytest.mark.parametrize("message", ["", "   ", "\n\t", "\u200b\u200d", "\x00\x07\x1b"])
async def test_nothing_readable_gets_the_empty_message_line(
    web: Client, bot: BotDouble, services: Services, message: str
) -> None:
    [answer] = await web.say(message)
    assert answer["text"] == text_of(services, "empty_message")
    assert bot.received == []


async def test_a_long_message_gets_too_long_and_is_stored(
    web: Client, bot: BotDouble, services: Services
) -> None:
    message = CALM_PADDING  # about 4,000 characters, no red flag
    assert len(message) > MAX_CHARS
    [answer] = await web.say(message)
    assert answer["text"] == text_of(services, "too_long")
    assert bot.received == []  # no Rasa turn on half a message
    assert bot.recorded == [(SENDER, message.strip()[:MAX_CHARS], "too_long")]


async def test_a_red_flag_anywhere_in_a_long_message_escalates(
    web: Client, bot: BotDouble
) -> None:
    await web.say(FAR_RED_FLAG)
    [sent] = bot.texts  # Rasa (whose screen reads its text) is given the flagged sentence
    assert sent == "Also I fell down the stairs this morning and cannot stand."
    assert bot.recorded == []


async def test_a_red_flag_at_the_very_end_of_a_near_limit_body_escalates(
    web: Client, bot: BotDouble
) -> None:
    message = "x" * (MAX_BODY_BYTES - 200) + " I have chest pain."
    await web.say(message)
    [sent] = bot.texts  # the flag's sentence, with at most MAX_CHARS of what comes before
    assert sent.endswith("I have chest pain.") and len(sent) <= MAX_CHARS


@pytest.mark.parametrize(
    "message",
    [
        "¿Cuánto dura la osteoporosis transitoria de cadera?",
        "Combien de temps dure l'ostéoporose transitoire de la hanche ?",
        "כמה זמן נמשכת אוסטאופורוזיס חולפת?",  # right to left
        "كم تستمر هشاشة العظام العابرة في الورك؟",
        "髋关节一过性骨质疏松症会持续多久？",
        "Сколько длится транзиторный остеопороз?",
    ],
)
async def test_another_language_gets_english_and_spanish_with_the_clinic(
    web: Client, bot: BotDouble, services: Services, message: str
) -> None:
    [answer] = await web.say(message)
    text = answer["text"]
    assert text == text_of(services, "other_language")
    assert "only answer in English" in text and "solo puedo responder en inglés" in text
    assert "(555) 010-0199" in text and "911" in text
    assert bot.recorded == [(SENDER, message, "other_language")]


@pytest.mark.parametrize(
    "message", ["Me caí y no puedo caminar", "Tengo dolor de pecho y no puedo respirar"]
)
async def test_a_red_flag_in_spanish_still_escalates(
    web: Client, bot: BotDouble, message: str
) -> None:
    await web.say(message)
    assert bot.texts == [message]  # Rasa's screen (same catalog) escalates it
    assert bot.recorded == []


@pytest.mark.parametrize(
    ("message", "seen"),
    [
        ("😣🦴", "😣🦴"),
        ("<script>alert('x')</script> TOH?", "<script>alert('x')</script> TOH?"),
        ("'; DROP TABLE content_items; --", "'; DROP TABLE content_items; --"),
        ("abc\u202edcba hip", "abcdcba hip"),  # bidi override dropped
        ("hip\u200b pain", "hip pain"),  # zero-width space dropped
        ("/escalate_emergency", "escalate_emergency"),  # typed intents are words
        ("/faq_cost", "faq_cost"),
    ],
)
async def test_odd_text_reaches_rasa_as_plain_words(
    web: Client, bot: BotDouble, message: str, seen: str
) -> None:
    [answer] = await web.say(message)
    assert bot.texts == [seen] and answer["text"] == f"You said: {seen}"


async def test_invalid_utf8_inside_the_json_is_replaced_not_refused(
    web: Client, bot: BotDouble
) -> None:
    body = b'{"sender": "' + SENDER.encode() + b'", "message": "hip \xff\xfe pain"}'
    status, answer = await web.post(body)
    assert status == 200 and bot.texts == ["hip \ufffd\ufffd pain"]


# --- what the client sent -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b"", "application/json", 400),
        (b"[1, 2]", "application/json", 400),
        (b'{"message": "hi"}', "application/json", 400),  # no sender
        (b'{"sender": ["x"], "message": "hi"}', "application/json", 400),
        (b"sender=x&message=hi", "application/x-www-form-urlencoded", 415),
        (b"--b\r\n\r\nhi\r\n--b--", "multipart/form-data; boundary=b", 415),
        (b"hello", "text/plain", 415),
        (b"{not json", "application/json; charset=utf-8", 400),
        (b"{not json", None, 415),  # aiohttp says application/octet-stream
        (b"\xff\xfe\x00", "application/json", 400),
    ],
)
async def test_unusable_requests_get_a_clear_json_4xx(
    web: Client, bot: BotDouble, body: bytes, content_type: str | None, status: int
) -> None:
    got, answer = await web.post(body, content_type)
    assert got == status and isinstance(answer["error"], str) and answer["error"]
    assert bot.received == []


async def test_json_sent_as_text_plain_is_still_read(web: Client, bot: BotDouble) -> None:
    body = json.dumps({"sender": SENDER, "message": "hello"}).encode()
    status, _ = await web.post(body, "text/plain")  # curl -d, some proxies
    assert status == 200 and bot.texts == ["hello"]


@pytest.mark.parametrize("size", [MAX_BODY_BYTES + 1, 5 * 1024 * 1024])
async def test_bodies_over_the_limit_get_a_json_413(
    web: Client, bot: BotDouble, size: int
) -> None:
    body = json.dumps({"sender": SENDER, "message": "a" * size}).encode()
    status, answer = await web.post(body)
    assert status == 413 and str(MAX_BODY_BYTES) in answer["error"]
    assert bot.received == []


# --- abuse limits ---------------------------------------------------------------------------


async def test_over_the_per_sender_limit_gets_rate_limited_but_red_flags_escalate(
    services: Services, bot: BotDouble
) -> None:
    policy = LimitPolicy(per_sender_per_minute=3, per_ip_per_minute=1000)
    async with client_for(services, bot, policy) as base_url:
        web = Client(f"{base_url}/webhooks/rest/webhook")
        for _ in range(3):
            await web.say("hello")
        [limited] = await web.say("hello")
        await web.say("I fell and my hip looks deformed")
        [other] = await web.say("hello", sender="another-patient")
    assert limited["text"] == text_of(services, "rate_limited")
    assert bot.texts == ["hello"] * 3 + ["I fell and my hip looks deformed", "hello"]
    assert other["text"] == "You said: hello"


async def test_over_the_per_ip_limit_gets_rate_limited(services: Services, bot: BotDouble) -> None:
    policy = LimitPolicy(per_sender_per_minute=1000, per_ip_per_minute=4)
    async with client_for(services, bot, policy) as base_url:
        web = Client(f"{base_url}/webhooks/rest/webhook")
        answers = [await web.say("hello", sender=f"tab-{n}") for n in range(5)]
    assert answers[-1][0]["text"] == text_of(services, "rate_limited")
    assert len(bot.received) == 4


async def test_behind_an_unconfigured_proxy_the_ip_limit_is_skipped(
    services: Services, bot: BotDouble
) -> None:
    policy = LimitPolicy(per_sender_per_minute=1000, per_ip_per_minute=2)
    forwarded = {"X-Forwarded-For": "203.0.113.9"}
    async with client_for(services, bot, policy) as base_url:
        web = Client(f"{base_url}/webhooks/rest/webhook")
        for n in range(4):  # every patient comes through the proxy's one address
            await web.say("hello", sender=f"patient-{n}", headers=forwarded)
    assert len(bot.received) == 4


async def test_a_long_conversation_is_capped_with_the_clinic_number(
    services: Services, bot: BotDouble
) -> None:
    policy = LimitPolicy(per_sender_per_minute=1000, per_ip_per_minute=1000, turns_per_day=5)
    async with client_for(services, bot, policy) as base_url:
        web = Client(f"{base_url}/webhooks/rest/webhook")
        for _ in range(5):
            await web.say("hello")
        [capped] = await web.say("hello")
        await web.say("I have chest pain")
    assert capped["text"] == text_of(services, "conversation_cap")
    assert "(555) 010-0199" in capped["text"]
    assert bot.texts[-1] == "I have chest pain"
