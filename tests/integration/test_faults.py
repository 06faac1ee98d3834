"""Faults and what the patient, the log and the operator see (README, "When something is down").

Action server down, content store down, Redis down, model missing or corrupt at start, a full
disk under the logs. The Rasa cases run the trained model (``agent`` fixture), started without
an action server.
"""

from __future__ import annotations

import errno
import logging
import uuid
from pathlib import Path
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import BotUttered, UserUttered

from bot.channels.conversations import RasaConversations
from bot.channels.inbound import unavailable_text
from bot.channels.rest import PatientRestInput
from bot.channels.turns import FALLBACK_LINES
from bot.content import services as content
from bot.model_check import ModelUnusable, usable_model
from bot.stores.rasa_stores import lock_store_for
from bot.wiring import Services
from tests.integration.channel_harness import (
    BotDouble,
    build_content_db,
    content_services_at,
    copy_content_db,
    free_port,
    fresh_gate,
)

LONG = "I keep wondering what my scan means for the months ahead. " * 60


@pytest.fixture(scope="module")
def content_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("faults") / "template.sqlite3"
    build_content_db(path)
    return path


@pytest.fixture
def services(content_template: Path, tmp_path: Path) -> Services:
    return copy_content_db(content_template, tmp_path / "content.sqlite3")


def channel_on(services: Services, agent: Any = None) -> PatientRestInput:
    return PatientRestInput(
        turn_timeout=20,
        services_factory=lambda: services,
        gate=fresh_gate(),
        conversations=lambda _: RasaConversations(lambda: agent),
    )


def text_of(services: Services, item_id: str) -> str:
    """The item's web text as a patient receives it (clinic details filled in)."""
    answer = content.published_answer(item_id, uow=services.uow())
    return answer.filled(services.settings.clinic.placeholders()).text.strip()


# --- action server down ---------------------------------------------------------------------


async def test_action_server_down_faq_gets_unavailable_but_red_flags_escalate(
    agent: Any, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    channel = channel_on(services, agent)
    sender = uuid.uuid4().hex
    faq = await channel.answer(agent.handle_message, sender, "How long does TOH last?")
    assert [m["text"] for m in faq] == [text_of(services, "unavailable")]
    flag = await channel.answer(agent.handle_message, sender, "I have crushing chest pain")
    assert "911" in flag[0]["text"]  # escalations come from Rasa itself, no action server


# --- channel lines stored in Rasa's tracker -------------------------------------------------


async def test_a_channel_line_is_in_the_tracker_and_the_next_turn_still_works(
    agent: Any, services: Services
) -> None:
    channel = channel_on(services, agent)
    sender = uuid.uuid4().hex
    conversations = RasaConversations(lambda: agent)
    [line] = await channel.answer(
        agent.handle_message, sender, LONG, conversations=conversations
    )
    assert line["text"] == text_of(services, "too_long")
    tracker = await agent.tracker_store.retrieve(sender)
    users = [e for e in tracker.events if isinstance(e, UserUttered)]
    bots = [e for e in tracker.events if isinstance(e, BotUttered)]
    assert [u.text for u in users] == [LONG.strip()[:2000]]
    assert bots[-1].text == line["text"] and bots[-1].data["content_id"] == "too_long"
    answer = await channel.answer(agent.handle_message, sender, "I have chest pain")
    assert "911" in answer[0]["text"]


# --- content store down ---------------------------------------------------------------------


async def test_content_store_down_the_channel_lines_fall_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "a-file").write_text("")
    broken = content_services_at(tmp_path / "a-file" / "content.sqlite3")  # folder is a file
    bot = BotDouble.__new__(BotDouble)  # its replies need the store: only record() is used
    bot.recorded, bot.offers, bot.received = [], {}, []
    channel = PatientRestInput(services_factory=lambda: broken, gate=fresh_gate())
    [line] = await channel.answer(bot.handle_message, "web-1", LONG, conversations=bot)
    assert line["text"] == FALLBACK_LINES["too_long"]
    [line] = await channel.answer(bot.handle_message, "web-1", "¿Cuánto dura la cadera?")
    assert line["text"] == FALLBACK_LINES["other_language"]
    assert "content line too_long unavailable (" in caplog.text


# --- Redis down -----------------------------------------------------------------------------


async def test_redis_lock_store_down_gets_unavailable_and_a_log_line(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    locks = lock_store_for(f"redis://127.0.0.1:{free_port()}/11")  # nothing listens there

    async def handle(message: UserMessage) -> None:
        async with locks.lock(message.sender_id):
            raise AssertionError("never reached: the lock cannot be taken")

    channel = channel_on(services)
    [answer] = await channel.answer(handle, "web-1", "How long does TOH last?")
    assert answer["text"] == text_of(services, "unavailable")
    # Rasa's stock store wraps the ConnectionError in a LockError; our ticket lock lets it through
    failed = ("turn failed (LockError)", "turn failed (ConnectionError)")
    assert any(line in caplog.text for line in failed)


# --- model missing or corrupt at start ------------------------------------------------------


def test_a_missing_model_is_refused_with_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ModelUnusable, match="no trained model.*make train"):
        usable_model(tmp_path)
    with pytest.raises(ModelUnusable, match="no trained model"):
        usable_model(tmp_path / "toh.tar.gz")


@pytest.mark.parametrize("content", [b"", b"not a model", b"\x1f\x8b\x08\x00garbage"])
def test_a_corrupt_model_is_refused_with_what_to_do(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "toh.tar.gz").write_bytes(content)
    with pytest.raises(ModelUnusable, match="cannot be read.*make train"):
        usable_model(tmp_path)


def test_a_truncated_model_is_refused(tmp_path: Path) -> None:
    real = Path("models/toh.tar.gz").read_bytes()
    (tmp_path / "toh.tar.gz").write_bytes(real[: len(real) // 50])
    with pytest.raises(ModelUnusable):
        usable_model(tmp_path)


def test_the_trained_model_is_usable() -> None:
    assert usable_model(Path("models")).name == "toh.tar.gz"


def test_the_launcher_refuses_to_start_without_a_model(tmp_path: Path) -> None:
    from bot.launch import StackPorts, start_stack

    with pytest.raises(ModelUnusable):
        start_stack(StackPorts(free_port(), free_port(), free_port()), model=tmp_path)


# --- a full disk under the logs -------------------------------------------------------------


class FullDisk:
    """A log stream on a full disk."""

    def write(self, _: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    def flush(self) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")


async def test_a_full_disk_for_logs_does_not_stop_answers(services: Services) -> None:
    handler = logging.StreamHandler(FullDisk())  # type: ignore[arg-type]
    root = logging.getLogger()
    root.addHandler(handler)
    # logging's handleError reports a failed write on stderr (if it can) and carries on
    bot = BotDouble(services)
    try:
        channel = channel_on(services)
        [answer] = await channel.answer(bot.handle_message, "web-1", "crash and log it")
    finally:
        root.removeHandler(handler)
    assert answer["text"] == unavailable_text(lambda: text_of(services, "unavailable"))
