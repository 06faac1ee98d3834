"""The REST channel end to end: ``POST /webhooks/rest/webhook`` on a real Sanic server.

Content comes from a private SQLite store with ``content/`` imported; Rasa is ``BotDouble``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.channels.inbound import unavailable_text
from bot.channels.rest import PatientRestInput
from bot.wiring import Services
from tests.integration.channel_harness import (
    BotDouble,
    build_content_db,
    content_services_at,
    copy_content_db,
    fresh_gate,
    serve,
)


@pytest.fixture(scope="module")
def content_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rest") / "template.sqlite3"
    build_content_db(path)
    return path


@pytest.fixture
def services(content_template: Path, tmp_path: Path) -> Services:
    return copy_content_db(content_template, tmp_path / "content.sqlite3")


@pytest.fixture
def bot(services: Services) -> BotDouble:
    return BotDouble(services)


class Web:
    """A web page talking to the REST webhook."""

    def __init__(self, base_url: str) -> None:
        self.url = f"{base_url}/webhooks/rest/webhook"
        self.base_url = base_url

    async def post(
        self, body: Any, *, raw: bytes | None = None, query: str = ""
    ) -> tuple[int, Any]:
        data = raw if raw is not None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        async with aiohttp.ClientSession() as http:
            async with http.post(self.url + query, data=data, headers=headers) as response:
                return response.status, await response.json(content_type=None)

    async def say(self, message: Any, sender: str = "web-1", **extra: Any) -> list[dict[str, Any]]:
        status, answer = await self.post({"sender": sender, "message": message, **extra})
        assert status == 200, answer
        return answer


@pytest.fixture
async def web(services: Services, bot: BotDouble) -> AsyncIterator[Web]:
    channel = PatientRestInput(
        turn_timeout=2,
        services_factory=lambda: services,
        conversations=lambda _: bot,
        gate=fresh_gate(),
    )
    async with serve([channel], bot) as base_url:
        yield Web(base_url)


def text_of(services: Services, item_id: str) -> str:
    """The line as a patient on the web receives it (clinic details filled in)."""
    return services.replies().message(item_id, "rest").text


async def test_a_message_is_answered_with_a_json_list(web: Web, bot: BotDouble) -> None:
    assert await web.say("hello") == [{"recipient_id": "web-1", "text": "You said: hello"}]
    [message] = bot.received
    assert (message.sender_id, message.input_channel) == ("web-1", "rest")


async def test_topic_answers_use_the_web_wording(web: Web, services: Services) -> None:
    await web.say("buttons")
    answer = await web.say("/faq_duration")  # one message per paragraph, as Rasa's REST does
    assert "\n\n".join(message["text"] for message in answer) == text_of(services, "duration")


async def test_buttons_reach_the_client(web: Web) -> None:
    [answer] = await web.say("buttons")
    assert [b["payload"] for b in answer["buttons"]] == [
        "/faq_duration",
        "/faq_driving",
        "/none_of_these",
    ]


async def test_a_client_cannot_choose_the_input_channel(web: Web, bot: BotDouble) -> None:
    await web.say("hello", input_channel="sms")
    assert bot.received[0].input_channel == "rest"


@pytest.mark.parametrize(
    ("sent", "seen"),
    [
        ("/deny", "deny"),
        ('/greet{"x":1}', 'greet{"x":1}'),
        ("/escalate_emergency", "escalate_emergency"),
        ("/faq_driving", "faq_driving"),  # a real payload, but no button offered it
        ("/none_of_these", "none_of_these"),
        ("/greet", "/greet"),  # the page sends it on opening, unasked
    ],
)
async def test_slash_text_is_plain_text_unless_it_is_our_button(
    web: Web, bot: BotDouble, sent: str, seen: str
) -> None:
    await web.say(sent)
    assert bot.texts == [seen]


async def test_an_offered_button_payload_is_an_intent_once(web: Web, bot: BotDouble) -> None:
    await web.say("buttons")
    await web.say("/faq_driving")
    await web.say("/faq_duration")  # offered by the message before the last one: no longer
    assert bot.texts == ["buttons", "/faq_driving", "faq_duration"]


@pytest.mark.parametrize("message", ["", "   ", None, 42, {"text": "hi"}, ["hi"], "\x00\x1b"])
async def test_an_empty_or_odd_message_gets_the_empty_message_line(
    web: Web, bot: BotDouble, services: Services, message: Any
) -> None:
    [answer] = await web.say(message)
    assert answer["text"] == text_of(services, "empty_message")
    assert (answer["recipient_id"], answer["content_id"]) == ("web-1", "empty_message")
    assert bot.received == []


async def test_a_missing_message_field_gets_the_empty_message_line(
    web: Web, bot: BotDouble, services: Services
) -> None:
    status, answer = await web.post({"sender": "web-1"})
    assert status == 200 and answer[0]["text"] == text_of(services, "empty_message")
    assert bot.received == []


@pytest.mark.parametrize(
    "body", [{"message": "hi"}, {"sender": "", "message": "hi"}, {"sender": None}, ["x"]]
)
async def test_a_missing_sender_is_a_json_400(web: Web, bot: BotDouble, body: Any) -> None:
    status, answer = await web.post(body)
    assert status == 400 and "error" in answer
    assert bot.received == []


async def test_a_body_that_is_not_json_is_a_json_400(web: Web) -> None:
    status, answer = await web.post(None, raw=b"{not json")
    assert status == 400 and "error" in answer


async def test_a_body_of_megabytes_is_a_json_413(web: Web, bot: BotDouble) -> None:
    status, answer = await web.post({"sender": "web-1", "message": "pain " * 1_000_000})
    assert status == 413 and "larger than" in answer["error"]
    assert bot.received == []


@pytest.mark.parametrize("message", ["silence", "crash with my secret hip story"])
async def test_a_turn_without_reply_gets_the_unavailable_line(
    web: Web, services: Services, caplog: pytest.LogCaptureFixture, message: str
) -> None:
    caplog.set_level(logging.DEBUG)
    answer = await web.say(message)
    assert answer == [{"recipient_id": "web-1", "text": text_of(services, "unavailable")}]
    assert "secret hip story" not in caplog.text  # the patient's text is never logged


async def test_a_slow_turn_is_answered_before_it_ends(
    web: Web, bot: BotDouble, services: Services
) -> None:
    bot.slow_seconds = 3  # the channel waits 2
    answer = await web.say("slow")
    assert answer[0]["text"] == text_of(services, "unavailable")
    bot.slow_seconds = 0


async def test_an_unreachable_store_still_answers(bot: BotDouble, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    broken = content_services_at(tmp_path / "a-file" / "content.sqlite3")  # folder is a file
    channel = PatientRestInput(services_factory=lambda: broken)
    answer = await channel.answer(bot.handle_message, "web-1", "silence")
    assert answer == [{"recipient_id": "web-1", "text": unavailable_text()}]
    answer = await channel.answer(bot.handle_message, "web-1", "")
    assert answer[0]["text"].startswith("Sorry, I did not get any text")


async def test_stream_is_not_offered_the_answer_stays_a_list(web: Web) -> None:
    status, answer = await web.post({"sender": "web-1", "message": "hello"}, query="?stream=true")
    assert status == 200 and answer == [{"recipient_id": "web-1", "text": "You said: hello"}]


async def test_health(web: Web) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{web.base_url}/webhooks/rest/") as response:
            assert await response.json() == {"status": "ok"}


def test_the_channel_keeps_rasas_rest_url() -> None:
    assert PatientRestInput.name() == PatientRestInput().url_prefix() == "rest"
