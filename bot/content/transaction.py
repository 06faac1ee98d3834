"""The shape every unit of work shares: the content store's and the editor accounts'.

``Transaction`` is the port (``with uow: ...; uow.commit()``; leaving the block without a
commit rolls back). ``SessionTransaction`` runs one on a fresh SQLAlchemy session per ``with``
block and lets a subclass bind its repositories to that session; ``CountingTransaction`` is the
in-memory version for fakes. Nothing here connects at import.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

T = TypeVar("T", bound="Transaction")
S = TypeVar("S", bound="SessionTransaction")


class Transaction(abc.ABC):
    """One transaction: ``with uow: ...; uow.commit()``."""

    def __enter__(self: T) -> T:
        return self

    def __exit__(self, *args: Any) -> None:
        self.rollback()

    @abc.abstractmethod
    def commit(self) -> None:
        """Make the changes durable."""

    @abc.abstractmethod
    def rollback(self) -> None:
        """Drop changes not committed."""


class SessionTransaction(Transaction):
    """A transaction on a fresh session from ``session_factory`` for each ``with`` block."""

    session: Session

    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self.session_factory = session_factory

    def __enter__(self: S) -> S:
        self.session = self.session_factory()
        self._bind(self.session)
        return self

    def __exit__(self, *args: Any) -> None:
        super().__exit__(*args)
        self.session.close()

    @abc.abstractmethod
    def _bind(self, session: Session) -> None:
        """Give the repositories of this unit of work the block's session."""

    def commit(self) -> None:
        """Commit the session."""
        self.session.commit()

    def rollback(self) -> None:
        """Roll the session back."""
        self.session.rollback()


class CountingTransaction(Transaction):
    """An in-memory transaction for fakes: counts commits, has nothing to roll back."""

    committed: int = 0

    def commit(self) -> None:
        """Count the commit."""
        self.committed += 1

    def rollback(self) -> None:
        """Nothing to undo in memory."""
