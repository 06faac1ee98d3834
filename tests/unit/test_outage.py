"""A turn cut off from the conversation store: the channel's own lines, red flags escalated."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.channels.inbound import unavailable_text
from bot.channels.outage import EscalationMemory
from bot.channels.turns import PatientTurns
from bot.config import Settings, load_settings
from bot.content.repository import FakeUnitOfWork
from bot.stores.turn_health import TurnCutOff, report_store_failure, watch_turn
from tests.unit.fakes import standard_store

FEVER = "I've had a fever and night sweats since yesterday"


@dataclass
class FlakyServices:
    """``Services`` whose content store can go down."""

    store: FakeUnitOfWork = field(default_factory=standard_store)
    down: bool = False
    settings: Settings = field(default_factory=lambda: load_settings(env_file=None))

    def uow(self) -> FakeUnitOfWork:
        if self.down:
            raise ConnectionError("database is down")
        return self.store


def message(text: str) -> UserMessage:
    return UserMessage(text, CollectingOutputChannel(), "patient-1", input_channel="rest")


async def cut_off_turn(user_message: UserMessage) -> None:
    """What Rasa's turn does when the tracker store fails (see bot.stores.rasa_stores)."""
    await user_message.output_channel.send_text_message("patient-1", "blank-tracker reply")
    if report_store_failure():
        raise TurnCutOff()


async def good_turn(user_message: UserMessage) -> None:
    await user_message.output_channel.send_text_message("patient-1", "answer")


async def test_a_cut_off_turn_gets_the_unavailable_line_instead_of_its_replies() -> None:
    services = FlakyServices(down=True)
    turns = PatientTurns("rest", services_factory=lambda: services)  # type: ignore[arg-type,return-value]
    lines = await turns.converse(cut_off_turn, message("how long does it last"))
    assert lines is not None
    assert [line.text for line in lines] == [unavailable_text()]


async def test_a_red_flag_in_a_cut_off_turn_gets_the_last_published_escalation() -> None:
    services = FlakyServices()
    turns = PatientTurns("rest", services_factory=lambda: services)  # type: ignore[arg-type,return-value]
    assert await turns.converse(good_turn, message("hello")) is None
    assert turns.escalations.refresh()  # what a good turn triggers in the background
    services.down = True
    lines = await turns.converse(cut_off_turn, message(FEVER))
    assert lines is not None
    escalation, unavailable = lines
    assert escalation.text == "esc_infection web"  # the store's text, kept in memory
    assert escalation.custom == {"kind": "escalation", "tier": "urgent"}
    assert unavailable.text == unavailable_text()


def test_without_any_read_the_escalation_comes_from_the_reviewed_files() -> None:
    services = FlakyServices(down=True)
    memory = EscalationMemory(lambda: services)  # type: ignore[arg-type,return-value]
    assert not memory.refresh()
    line = memory.escalation_for(FEVER, "sms")
    assert line is not None and line.tier == "urgent"
    assert "care team" in line.text.lower() and len(line.text) < 400  # the SMS wording


def test_calm_text_gets_no_escalation() -> None:
    memory = EscalationMemory(lambda: FlakyServices(down=True))  # type: ignore[arg-type,return-value]
    assert memory.escalation_for("how long does TOH last", "rest") is None


def test_only_a_watched_turn_is_marked_and_cut_off() -> None:
    assert contextvars.Context().run(report_store_failure) is False  # Rasa raises as usual

    def watched() -> bool:
        health = watch_turn()
        return report_store_failure() and health.store_failed

    assert contextvars.Context().run(watched) is True
