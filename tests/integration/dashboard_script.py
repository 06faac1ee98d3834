"""A scripted month of conversations for the dashboard's tests, and every figure it must show.

Conversations are written by Rasa's own ``SQLTrackerStore`` (Rasa's columns and JSON), escalation
records as ``ReplyService`` writes them, review-by dates on the published revisions. Days count
back from today (UTC): ``RANGE`` is the ten days before today; one conversation is older than
30 days and one is today, both outside it.
"""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import insert, update

from bot.content.models import EscalationRecord, Revision
from bot.reporting.backfill import backfill_turns
from bot.stores.rasa_stores import tracker_store_kwargs
from bot.wiring import Services

TODAY = datetime.now(timezone.utc).date()


def day(back: int) -> date:
    """The day ``back`` days before today."""
    return TODAY - timedelta(days=back)


RANGE = {"from": day(10).isoformat(), "to": day(1).isoformat()}
NO_FLAG = "(no flag recorded)"


@dataclass(frozen=True)
class Turn:
    """A patient's message ``back`` days ago at ``minute`` past 10:00 UTC, and the reply's id."""

    back: int
    minute: int
    text: str
    intent: str
    answer: str | None = None
    channel_answered: str | None = None

    @property
    def moment(self) -> datetime:
        """When it was written."""
        start = datetime.combine(day(self.back), time(10), timezone.utc)
        return min(start + timedelta(minutes=self.minute), datetime.now(timezone.utc))


CONVERSATIONS: dict[tuple[str, str], list[Turn]] = {
    ("web-a", "rest"): [
        Turn(5, 0, "How long does TOH last?", "faq_duration", "duration"),
        Turn(5, 1, "can I drive", "faq_driving", "driving"),
        Turn(5, 2, "can I do pilates", "out_of_scope", "out_of_scope"),
        Turn(5, 3, "I have crushing chest pain", "escalate_emergency", "esc_cardiac"),
    ],
    ("web-b", "rest"): [
        Turn(3, 0, "is pilates ok for me", "nlu_fallback", "suggest_topics"),
        Turn(3, 1, "Pilattes with TOH", "nlu_fallback"),
        Turn(3, 2, "can I do pilates?", "out_of_scope", "out_of_scope"),
        Turn(3, 3, "how long will it last", "faq_duration", "duration"),
    ],
    ("5f2a9c0d1e3b4a67", "sms"): [  # SMS conversations are stored under the phone's pseudonym
        Turn(3, 5, "duration?", "faq_duration", "duration"),
        Turn(1, 0, "What about my cat?", "out_of_scope"),
        Turn(1, 1, "what about my cat", "out_of_scope"),
        Turn(1, 2, "call me on 07700 900123 about yoga", "nlu_fallback"),
        Turn(1, 3, "I fell and have a fever", "escalate_urgent", "esc_fall"),
    ],
    ("web-c", "rest"): [Turn(1, 9, "x" * 300, "out_of_scope", "too_long", "too_long")],
    ("web-old", "rest"): [Turn(40, 0, "How long does it last?", "faq_duration", "duration")],
    ("web-today", "rest"): [Turn(0, 0, "can I drive", "faq_driving", "driving")],
}
ESCALATIONS = [(5, "emergency", ["chest_pain"]), (3, "urgent", []),
               (1, "urgent", ["fall", "fever"]), (40, "crisis", ["self_harm"])]
REVIEW_DATES = {"cost": day(5), "driving": day(1), "pregnancy": TODAY}

# Every figure of RANGE.
MESSAGES_PER_DAY = {day(5): {"rest": 4}, day(3): {"rest": 4, "sms": 1},
                    day(1): {"rest": 1, "sms": 4}}
EXPECTED: dict[str, Any] = {
    "messages": 14,
    "conversations": 4,
    "by_channel": {"rest": 9, "sms": 5},
    "topics": {"duration": 3, "driving": 1},
    "fallback": 3,
    "out_of_scope": 4,
    "question_groups": [
        ("can I do pilates", 4, [("can I do pilates", 2), ("Pilattes with TOH", 1),
                                 ("is pilates ok for me", 1)]),
        ("What about my cat?", 2, [("What about my cat?", 2)]),
        ("call me on [phone] about yoga", 1, [("call me on [phone] about yoga", 1)]),
    ],
    "helpfulness": [("driving", "all", 0, 0), ("duration", "all", 0, 0)],
    "escalations": {"crisis": 0, "emergency": 1, "urgent": 2},
    "escalation_flags": {NO_FLAG: 1, "chest_pain": 1, "fall": 1, "fever": 1},
    "overdue_reviews": ["cost", "driving"],
}


def messages_per_day(first: date, last: date) -> list[tuple[date, dict[str, int]]]:
    """The expected messages per day and channel, every day from ``first`` to ``last``."""
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return [(d, MESSAGES_PER_DAY.get(d, {})) for d in days]


def write_script(services: Services, database_url: str) -> None:
    """Store the conversations, escalation records and review-by dates."""
    store = SQLTrackerStore(domain=Domain.empty(), **tracker_store_kwargs(database_url))
    with ThreadPoolExecutor(1) as thread:  # a loop of its own: Playwright may hold this thread's
        for (sender, channel), turns in CONVERSATIONS.items():
            events = [event for turn in turns for event in _events(turn, channel)]
            tracker = DialogueStateTracker.from_events(sender, events)
            thread.submit(asyncio.run, store.save(tracker)).result()
    store.engine.dispose()
    # What the server's event broker records per turn, rebuilt from the stored conversations.
    backfill_turns(source=services.report_source(), repo=services.turn_events(),
                   salt=services.settings.hash_salt)
    with services.engine.begin() as connection:
        for back, tier, flags in ESCALATIONS:
            connection.execute(insert(EscalationRecord.__table__).values(
                occurred_at=datetime.combine(day(back), time(10, 30), timezone.utc),
                flag_ids=flags, tier=tier, channel="rest", conversation="p",
                escalation_id=f"esc_{tier}", escalation_version=1))
        _review_dates(connection)


def _events(turn: Turn, channel: str) -> list[Event]:
    metadata = {"channel_answered": turn.channel_answered} if turn.channel_answered else None
    said = UserUttered(turn.text, {"name": turn.intent, "confidence": 0.9}, [], None,
                       turn.moment.timestamp(), input_channel=channel, metadata=metadata)
    if turn.answer is None:
        return [said]
    reply = BotUttered("a reviewed answer", {}, {"content_id": turn.answer, "content_version": 1},
                       turn.moment.timestamp())
    return [said, reply]


def _review_dates(connection: Any) -> None:
    """Every published item due far ahead, except those of ``REVIEW_DATES``."""
    revisions = Revision.__table__
    published = revisions.c.status == "published"
    connection.execute(update(revisions).where(published).values(review_by=date(2999, 1, 1)))
    for item_id, due in REVIEW_DATES.items():
        connection.execute(update(revisions).where(published, revisions.c.item_id == item_id)
                           .values(review_by=due))
