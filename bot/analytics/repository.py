"""Where turn events and votes are stored: ports and their SQLAlchemy adapters.

The dataclasses' fields are the tables' columns (``bot.analytics.models``); times are epoch
seconds here and timezone-aware datetimes in the tables. Calls block: the event broker runs them
in a worker thread, the action server in its own process.
"""
from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import and_, func, insert, select
from sqlalchemy.engine import Engine

from bot.analytics.models import FeedbackRecord, TurnEventRecord
from bot.analytics.turns import Turn


@dataclass(frozen=True)
class FeedbackEntry:
    """One stored vote (``conversation``: the pseudonym)."""

    occurred_at: float
    conversation: str
    channel: str
    answer: str
    version: int
    helpful: bool


class FeedbackRepository(abc.ABC):
    """Stores and reads votes."""

    @abc.abstractmethod
    def add(self, entry: FeedbackEntry) -> None:
        """Store one vote."""

    @abc.abstractmethod
    def between(self, since: float, until: float) -> list[FeedbackEntry]:
        """Votes with ``since <= occurred_at < until`` (epoch seconds), oldest first."""


class TurnEventRepository(abc.ABC):
    """Stores and reads turns (``Turn.conversation``: the pseudonym)."""

    @abc.abstractmethod
    def add(self, turns: Sequence[Turn]) -> None:
        """Store ``turns`` together."""

    @abc.abstractmethod
    def between(self, since: float, until: float) -> list[Turn]:
        """Turns with ``since <= occurred_at < until`` (epoch seconds), oldest first."""

    @abc.abstractmethod
    def first_recorded(self) -> float | None:
        """When the oldest stored turn happened (None: none stored)."""


class SqlFeedbackRepository(FeedbackRepository):
    """Votes in ``feedback_votes``."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, entry: FeedbackEntry) -> None:
        """See ``FeedbackRepository.add``."""
        with self._engine.begin() as connection:
            connection.execute(insert(FeedbackRecord.__table__).values(_row(asdict(entry))))

    def between(self, since: float, until: float) -> list[FeedbackEntry]:
        """See ``FeedbackRepository.between``."""
        rows = _between(self._engine, FeedbackRecord, since, until)
        return [FeedbackEntry(**_fields(row)) for row in rows]


class SqlTurnEventRepository(TurnEventRepository):
    """Turns in ``turn_events``."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, turns: Sequence[Turn]) -> None:
        """See ``TurnEventRepository.add``."""
        if turns:
            with self._engine.begin() as connection:
                connection.execute(insert(TurnEventRecord.__table__),
                                   [_row(asdict(turn)) for turn in turns])

    def between(self, since: float, until: float) -> list[Turn]:
        """See ``TurnEventRepository.between``."""
        rows = _between(self._engine, TurnEventRecord, since, until)
        return [_turn(_fields(row)) for row in rows]

    def first_recorded(self) -> float | None:
        """See ``TurnEventRepository.first_recorded``."""
        with self._engine.connect() as connection:
            first = connection.execute(select(func.min(TurnEventRecord.occurred_at))).scalar()
        return _epoch(first) if first is not None else None


def _between(engine: Engine, model: Any, since: float, until: float) -> list[dict[str, Any]]:
    """Every column but ``id`` of ``model``'s rows in the window, oldest first."""
    table = model.__table__
    columns = [column for column in table.c if column.name != "id"]
    query = select(*columns).where(and_(
        table.c.occurred_at >= _moment(since), table.c.occurred_at < _moment(until),
    )).order_by(table.c.occurred_at, table.c.id)
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


def _row(fields: dict[str, Any]) -> dict[str, Any]:
    return {**fields, "occurred_at": _moment(fields["occurred_at"])}


def _fields(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "occurred_at": _epoch(row["occurred_at"])}


def _turn(fields: dict[str, Any]) -> Turn:
    """JSON gives lists back: the dataclass holds tuples."""
    replies = tuple((str(cid), version) for cid, version in fields["replies"] or [])
    return Turn(**{**fields, "flags": tuple(fields["flags"] or ()), "replies": replies})


def _moment(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc)


def _epoch(moment: datetime) -> float:
    """SQLite gives naive datetimes back: they were stored in UTC."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return aware.timestamp()
