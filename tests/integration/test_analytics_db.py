"""The turn-event and vote tables through their SQLAlchemy adapters, on SQLite and PostgreSQL;
what our tracker store hands the event broker."""
from __future__ import annotations

from pathlib import Path

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.analytics.repository import FeedbackEntry, SqlFeedbackRepository, SqlTurnEventRepository
from bot.analytics.turns import Turn
from bot.stores.rasa_stores import RedactingSQLTrackerStore
from bot.wiring import Services

T = 1_790_000_000.0  # 2026-09-21, with a fraction below to check the round trip keeps it


def test_turns_come_back_as_they_were_stored(any_services: Services) -> None:
    repo = SqlTurnEventRepository(any_services.engine)
    assert repo.first_recorded() is None
    answered = Turn("a1b2", T + 0.25, "sms", intent="faq_duration", confidence=0.87,
                    topic="duration", replies=(("duration", 3), ("ask_helpful", 1)))
    escalated = Turn("c3d4", T + 60, "rest", intent="escalate_emergency", confidence=1.0,
                     tier="emergency", flags=("chest_pain", "fainting"),
                     replies=(("esc_cardiac", None),))
    missed = Turn("a1b2", T + 120, "sms", intent="out_of_scope", out_of_scope=True,
                  text="what about my cat")
    voted = Turn("a1b2", T + 180, "sms", intent="feedback", helpful=False,
                 replies=(("feedback_thanks", 1),))
    repo.add([answered, escalated, missed, voted])
    repo.add([])
    assert repo.between(T, T + 181) == [answered, escalated, missed, voted]
    assert repo.between(T + 60, T + 120) == [escalated]  # since included, until not
    assert repo.first_recorded() == T + 0.25


def test_votes_come_back_in_their_window(any_services: Services) -> None:
    repo = SqlFeedbackRepository(any_services.engine)
    early = FeedbackEntry(T, "a1b2", "rest", "duration", 3, True)
    late = FeedbackEntry(T + 3600, "c3d4", "sms", "duration", 4, False)
    repo.add(late)
    repo.add(early)
    assert repo.between(T, T + 3601) == [early, late]
    assert repo.between(T + 1, T + 3600) == []


class Collected:
    """An event broker that keeps what it is handed."""

    def __init__(self) -> None:
        self.events: list[dict] = []

    def publish(self, event: dict) -> None:
        self.events.append(event)


async def test_our_tracker_store_hands_the_broker_each_new_event_once_redacted(
    tmp_path: Path,
) -> None:
    broker = Collected()
    store = RedactingSQLTrackerStore(domain=Domain.empty(), dialect="sqlite",
                                     db=str(tmp_path / "t.db"), event_broker=broker)
    tracker = DialogueStateTracker.from_events("web-1", [
        UserUttered("call me on 07700 900123", {"name": "nlu_fallback"})])
    await store.save(tracker)
    tracker.update(BotUttered("Did you mean one of these?"))
    await store.save(tracker)
    store.engine.dispose()
    assert [(e["event"], e["sender_id"]) for e in broker.events] == [("user", "web-1"),
                                                                   ("bot", "web-1")]
    assert broker.events[0]["text"] == "call me on [phone]"
