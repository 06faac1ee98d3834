"""The event broker: whole turns recorded off the event loop; a failing store never shows."""
from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import pytest

from bot.analytics.broker import TurnEventBroker
from bot.analytics.turns import Turn
from bot.privacy import pseudonym
from tests.unit.fakes import FakeTurnEventRepository
from tests.unit.test_turns import bot, user

SALT = "broker-salt"
PHONE_ID = "+15551234567"


def broker_on(repo: FakeTurnEventRepository, **options: int) -> TurnEventBroker:
    return TurnEventBroker(lambda: (repo, SALT), **options)


def publish_save(broker: TurnEventBroker, sender: str, *events: dict) -> None:
    """As Rasa's tracker store does after a turn: each new event, one after another."""
    for event in events:
        broker.publish({"sender_id": sender, **event})


async def test_a_saved_turn_is_recorded_whole_under_the_pseudonym() -> None:
    repo = FakeTurnEventRepository()
    broker = broker_on(repo)
    publish_save(broker, PHONE_ID, {"event": "action", "name": "action_listen"},
                 user("how long", "faq_duration", channel="sms"), bot("duration", 2),
                 bot("ask_helpful"), {"event": "action", "name": "action_listen"})
    publish_save(broker, "web-1", user("what about my cat", "out_of_scope"), bot("out_of_scope"))
    await broker.close()
    faq, cat = repo.turns
    assert faq.conversation == pseudonym(PHONE_ID, SALT)
    assert (faq.topic, faq.replies, faq.text) == ("duration", (("duration", 2), ("ask_helpful", 1)),
                                                  None)
    assert (cat.conversation, cat.out_of_scope) == (pseudonym("web-1", SALT), True)


async def test_events_of_one_save_are_grouped_before_the_loop_runs_anything_else() -> None:
    repo = FakeTurnEventRepository()
    broker = broker_on(repo)
    publish_save(broker, "web-1", user("hi", "greet"))
    assert repo.turns == []  # nothing handed on while Rasa is still publishing this save
    publish_save(broker, "web-1", bot("greeting"))
    await asyncio.sleep(0.05)  # the loop runs the callback; the worker writes
    await broker.close()
    [turn] = repo.turns
    assert turn.replies == (("greeting", 1),)


async def test_a_store_that_fails_is_logged_by_class_and_the_turn_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    broker = broker_on(FakeTurnEventRepository(failure=ConnectionError("db at 10.0.0.5 down")))
    publish_save(broker, PHONE_ID, user("call me on 07700 900123", "nlu_fallback"))
    await broker.close()
    assert "turn events not recorded (ConnectionError)" in caplog.text
    for secret in ("07700", PHONE_ID, "10.0.0.5"):
        assert secret not in caplog.text


class BlockedRepository(FakeTurnEventRepository):
    """Writes wait until ``opened`` is set (a database that hangs)."""

    def __init__(self) -> None:
        super().__init__()
        self.opened = threading.Event()

    def add(self, turns: Sequence[Turn]) -> None:
        self.opened.wait(timeout=5)
        super().add(turns)


async def test_a_writer_that_is_behind_drops_batches_instead_of_growing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    repo = BlockedRepository()
    broker = broker_on(repo, max_pending=1)
    for number in range(3):
        publish_save(broker, f"web-{number}", user("hi", "greet"))
        await asyncio.sleep(0)  # each save in its own turn of the loop
    repo.opened.set()
    await broker.close()
    assert len(repo.turns) == 1
    assert caplog.text.count("the writer is behind, a batch was dropped") == 2


async def test_from_endpoint_config_connects_nothing() -> None:
    broker = await TurnEventBroker.from_endpoint_config(None)  # type: ignore[arg-type]
    assert broker._store is None
    await broker.close()


def test_outside_an_event_loop_each_event_is_handed_on_at_once() -> None:
    repo = FakeTurnEventRepository()
    broker = broker_on(repo)
    publish_save(broker, "web-1", user("hi", "greet"))
    asyncio.run(broker.close())
    assert [t.intent for t in repo.turns] == ["greet"]
