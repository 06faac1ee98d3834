"""What the channel tests share: a content store on SQLite, a stand-in for Rasa, a live server.

- ``content_services`` builds ``Services`` on a fresh SQLite file with ``content/`` imported, as
  ``python -m bot content import`` does.
- ``BotDouble`` replaces Rasa's agent (the thing ``on_new_message`` calls): it records the
  messages and answers by a small script, choosing wording by the output channel's name as
  Rasa's NLG does. It stands in for Rasa, not for the channel under test.
- ``serve`` mounts channels with Rasa's own ``register`` (so URLs are Rasa's) on a Sanic app
  listening on a free port of 127.0.0.1 (sanic-testing is not installed); ``running`` serves any
  Sanic app that way (the action server, for instance).
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage, register
from sanic import Sanic

from bot.channels.gate import InboundGate
from bot.channels.limits import AbuseLimits, LimitPolicy, MemoryCounter
from bot.config import REPO_ROOT, load_settings
from bot.content.files import read_items
from bot.content.importing import import_items
from bot.migrate import upgrade
from bot.replies import ReplyService
from bot.wiring import Services

SUGGESTIONS = [
    {"title": "How long TOH lasts", "payload": "/faq_duration"},
    {"title": "Driving", "payload": "/faq_driving"},
    {"title": "None of these", "payload": "/none_of_these"},
]


def build_content_db(path: Path) -> None:
    """Create the schema on a new SQLite file and import ``content/`` into it."""
    services = content_services_at(path)
    upgrade(services.engine)
    import_items(read_items(REPO_ROOT / "content"), uow=services.uow())  # seeded: published
    services.engine.dispose()


def content_services_at(path: Path, **settings: Any) -> Services:
    """``Services`` on the SQLite file ``path`` (settings from the environment, no .env)."""
    base = load_settings(env_file=None)
    return Services(
        replace(base, database_url=f"sqlite:///{path}", hash_salt="test-salt", **settings)
    )


def copy_content_db(template: Path, target: Path, **settings: Any) -> Services:
    """A private copy of a prepared content store, so tests do not share SMS state."""
    shutil.copyfile(template, target)
    return content_services_at(target, **settings)


def fresh_gate(policy: LimitPolicy | None = None) -> InboundGate:
    """A gate with its own in-memory counts, so one test's messages do not limit another's."""
    return InboundGate(limits=AbuseLimits(MemoryCounter(), policy))


class BotDouble:
    """Rasa's agent as the channels see it: ``handle_message(UserMessage)``, and its trackers
    as ``bot.channels.conversations.Conversations`` (``record``, ``offered_payloads``).

    Script: ``buttons`` → a question with three buttons; ``silence`` → no message; ``crash…`` →
    raises (quoting the text); ``slow`` → answers after ``slow_seconds``; ``/faq_<topic>`` →
    that topic's published answer; ``/none_of_these`` → a line; else ``You said: <text>``.
    """

    def __init__(self, services: Services) -> None:
        self.received: list[UserMessage] = []
        self.recorded: list[tuple[str, str, str]] = []  # (sender, text, reason)
        self.offers: dict[str, set[str]] = {}
        self.slow_seconds = 0.5
        self._replies = ReplyService(services.uow, hash_salt="test-salt")

    async def record(
        self, sender: str, text: str, reply: dict[str, Any], *, reason: str, channel: str
    ) -> bool:
        """Store a message the channel answered itself, as Rasa's tracker would."""
        self.recorded.append((sender, text, reason))
        self.offers.pop(sender, None)
        return True

    async def offered_payloads(self, sender: str) -> set[str]:
        """The payloads of the buttons sent since the sender's last message."""
        return set(self.offers.get(sender, set()))

    def stored_texts(self, sender: str) -> list[str]:
        """Every message of ``sender`` in the conversation: Rasa turns and channel lines."""
        turns = [m.text or "" for m in self.received if m.sender_id == sender]
        return turns + [text for who, text, _ in self.recorded if who == sender]

    async def handle_message(self, message: UserMessage) -> None:
        """Answer like a tiny assistant would."""
        self.received.append(message)
        self.offers.pop(message.sender_id, None)
        text, out, sender = message.text or "", message.output_channel, message.sender_id
        channel = out.name()  # what Rasa's NLG is given
        if text == "silence":
            return
        if text.startswith("crash"):
            raise RuntimeError(f"exploded on {text!r}")
        if text == "slow":
            await asyncio.sleep(self.slow_seconds)
        if text == "buttons":
            await out.send_response(
                sender, {"text": "Did you mean one of these?", "buttons": SUGGESTIONS}
            )
            self.offers[sender] = {str(b["payload"]) for b in SUGGESTIONS}
        elif text.startswith("/faq_"):
            reply = self._replies.topic(text[len("/faq_") :], channel)
            await out.send_response(sender, {"text": reply.text})
        elif text == "/none_of_these":
            await out.send_response(
                sender, {"text": self._replies.message("not_understood", channel).text}
            )
        else:
            await out.send_response(sender, {"text": f"You said: {text}"})

    @property
    def texts(self) -> list[str]:
        """The texts Rasa was given, in order."""
        return [message.text or "" for message in self.received]


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def serve(channels: Sequence[InputChannel], bot: BotDouble) -> AsyncIterator[str]:
    """Serve ``channels`` under ``/webhooks/`` as ``rasa run`` does; yields the base URL."""
    # Several apps start in one process: Sanic's start-up code rewriting must keep its originals
    # (what sanic-testing sets too).
    Sanic.test_mode = True
    app = Sanic(f"channels_{uuid.uuid4().hex}")
    app.ctx.agent = SimpleNamespace(handle_message=bot.handle_message)
    register(list(channels), app, route="/webhooks/")
    async with running(app) as base_url:
        yield base_url


@asynccontextmanager
async def running(app: Sanic) -> AsyncIterator[str]:
    """Serve ``app`` on a free port of 127.0.0.1 in this event loop; yields the base URL."""
    Sanic.test_mode = True
    port = free_port()
    server = await app.create_server(
        host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
    )
    assert server is not None
    await server.startup()
    await server.before_start()
    await server.after_start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await server.before_stop()
        await _close(server)
        await server.after_stop()


async def _close(server: Any, grace: float = 0.25) -> None:
    """Stop listening, then close connections as Sanic's own runner does (idle ones first)."""
    server.close()
    for connection in list(server.connections):
        connection.close_if_idle()
    for _ in range(int(grace / 0.05)):
        if not server.connections:
            break
        await asyncio.sleep(0.05)
    for connection in list(server.connections):
        connection.abort()  # e.g. a long request the server is holding
    await server.wait_closed()
