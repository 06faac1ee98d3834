"""Rasa tracker and lock stores chosen by the environment.

``endpoints.yml`` names these classes; they read ``DATABASE_URL`` (tracker on SQLite by default,
PostgreSQL for a clinic network) and ``REDIS_URL`` (a Redis ticket lock so several replicas never
handle one conversation's turns at once; in-memory when unset).

The tracker store differs from Rasa's ``SQLTrackerStore`` in five ways: what a patient wrote is
stored redacted (``bot.redact``: phone numbers, e-mails, dates, addresses, names; the NLU has
already seen the raw text in memory); the URL's query
parameters (``?sslmode=require``) reach the driver; an unreachable database at start stops the
server with a clear message (Rasa's store retries for ever, and a store that fails to build is
silently replaced by an in-memory one); a failure mid-run is reported to the channel
(``bot.stores.turn_health``) instead of being papered over by Rasa's in-memory fallback. The
event broker (``bot.analytics.broker``) is handed each save's new events, redacted, found by
counting the stored ones rather than by reading the conversation back. The tracker it saved last
for a conversation is reused while the database holds as many of its events as that save left
(``bot.stores.recent_trackers``), instead of being rebuilt from every event of the session on
every turn. That relies on what the lock store already guarantees: one turn of a conversation at
a time, across replicas.
"""
from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockStore, RedisLockStore
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from bot import action_calls, action_responses, log_redaction
from bot.config import get_settings
from bot.redact import redact_event
from bot.stores.lock_store import RedisTicketLockStore
from bot.stores.recent_trackers import RecentTrackers
from bot.stores.turn_health import TurnCutOff, report_store_failure

logger = logging.getLogger(__name__)

START_ATTEMPTS = 3  # tries to reach the database at start (a cluster's database may be booting)
START_RETRY_SECONDS = 2.0
CONNECT_TIMEOUT_SECONDS = 5  # a silent host must not stall the server's event loop for long
STOCK_LOCK_STORE = "rasa-redis"  # LOCK_STORE value for Rasa's own Redis store (measurements only)


class TrackerDatabaseUnreachable(RasaException):
    """The conversation database cannot be reached when the server starts."""


def tracker_store_kwargs(database_url: str) -> dict[str, Any]:
    """``SQLTrackerStore`` arguments for a SQLAlchemy URL, query parameters included."""
    url = make_url(database_url)
    return {
        "dialect": url.drivername,
        "host": url.host,
        "port": url.port,
        "db": url.database,
        "username": url.username,
        "password": url.password,
        "query": dict(url.query),
    }


def engine_kwargs(url: URL) -> dict[str, Any]:
    """Rasa's engine settings, plus a ping before reuse and a connect timeout (PostgreSQL)."""
    kwargs = create_engine_kwargs(url)
    if url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
        connect_args = dict(kwargs.get("connect_args", {}))
        connect_args.setdefault("connect_timeout", CONNECT_TIMEOUT_SECONDS)
        kwargs["connect_args"] = connect_args
    return {**kwargs, "pool_pre_ping": True}


def check_reachable(database_url: str, attempts: int = START_ATTEMPTS) -> None:
    """Connect once (a few tries); ``TrackerDatabaseUnreachable`` if the database never answers."""
    url = make_url(database_url)
    engine = sa.create_engine(url, **engine_kwargs(url))
    try:
        for attempt in range(1, attempts + 1):
            try:
                with engine.connect():
                    return
            except SQLAlchemyError as error:
                if attempt == attempts:
                    raise TrackerDatabaseUnreachable(_unreachable_message(url, error)) from None
                time.sleep(START_RETRY_SECONDS)
    finally:
        engine.dispose()


def _unreachable_message(url: URL, error: SQLAlchemyError) -> str:
    where = url.render_as_string(hide_password=True)
    return (
        f"The conversation database {where} cannot be reached "
        f"({type(getattr(error, 'orig', error)).__name__}). The server will not start without "
        "it: check DATABASE_URL / TRACKER_DATABASE_URL and that the database is running."
    )


@contextlib.contextmanager
def _reported() -> Iterator[None]:
    """Tell the channel the store failed and end its turn (unwatched: raise as Rasa would)."""
    try:
        yield
    except SQLAlchemyError as error:
        if report_store_failure():
            logger.error("conversation store failed (%s); turn ended", type(error).__name__)
            raise TurnCutOff() from error
        raise


class RedactedEvent:
    """An event as the store writes it: Rasa's JSON of it with the patient's words redacted."""

    def __init__(self, event: Event) -> None:
        self.type_name = event.type_name
        self._event = event

    def as_dict(self) -> dict[str, Any]:
        """``Event.as_dict`` through ``bot.redact.redact_event``."""
        return redact_event(self._event.as_dict())


class RedactingSQLTrackerStore(SQLTrackerStore):
    """Rasa's ``SQLTrackerStore`` writing each new event redacted (see ``RedactedEvent``)."""

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        """Rasa's new events, each wrapped so that ``save`` serialises it redacted."""
        return (RedactedEvent(event) for event in super()._additional_events(session, tracker))

    async def stream_events(self, tracker: DialogueStateTracker) -> None:
        """Hand the event broker the events about to be stored, redacted as they are stored.

        Rasa's own version reads the whole conversation back to find them (on SQLite here 19 ms a
        turn after 10 turns, 47 ms after 30); counting the stored events, as ``save`` does, is
        enough (about 1 ms).
        """
        if self.event_broker is None:
            return
        with self.session_scope() as session:
            new_events = list(self._additional_events(session, tracker))
        await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)


class EnvSQLTrackerStore(RedactingSQLTrackerStore):
    """The redacting SQL tracker store on ``TRACKER_DATABASE_URL`` or ``DATABASE_URL``."""

    def __init__(self, domain: Any = None, host: Any = None, event_broker: Any = None, **_: Any):
        # The Rasa server builds its tracker store once, at start: the hook we own in that
        # process before any message arrives, so no log line it writes holds a patient's details
        # (each custom action's answer is validated without re-checking Rasa's schema, and each
        # action is sent the conversation's recent turns only).
        log_redaction.install()
        action_responses.install()
        action_calls.install()
        database_url = get_settings().tracker_database_url
        check_reachable(database_url)
        super().__init__(
            domain=domain, event_broker=event_broker, **tracker_store_kwargs(database_url)
        )
        rasa_engine: sa.engine.Engine = self.engine  # type: ignore[has-type]
        rasa_engine.dispose()
        self.engine = sa.create_engine(rasa_engine.url, **engine_kwargs(rasa_engine.url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self.recent = RecentTrackers()
        # sender -> (events in the tracker, its new events, events stored): found once a save
        self._found: dict[str, tuple[int, list[Any], int]] = {}

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The tracker saved last if nothing changed since, else Rasa's; failures reported."""
        with _reported():
            with self.session_scope() as session:
                stored = self._stored_events(session, sender_id)
            kept = self.recent.get(sender_id, stored)
            return kept if kept is not None else await super().retrieve(sender_id)

    async def retrieve_full_tracker(self, sender_id: str) -> DialogueStateTracker | None:
        """Rasa's, reporting a database failure to the channel."""
        with _reported():
            return await super().retrieve_full_tracker(sender_id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Rasa's, then the tracker kept for the next turn; failures reported to the channel."""
        sender = tracker.sender_id
        with _reported():
            self.recent.forget(sender)
            try:
                await super().save(tracker)
                _, new, stored = self._found[sender]
                self.recent.saved(tracker, stored + len(new))
            finally:
                self._found.pop(sender, None)

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        """Rasa's new events (redacted), and how many events were stored before them.

        A save asks twice (for the event broker, then to insert them), each time counting the
        conversation's events twice: the answer of the first ask is reused for the second (the
        conversation's lock keeps other turns out in between).
        """
        sender = tracker.sender_id
        found = self._found.get(sender)
        if found is None or found[0] != len(tracker.events):
            new = list(super()._additional_events(session, tracker))
            found = (len(tracker.events), new, self._stored_events(session, sender))
            self._found[sender] = found
        return iter(found[1])

    def _stored_events(self, session: Any, sender_id: str) -> int:
        """How many events the database holds for the conversation (every session)."""
        event = self.SQLEvent
        query = sa.select(sa.func.count()).select_from(event).where(event.sender_id == sender_id)
        return int(session.execute(query).scalar() or 0)


def lock_store_for(redis_url: str | None, kind: str = "") -> LockStore:
    """Our Redis ticket lock when ``redis_url`` is set, else an in-memory one.

    ``kind`` ``rasa-redis`` picks Rasa's own ``RedisLockStore`` instead: only to measure how it
    loses turns (``scripts/stress_cluster.py --lock-store rasa-redis``).
    """
    if not redis_url:
        return InMemoryLockStore()
    if kind != STOCK_LOCK_STORE:
        return RedisTicketLockStore(redis_url)
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
    """Delegates to the lock store ``REDIS_URL`` (and ``LOCK_STORE``) ask for."""

    def __init__(self, endpoint_config: Any = None) -> None:
        settings = get_settings()
        self.inner = lock_store_for(settings.redis_url, settings.lock_store)

    def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> contextlib.AbstractAsyncContextManager[TicketLock]:
        """Delegate (our Redis store's waiting is not the base class's polling)."""
        return self.inner.lock(conversation_id, lock_lifetime, wait_time_in_seconds)

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        """Delegate."""
        return self.inner.get_lock(conversation_id)

    def delete_lock(self, conversation_id: str) -> None:
        """Delegate."""
        self.inner.delete_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        """Delegate."""
        self.inner.save_lock(lock)
