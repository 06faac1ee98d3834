"""Fuzzing the patient channels and the red-flag detector with hypothesis.

Properties: nothing raises; every request gets a 2xx with messages or a 4xx with a JSON error
(never a 5xx, never an empty answer); every message the channel accepts (anything but the
``empty_message`` line) is stored in the conversation, by a Rasa turn or as a channel line.
Rasa is ``BotDouble``; the detector is the real one.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.channels import sms_text
from bot.channels.limits import LimitPolicy
from bot.channels.rest import PatientRestInput
from bot.channels.screen import shared_detector
from bot.channels.sms import IncomingSms, SmsInput
from bot.channels.twilio_api import TwilioAccount
from bot.replies import ReplyService
from bot.wiring import Services
from tests.integration.channel_harness import (
    BotDouble,
    build_content_db,
    content_services_at,
    fresh_gate,
    serve,
)

FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NO_LIMITS = LimitPolicy(per_sender_per_minute=10**9, per_ip_per_minute=10**9, turns_per_day=10**9)
FRAGMENTS = [
    "/faq_duration",
    "/escalate_emergency",
    '/greet{"x": 1}',
    "\\affirm",
    "I fell and can't stand",
    "chest pain",
    "no fever",
    "temp 39.5",
    "Me caí",
    "¿Cuánto dura?",
    "كم تستمر",
    "髋关节",
    "😣🦴👩\u200d⚕️",
    "\u202e\u200b\u200c\u200d\ufeff",
    "<script>alert(1)</script>",
    "'; DROP TABLE x; --",
    "\x00\x07\x1b[31m",
    "\r\n\t",
    "STOP",
    "2",
]
patient_text = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=20), max_size=12).map(" ".join),
    st.text(alphabet=st.sampled_from("ab .!?\n"), min_size=1900, max_size=6000),
)
json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | patient_text,
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=5,
)


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Services:
    path: Path = tmp_path_factory.mktemp("fuzz") / "content.sqlite3"
    build_content_db(path)
    return content_services_at(path)


def rest_channel(services: Services, bot: BotDouble) -> PatientRestInput:
    return PatientRestInput(
        turn_timeout=2,
        services_factory=lambda: services,
        conversations=lambda _: bot,
        gate=fresh_gate(NO_LIMITS),
    )


def assert_answered_and_stored(answer: list[dict[str, Any]], bot: BotDouble, sender: str) -> None:
    assert answer and all(isinstance(m.get("text"), str) and m["text"] for m in answer)
    stored = bot.stored_texts(sender)
    if answer[0].get("content_id") == "empty_message":
        assert stored == []
    else:
        assert len(stored) == 1 and stored[0]


@FUZZ
@given(message=json_value)
def test_rest_answers_and_stores_any_message(services: Services, message: Any) -> None:
    bot = BotDouble(services)
    channel = rest_channel(services, bot)
    sender = uuid.uuid4().hex
    answer = asyncio.run(channel.answer(bot.handle_message, sender, message, conversations=bot))
    assert_answered_and_stored(answer, bot, sender)


class SentSms:
    """Stands in for Twilio's API: keeps what would be sent."""

    def __init__(self) -> None:
        self.bodies: list[str] = []

    async def send(self, phone: str, body: str, *, log_id: str) -> None:
        self.bodies.append(body)

    async def close(self) -> None:
        pass


@FUZZ
@given(body=patient_text)
def test_sms_answers_and_stores_any_body(services: Services, body: str) -> None:
    bot, sent = BotDouble(services), SentSms()
    account = TwilioAccount("AC" + "0" * 32, "token", "+15550100000")
    channel = SmsInput(
        account,
        services_factory=lambda: services,
        sender=sent,  # type: ignore[arg-type]
        gate=fresh_gate(NO_LIMITS),
    )
    phone = f"+1555{uuid.uuid4().int % 10**7:07d}"
    asyncio.run(channel.handle(IncomingSms(phone, body, None), bot.handle_message, bot))
    stored = bot.stored_texts(channel.contact_of(phone))
    assert sent.bodies and all(sent.bodies), "never silence"
    if not stored:  # only an empty body or a carrier keyword is answered without storing
        assert sent.bodies[0] in unstored_lines(services)
    else:
        assert len(stored) == 1 and stored[0]


def unstored_lines(services: Services) -> set[str]:
    replies = ReplyService(services.uow, hash_salt="x")
    ids = ("empty_message", "sms_stop", "sms_start", "sms_help")
    return {sms_text.cut(replies.message(item_id, "sms").text) for item_id in ids}


async def post_all(base_url: str, bodies: list[tuple[bytes, str]]) -> list[tuple[int, Any]]:
    results = []
    async with aiohttp.ClientSession() as http:
        for data, content_type in bodies:
            headers = {"Content-Type": content_type}
            async with http.post(
                f"{base_url}/webhooks/rest/webhook", data=data, headers=headers
            ) as r:
                results.append((r.status, json.loads(await r.read())))
    return results


raw_body = st.one_of(
    st.binary(max_size=500),
    json_value.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries({"sender": json_value, "message": json_value}).map(
        lambda v: json.dumps(v).encode()
    ),
)
content_types = st.sampled_from(
    ["application/json", "text/plain", "application/x-www-form-urlencoded", "", "a/b; c=d"]
)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(bodies=st.lists(st.tuples(raw_body, content_types), min_size=25, max_size=25))
def test_rest_over_http_never_answers_5xx_or_nothing(
    services: Services, bodies: list[tuple[bytes, str]]
) -> None:
    bot = BotDouble(services)

    async def run() -> list[tuple[int, Any]]:
        async with serve([rest_channel(services, bot)], bot) as base_url:
            return await post_all(base_url, bodies)

    for status, answer in asyncio.run(run()):
        assert status in (200, 400, 413, 415), status
        if status == 200:
            assert isinstance(answer, list) and answer and all(m.get("text") for m in answer)
        else:
            assert isinstance(answer["error"], str) and answer["error"]


@settings(max_examples=200, deadline=None)
@given(text=patient_text)
def test_the_detector_reads_anything(text: str) -> None:
    detector = shared_detector()
    findings = detector.findings(text)
    live = detector.live(text)
    assert all(0 <= f.start <= f.end <= len(text) for f in findings)
    assert {f.flag_id for f in live} <= {f.flag_id for f in findings}
