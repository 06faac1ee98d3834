"""The content store behind a small interface: a port, its SQLAlchemy adapter, and a fake.

Services take a ``UnitOfWork``; production wires ``SqlAlchemyUnitOfWork``, unit tests
``FakeUnitOfWork``. Nothing here connects at import: engines are made by ``bot.wiring``.
"""
from __future__ import annotations

import abc

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from bot.content.errors import StaleRevision
from bot.content.models import ContentItem, EscalationRecord
from bot.content.transaction import CountingTransaction, SessionTransaction, Transaction


class ContentRepository(abc.ABC):
    """Where content items live."""

    @abc.abstractmethod
    def get(self, item_id: str) -> ContentItem | None:
        """The item with this id, with its revisions, or None."""

    @abc.abstractmethod
    def list_items(self, kind: str | None = None) -> list[ContentItem]:
        """All items (of one kind, if given), ordered by id."""

    @abc.abstractmethod
    def add(self, item: ContentItem) -> None:
        """Store a new item."""

    @abc.abstractmethod
    def record_escalation(self, record: EscalationRecord) -> None:
        """Store one escalation shown to a patient."""

    @abc.abstractmethod
    def escalations(self) -> list[EscalationRecord]:
        """Every stored escalation, oldest first."""


class SqlAlchemyContentRepository(ContentRepository):
    """The repository on a SQLAlchemy session (SQLite or PostgreSQL)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, item_id: str) -> ContentItem | None:
        """Load one item and its revisions in two queries."""
        query = (
            select(ContentItem)
            .where(ContentItem.id == item_id)
            .options(selectinload(ContentItem.revisions))
        )
        return self.session.execute(query).scalars().first()

    def list_items(self, kind: str | None = None) -> list[ContentItem]:
        """Load items with their revisions, ordered by id."""
        query = select(ContentItem).options(selectinload(ContentItem.revisions))
        if kind is not None:
            query = query.where(ContentItem.kind == kind)
        return list(self.session.execute(query.order_by(ContentItem.id)).scalars())

    def add(self, item: ContentItem) -> None:
        """Add an item to the session."""
        self.session.add(item)

    def record_escalation(self, record: EscalationRecord) -> None:
        """Add an escalation record to the session."""
        self.session.add(record)

    def escalations(self) -> list[EscalationRecord]:
        """All escalation records, oldest first."""
        query = select(EscalationRecord).order_by(EscalationRecord.id)
        return list(self.session.execute(query).scalars())


class FakeContentRepository(ContentRepository):
    """An in-memory repository for unit tests."""

    def __init__(self, items: list[ContentItem] | None = None) -> None:
        self._items = {item.id: item for item in items or []}
        self._escalations: list[EscalationRecord] = []

    def get(self, item_id: str) -> ContentItem | None:
        """Look the item up in memory."""
        return self._items.get(item_id)

    def list_items(self, kind: str | None = None) -> list[ContentItem]:
        """Items in memory, filtered and sorted."""
        items = sorted(self._items.values(), key=lambda item: item.id)
        return [item for item in items if kind is None or item.kind == kind]

    def add(self, item: ContentItem) -> None:
        """Keep the item in memory."""
        self._items[item.id] = item

    def record_escalation(self, record: EscalationRecord) -> None:
        """Keep the record in memory."""
        self._escalations.append(record)

    def escalations(self) -> list[EscalationRecord]:
        """Records in memory."""
        return list(self._escalations)


class UnitOfWork(Transaction):
    """One transaction over the content store: ``with uow: ...; uow.commit()``."""

    items: ContentRepository


class SqlAlchemyUnitOfWork(SessionTransaction, UnitOfWork):
    """A unit of work on a fresh session from ``session_factory``."""

    def _bind(self, session: Session) -> None:
        self.items = SqlAlchemyContentRepository(session)

    def commit(self) -> None:
        """Commit; a concurrent change to the same item becomes ``StaleRevision``."""
        try:
            super().commit()
        except StaleDataError as error:
            self.session.rollback()
            raise StaleRevision("someone else changed this item at the same time") from error


class FakeUnitOfWork(CountingTransaction, UnitOfWork):
    """A unit of work over a ``FakeContentRepository``; counts commits."""

    def __init__(self, items: list[ContentItem] | None = None) -> None:
        self.items = FakeContentRepository(items)
