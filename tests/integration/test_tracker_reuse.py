"""The tracker store reuses the tracker it saved only while the database holds nothing newer."""
from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.config import get_settings
from bot.stores.rasa_stores import EnvSQLTrackerStore


@pytest.fixture(params=["sqlite_url", "postgres_url"])
def stores(request: pytest.FixtureRequest,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[EnvSQLTrackerStore, ...]]:
    """Two replicas' tracker stores on one database."""
    monkeypatch.setenv("DATABASE_URL", request.getfixturevalue(request.param))
    get_settings.cache_clear()
    try:
        yield EnvSQLTrackerStore(domain=Domain.empty()), EnvSQLTrackerStore(domain=Domain.empty())
    finally:
        get_settings.cache_clear()


def turn(tracker: DialogueStateTracker, text: str) -> DialogueStateTracker:
    tracker.update(UserUttered(text, {"name": "faq_duration", "confidence": 0.9}))
    tracker.update(ActionExecuted("action_answer_faq"))
    tracker.update(BotUttered(f"answer to {text}"))
    tracker.update(ActionExecuted("action_listen"))
    return tracker


def saved_conversation(store: EnvSQLTrackerStore) -> DialogueStateTracker:
    tracker = DialogueStateTracker(f"web-{uuid.uuid4().hex}", [])
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    asyncio.run(store.save(turn(tracker, "how long does it last")))
    return tracker


def rebuilt_from_database(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every rebuild of a tracker from the database (Rasa's ``_retrieve``)."""
    calls: list[str] = []
    original = SQLTrackerStore._retrieve

    async def counting(self, sender_id, fetch_events_from_all_sessions):  # type: ignore[no-untyped-def]
        calls.append(sender_id)
        return await original(self, sender_id, fetch_events_from_all_sessions)

    monkeypatch.setattr(SQLTrackerStore, "_retrieve", counting)
    return calls


def texts(tracker: DialogueStateTracker | None) -> list[str | None]:
    return [e.text for e in tracker.events if isinstance(e, UserUttered)] if tracker else []


def test_the_saved_tracker_is_reused_without_reading_the_events(stores, monkeypatch) -> None:
    store, _ = stores
    tracker = saved_conversation(store)
    rebuilt = rebuilt_from_database(monkeypatch)
    assert asyncio.run(store.retrieve(tracker.sender_id)) is tracker
    asyncio.run(store.save(turn(tracker, "can I drive")))
    assert asyncio.run(store.retrieve(tracker.sender_id)) is tracker
    assert rebuilt == []


def test_another_replicas_turn_makes_it_read_the_database(stores, monkeypatch) -> None:
    store, other = stores
    tracker = saved_conversation(store)
    theirs = asyncio.run(other.retrieve(tracker.sender_id))
    asyncio.run(other.save(turn(theirs, "is it permanent")))
    rebuilt = rebuilt_from_database(monkeypatch)
    ours = asyncio.run(store.retrieve(tracker.sender_id))
    assert ours is not tracker and rebuilt == [tracker.sender_id]
    assert texts(ours) == ["how long does it last", "is it permanent"]


def test_a_turn_that_failed_before_saving_is_not_reused(stores) -> None:
    store, _ = stores
    tracker = saved_conversation(store)
    tracker.update(UserUttered("never saved", {"name": "faq_cost"}))
    fresh = asyncio.run(store.retrieve(tracker.sender_id))
    assert fresh is not tracker and texts(fresh) == ["how long does it last"]


def test_a_forgotten_conversation_is_gone(stores) -> None:
    store, _ = stores
    tracker = saved_conversation(store)
    with store.session_scope() as session:
        session.execute(sa.delete(store.SQLEvent).where(
            store.SQLEvent.sender_id == tracker.sender_id))
        session.commit()
    assert asyncio.run(store.retrieve(tracker.sender_id)) is None


class _Broker:
    """An event broker that keeps what it is given."""

    def __init__(self) -> None:
        self.published: list[dict] = []

    def publish(self, event: dict) -> None:
        self.published.append(event)

    def is_ready(self) -> bool:
        return True


def test_a_save_counts_the_stored_events_once_and_streams_and_stores_the_same(
    stores, monkeypatch
) -> None:
    store, other = stores
    store.event_broker = _Broker()
    tracker = saved_conversation(store)
    counts: list[str] = []
    sa.event.listen(store.engine, "before_cursor_execute",
                    lambda *args: counts.append(args[2]) if "count(" in args[2].lower() else None)
    asyncio.run(store.save(turn(tracker, "can I drive")))
    assert len(counts) == 2  # Rasa's count of this session's events, ours of all of them
    streamed = [e["text"] for e in store.event_broker.published if e["event"] == "user"]
    assert streamed == ["how long does it last", "can I drive"]
    assert texts(asyncio.run(other.retrieve(tracker.sender_id))) == texts(tracker)
