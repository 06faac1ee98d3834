"""Rasa tracker and lock stores chosen by the environment.

``endpoints.yml`` names these classes; they read ``DATABASE_URL`` (tracker on SQLite by default,
PostgreSQL for a clinic network) and ``REDIS_URL`` (Redis lock store so several replicas never
handle one conversation's turns at once; in-memory when unset).
"""
from __future__ import annotations

from typing import Any

from rasa.core.lock import TicketLock
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy.engine import make_url

from bot.config import get_settings


def tracker_store_kwargs(database_url: str) -> dict[str, Any]:
    """``SQLTrackerStore`` arguments for a SQLAlchemy URL."""
    url = make_url(database_url)
    return {
        "dialect": url.drivername,
        "host": url.host,
        "port": url.port,
        "db": url.database,
        "username": url.username,
        "password": url.password,
    }


class EnvSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store on ``TRACKER_DATABASE_URL`` or ``DATABASE_URL``."""

    def __init__(self, domain: Any = None, host: Any = None, event_broker: Any = None, **_: Any):
        settings = get_settings()
        super().__init__(
            domain=domain,
            event_broker=event_broker,
            **tracker_store_kwargs(settings.tracker_database_url),
        )


def lock_store_for(redis_url: str | None) -> LockStore:
    """A Redis lock store when ``redis_url`` is set, else an in-memory one."""
    if not redis_url:
        return InMemoryLockStore()
    url = make_url(redis_url)
    return RedisLockStore(
        host=url.host or "localhost",
        port=url.port or 6379,
        db=int(url.database or 0),
        password=url.password,
        use_ssl=url.drivername == "rediss",
        key_prefix="toh",
    )


class EnvLockStore(LockStore):
    """Delegates to the lock store ``REDIS_URL`` asks for."""

    def __init__(self, endpoint_config: Any = None) -> None:
        self.inner = lock_store_for(get_settings().redis_url)

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        """Delegate."""
        return self.inner.get_lock(conversation_id)

    def delete_lock(self, conversation_id: str) -> None:
        """Delegate."""
        self.inner.delete_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        """Delegate."""
        self.inner.save_lock(lock)
