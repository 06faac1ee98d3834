"""The socket.io channel end to end, with python-socketio's client on a real Sanic server.

The client uses the polling transport: engine.io's websocket client needs a newer aiohttp than
Rasa 3.6 allows (``aiohttp.ClientWSTimeout``). The server side is the same either way.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import socketio

from bot.channels.socketio import PatientSocketIOInput
from bot.wiring import Services
from tests.integration.channel_harness import BotDouble, build_content_db, copy_content_db, serve


@pytest.fixture(scope="module")
def content_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("socketio") / "template.sqlite3"
    build_content_db(path)
    return path


@pytest.fixture
def services(content_template: Path, tmp_path: Path) -> Services:
    return copy_content_db(content_template, tmp_path / "content.sqlite3")


@pytest.fixture
def bot(services: Services) -> BotDouble:
    return BotDouble(services)


class Chat:
    """A web chat widget: one socket, the bot's messages in a queue."""

    def __init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.inbox: asyncio.Queue[Any] = asyncio.Queue()
        self.client.on("bot_uttered", self.inbox.put_nowait)
        self.client.on(
            "session_confirm", lambda session: self.inbox.put_nowait(("session", session))
        )

    async def connect(self, base_url: str, session_id: str | None = "conv-1") -> None:
        await self.client.connect(base_url, socketio_path="/socket.io", transports=["polling"])
        if session_id is not None:
            await self.client.emit("session_request", {"session_id": session_id})
            assert await self.next() == ("session", session_id)

    async def say(self, data: Any) -> None:
        await self.client.emit("user_uttered", data)

    async def next(self, timeout: float = 5.0) -> Any:
        return await asyncio.wait_for(self.inbox.get(), timeout)

    async def nothing_more(self, wait: float = 0.3) -> bool:
        await asyncio.sleep(wait)
        return self.inbox.empty()


@pytest.fixture
async def chat(services: Services, bot: BotDouble) -> AsyncIterator[Chat]:
    channel = PatientSocketIOInput(
        session_persistence=True, turn_timeout=2, services_factory=lambda: services
    )
    widget = Chat()
    async with serve([channel], bot) as base_url:
        await widget.connect(base_url)
        yield widget
        # Without waiting for the long poll the server holds (~30 s); the server's shutdown
        # then ends it, and the client's loops with it.
        await widget.client.eio.disconnect(abort=True)
    await asyncio.wait_for(widget.client.eio.wait(), 5)


def text_of(services: Services, item_id: str) -> str:
    """The line as a patient on the web receives it (clinic details filled in)."""
    return services.replies().message(item_id, "socketio").text


async def test_a_persistent_session_gets_its_answers(chat: Chat, bot: BotDouble) -> None:
    # Rasa 3.6's own handler forgets to await enter_room: this answer would never arrive.
    await chat.say({"message": "hello", "session_id": "conv-1"})
    assert await chat.next() == {"text": "You said: hello"}
    [message] = bot.received
    assert (message.sender_id, message.input_channel) == ("conv-1", "socketio")


async def test_buttons_arrive_as_quick_replies(chat: Chat) -> None:
    await chat.say({"message": "buttons", "session_id": "conv-1"})
    answer = await chat.next()
    assert [reply["payload"] for reply in answer["quick_replies"]][-1] == "/none_of_these"


async def test_slash_text_is_plain_text(chat: Chat, bot: BotDouble) -> None:
    await chat.say({"message": "/deny", "session_id": "conv-1"})
    await chat.next()
    assert bot.texts == ["deny"]


@pytest.mark.parametrize("message", ["", "  ", None, 7])
async def test_an_empty_message_gets_the_empty_message_line(
    chat: Chat, bot: BotDouble, services: Services, message: Any
) -> None:
    await chat.say({"message": message, "session_id": "conv-1"})
    assert await chat.next() == {"text": text_of(services, "empty_message")}
    assert bot.received == []


@pytest.mark.parametrize("message", ["silence", "crash now"])
async def test_a_turn_without_reply_gets_the_unavailable_line(
    chat: Chat, services: Services, message: str
) -> None:
    await chat.say({"message": message, "session_id": "conv-1"})
    assert await chat.next() == {"text": text_of(services, "unavailable")}
    assert await chat.nothing_more()


async def test_a_message_without_session_id_is_answered_not_dropped(chat: Chat) -> None:
    await chat.say({"message": "hello"})
    assert await chat.next() == {"text": "You said: hello"}


async def test_a_bare_string_is_a_message(chat: Chat) -> None:
    await chat.say("hello")
    assert await chat.next() == {"text": "You said: hello"}


async def test_a_server_with_no_clients_stops_cleanly(services: Services, bot: BotDouble) -> None:
    """Ctrl-C on `make run` before any widget connected used to end in a traceback."""
    channel = PatientSocketIOInput(services_factory=lambda: services)
    async with serve([channel], bot) as base_url:
        assert base_url.startswith("http://127.0.0.1:")
    assert channel.sio is not None and not channel.sio.eio.sockets
