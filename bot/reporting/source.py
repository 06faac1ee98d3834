"""Where the report's figures come from: a port and its SQL adapter.

The turns the event broker recorded (``bot.analytics``), the "Was this helpful?" votes, our
escalation records and the published catalog. Rasa's ``events`` table (read with a bare Core
``table()``, as ``bot.conversations.repository`` does: the table is Rasa's) is read only to
record, once, the turns of conversations held before the broker ran (``bot.analytics.backfill``).
"""
from __future__ import annotations

import abc
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import and_, inspect, select
from sqlalchemy.engine import Engine

from bot.analytics.repository import FeedbackEntry, SqlFeedbackRepository, SqlTurnEventRepository
from bot.analytics.turns import Turn
from bot.content import services
from bot.content.models import EscalationRecord
from bot.content.repository import UnitOfWork
from bot.conversations.repository import EVENTS, MESSAGE_TYPES


@dataclass(frozen=True)
class StoredEvent:
    """One user or bot event: who, which kind, when, and Rasa's JSON of it."""

    sender: str
    type: str
    timestamp: float
    data: dict[str, Any]


@dataclass(frozen=True)
class PublishedItem:
    """A published item's id, kind and review-by date (ISO, or None)."""

    id: str
    kind: str
    review_by: str | None


class ReportSource(abc.ABC):
    """What the report reads."""

    @abc.abstractmethod
    def events(self, *, since: float, until: float) -> Iterator[StoredEvent]:
        """User and bot events with ``since <= timestamp < until`` (epoch seconds)."""

    @abc.abstractmethod
    def turns(self, *, since: float, until: float) -> list[Turn]:
        """Recorded turns with ``since <= occurred_at < until`` (epoch seconds)."""

    @abc.abstractmethod
    def votes(self, *, since: float, until: float) -> list[FeedbackEntry]:
        """"Was this helpful?" votes given in the window."""

    @abc.abstractmethod
    def escalation_tiers(self, *, since: float, until: float) -> list[str]:
        """The tier of each escalation recorded in the window."""

    @abc.abstractmethod
    def escalation_flags(self, *, since: float, until: float) -> list[list[str]]:
        """The red-flag ids of each escalation recorded in the window (empty if none named)."""

    @abc.abstractmethod
    def published(self) -> list[PublishedItem]:
        """Every published item."""


class SqlReportSource(ReportSource):
    """Rasa's ``events`` on the tracker database; our tables on the content store."""

    def __init__(self, tracker: Engine, store: Engine, uow: Callable[[], UnitOfWork]) -> None:
        self._tracker = tracker
        self._store = store
        self._uow = uow

    def events(self, *, since: float, until: float) -> Iterator[StoredEvent]:
        """See ``ReportSource.events``."""
        if not inspect(self._tracker).has_table("events"):
            return
        query = select(EVENTS.c.sender_id, EVENTS.c.type_name, EVENTS.c.timestamp,
                       EVENTS.c.data).where(and_(
                           EVENTS.c.type_name.in_(MESSAGE_TYPES),
                           EVENTS.c.timestamp >= since,
                           EVENTS.c.timestamp < until,
                       )).order_by(EVENTS.c.id)
        with self._tracker.connect() as connection:
            for sender, type_name, timestamp, data in connection.execute(query):
                yield StoredEvent(sender, type_name, float(timestamp or 0.0), _json(data))

    def turns(self, *, since: float, until: float) -> list[Turn]:
        """See ``ReportSource.turns``."""
        return SqlTurnEventRepository(self._store).between(since, until)

    def votes(self, *, since: float, until: float) -> list[FeedbackEntry]:
        """See ``ReportSource.votes``."""
        return SqlFeedbackRepository(self._store).between(since, until)

    def escalation_tiers(self, *, since: float, until: float) -> list[str]:
        """See ``ReportSource.escalation_tiers``."""
        return [str(tier) for tier in self._escalation_column(EscalationRecord.tier, since, until)]

    def escalation_flags(self, *, since: float, until: float) -> list[list[str]]:
        """See ``ReportSource.escalation_flags``."""
        flags = self._escalation_column(EscalationRecord.flag_ids, since, until)
        return [[str(flag) for flag in ids or []] for ids in flags]

    def _escalation_column(self, column: Any, since: float, until: float) -> list[Any]:
        occurred = EscalationRecord.occurred_at
        query = select(column).where(and_(occurred >= _moment(since), occurred < _moment(until)))
        with self._store.connect() as connection:
            return [value for (value,) in connection.execute(query)]

    def published(self) -> list[PublishedItem]:
        """See ``ReportSource.published``."""
        return [PublishedItem(a.id, a.kind, a.review_by)
                for a in services.published_catalog(uow=self._uow())]


def _moment(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc)


def _json(data: str | None) -> dict[str, Any]:
    """Rasa's JSON of an event (an empty dict if unreadable)."""
    try:
        event = json.loads(data or "{}")
    except ValueError:
        return {}
    return event if isinstance(event, dict) else {}
