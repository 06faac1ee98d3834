"""Where hand-off cases live: a port, its SQLAlchemy adapter, and the unit of work over them.

Services take a ``HandoffUnitOfWork``; ``bot.wiring`` builds the SQLAlchemy one, unit tests the
fake in ``tests/unit/fakes.py``. Forgetting and purging a person's cases is done with their
conversation (``bot.conversations.repository``).
"""
from __future__ import annotations

import abc

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.content.transaction import SessionTransaction, Transaction
from bot.handoff.models import OPEN, HandoffCase


class HandoffRepository(abc.ABC):
    """Hand-off cases, by id and by conversation."""

    @abc.abstractmethod
    def add(self, case: HandoffCase) -> None:
        """Store a new case."""

    @abc.abstractmethod
    def get(self, case_id: int) -> HandoffCase | None:
        """The case with this id, or None."""

    @abc.abstractmethod
    def open_for(self, conversation: str) -> HandoffCase | None:
        """The conversation's open case, or None."""

    @abc.abstractmethod
    def list_open(self) -> list[HandoffCase]:
        """Every open case, the most recently updated first."""


class SqlHandoffRepository(HandoffRepository):
    """The repository on a SQLAlchemy session (SQLite or PostgreSQL)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, case: HandoffCase) -> None:
        """Add the case to the session."""
        self.session.add(case)

    def get(self, case_id: int) -> HandoffCase | None:
        """Load one case."""
        return self.session.get(HandoffCase, case_id)

    def open_for(self, conversation: str) -> HandoffCase | None:
        """The newest open case of ``conversation``."""
        query = select(HandoffCase).where(
            HandoffCase.conversation == conversation, HandoffCase.status == OPEN
        )
        return self.session.execute(query.order_by(HandoffCase.id.desc())).scalars().first()

    def list_open(self) -> list[HandoffCase]:
        """Open cases, newest activity first."""
        query = select(HandoffCase).where(HandoffCase.status == OPEN)
        order = (HandoffCase.updated_at.desc(), HandoffCase.id.desc())
        return list(self.session.execute(query.order_by(*order)).scalars())


class HandoffUnitOfWork(Transaction):
    """One transaction over the hand-off cases: ``with uow: ...; uow.commit()``."""

    cases: HandoffRepository


class SqlHandoffUnitOfWork(SessionTransaction, HandoffUnitOfWork):
    """A unit of work on a fresh session from ``session_factory``."""

    def _bind(self, session: Session) -> None:
        self.cases = SqlHandoffRepository(session)
