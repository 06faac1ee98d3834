"""Where conversations and the records tied to a person are stored: a port and its SQL adapter.

Rasa's ``SQLTrackerStore`` keeps every event of every conversation in one ``events`` table
(``id``, ``sender_id``, ``type_name``, ``timestamp``, ``intent_name``, ``action_name``, ``data``:
the event as JSON). The table is Rasa's, so it is read here with a bare Core ``table()`` and no
metadata of ours; it exists only once Rasa has stored a conversation.
"""
from __future__ import annotations

import abc
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import and_, column, delete, func, inspect, select, table, update
from sqlalchemy.engine import Engine
from sqlalchemy.sql import Select

from bot.analytics.models import FeedbackRecord, TurnEventRecord
from bot.channels.sms_state import SmsContact
from bot.content.models import EscalationRecord
from bot.handoff.models import HandoffCase

MESSAGE_TYPES = ("user", "bot")
PATIENT_TYPES = ("user", "slot")  # the events that may hold what a patient wrote
REWRITE_BATCH = 500
ANALYTICS = (TurnEventRecord, FeedbackRecord)  # keyed like escalation records

EventRewrite = Callable[[dict[str, Any]], dict[str, Any]]

EVENTS = table(
    "events",
    column("id"),
    column("sender_id"),
    column("type_name"),
    column("timestamp"),
    column("data"),
)


@dataclass(frozen=True)
class StoredMessage:
    """One user or bot message of a conversation, as stored."""

    sender: str
    type: str
    text: str | None
    timestamp: float


@dataclass(frozen=True)
class Person:
    """The keys under which one person's rows are stored, table by table.

    ``escalation_keys`` (pseudonyms of Rasa's ids) also key the turn events and the votes.
    """

    sender_ids: frozenset[str]
    escalation_keys: frozenset[str]
    sms_contacts: frozenset[str]


@dataclass(frozen=True)
class Erased:
    """How many rows were deleted, table by table."""

    events: int = 0
    escalation_records: int = 0
    sms_contacts: int = 0
    handoff_cases: int = 0
    turn_events: int = 0
    feedback_votes: int = 0


class ConversationRepository(abc.ABC):
    """Reads and deletes conversation rows."""

    @abc.abstractmethod
    def messages(self, *, since: float | None = None) -> Iterator[StoredMessage]:
        """User and bot messages at or after ``since`` (epoch seconds; None: all).

        One sender after another, in the order their conversations began; each in stored order.
        """

    @abc.abstractmethod
    def conversation(self, sender: str) -> list[StoredMessage]:
        """The user and bot messages of one conversation, in stored order."""

    @abc.abstractmethod
    def rewrite_events(self, rewrite: EventRewrite) -> int:
        """Store ``rewrite(event)`` in place of each user and slot event; how many changed."""

    @abc.abstractmethod
    def erase(self, person: Person) -> Erased:
        """Delete every row stored under ``person``'s keys (hand-off cases: by ``sender_ids``)."""

    @abc.abstractmethod
    def erase_before(self, moment: float) -> Erased:
        """Delete what is older than ``moment`` (epoch seconds).

        That is events, escalation records, hand-off cases (counted from their last update), turn
        events, votes and SMS choices.

        An SMS opt-out is kept: it is what keeps us silent to that number.
        """


class SqlConversationRepository(ConversationRepository):
    """Rasa's ``events`` on the tracker database; our tables on the content store."""

    def __init__(self, tracker: Engine, store: Engine) -> None:
        self._tracker = tracker
        self._store = store

    def messages(self, *, since: float | None = None) -> Iterator[StoredMessage]:
        """See ``ConversationRepository.messages``."""
        if not self._has_events():
            return
        with self._tracker.connect() as connection:
            rows = connection.execution_options(stream_results=True).execute(_messages(since))
            for sender, type_name, timestamp, data in rows:
                yield StoredMessage(sender, type_name, _text(data), float(timestamp or 0.0))

    def conversation(self, sender: str) -> list[StoredMessage]:
        """See ``ConversationRepository.conversation``."""
        if not self._has_events():
            return []
        query = select(EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.data).where(and_(
            EVENTS.c.sender_id == sender, EVENTS.c.type_name.in_(MESSAGE_TYPES))).order_by(
            EVENTS.c.id)
        with self._tracker.connect() as connection:
            return [StoredMessage(sender, type_name, _text(data), float(timestamp or 0.0))
                    for type_name, timestamp, data in connection.execute(query)]

    def rewrite_events(self, rewrite: EventRewrite) -> int:
        """See ``ConversationRepository.rewrite_events`` (in batches of ``REWRITE_BATCH``)."""
        if not self._has_events():
            return 0
        changed, after = 0, -1
        while True:
            with self._tracker.begin() as connection:
                rows = connection.execute(select(EVENTS.c.id, EVENTS.c.data).where(and_(
                    EVENTS.c.type_name.in_(PATIENT_TYPES), EVENTS.c.id > after,
                )).order_by(EVENTS.c.id).limit(REWRITE_BATCH)).all()
                for row_id, data in rows:
                    changed += self._rewrite_row(connection, row_id, data, rewrite)
            if len(rows) < REWRITE_BATCH:
                return changed
            after = rows[-1][0]

    @staticmethod
    def _rewrite_row(connection: Any, row_id: int, data: str | None, rewrite: EventRewrite) -> int:
        try:
            event = json.loads(data or "{}")
        except ValueError:
            return 0
        rewritten = json.dumps(rewrite(event))
        if rewritten == json.dumps(event):
            return 0
        connection.execute(update(EVENTS).where(EVENTS.c.id == row_id).values(data=rewritten))
        return 1

    def erase(self, person: Person) -> Erased:
        """See ``ConversationRepository.erase``."""
        events = self._delete_events(EVENTS.c.sender_id.in_(sorted(person.sender_ids)))
        keys = sorted(person.escalation_keys)
        with self._store.begin() as connection:
            escalations = connection.execute(delete(EscalationRecord.__table__).where(
                EscalationRecord.conversation.in_(keys))).rowcount
            contacts = connection.execute(delete(SmsContact.__table__).where(
                SmsContact.contact.in_(sorted(person.sms_contacts)))).rowcount
            cases = connection.execute(delete(HandoffCase.__table__).where(
                HandoffCase.conversation.in_(sorted(person.sender_ids)))).rowcount
            turns, votes = (connection.execute(delete(model.__table__).where(
                model.conversation.in_(keys))).rowcount for model in ANALYTICS)
        return Erased(events=events, escalation_records=escalations, sms_contacts=contacts,
                      handoff_cases=cases, turn_events=turns, feedback_votes=votes)

    def erase_before(self, moment: float) -> Erased:
        """See ``ConversationRepository.erase_before``."""
        events = self._delete_events(EVENTS.c.timestamp < moment)
        occurred = datetime.fromtimestamp(moment, timezone.utc)
        with self._store.begin() as connection:
            escalations = connection.execute(delete(EscalationRecord.__table__).where(
                EscalationRecord.occurred_at < occurred)).rowcount
            contacts = connection.execute(delete(SmsContact.__table__).where(
                and_(SmsContact.updated_at < moment, SmsContact.opted_out.is_(False)))).rowcount
            cases = connection.execute(delete(HandoffCase.__table__).where(
                HandoffCase.updated_at < occurred)).rowcount
            turns, votes = (connection.execute(delete(model.__table__).where(
                model.occurred_at < occurred)).rowcount for model in ANALYTICS)
        return Erased(events=events, escalation_records=escalations, sms_contacts=contacts,
                      handoff_cases=cases, turn_events=turns, feedback_votes=votes)

    def _has_events(self) -> bool:
        return bool(inspect(self._tracker).has_table("events"))

    def _delete_events(self, condition: object) -> int:
        if not self._has_events():
            return 0
        with self._tracker.begin() as connection:
            return int(connection.execute(delete(EVENTS).where(condition)).rowcount)


def _messages(since: float | None) -> Select:
    """User and bot events, grouped by sender in the order conversations began (Rasa's ids)."""
    wanted = EVENTS.c.type_name.in_(MESSAGE_TYPES)
    if since is not None:
        wanted = and_(wanted, EVENTS.c.timestamp >= since)
    began = func.min(EVENTS.c.id).over(partition_by=EVENTS.c.sender_id).label("began")
    rows = select(EVENTS.c.id, EVENTS.c.sender_id, EVENTS.c.type_name, EVENTS.c.timestamp,
                  EVENTS.c.data, began).where(wanted).subquery()
    return select(rows.c.sender_id, rows.c.type_name, rows.c.timestamp, rows.c.data).order_by(
        rows.c.began, rows.c.id)


def _text(data: str | None) -> str | None:
    """The message's text from Rasa's JSON of the event (None for a message without text)."""
    try:
        event = json.loads(data or "{}")
    except ValueError:
        return None
    text = event.get("text") if isinstance(event, dict) else None
    return text if isinstance(text, str) else None
