"""The one place that turns settings into connected objects.

Each entry point (Rasa's NLG and channels, the action server, the CLI, the web editor) builds
its own ``Services`` lazily on first use; nothing connects at import.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.analytics.repository import SqlFeedbackRepository, SqlTurnEventRepository
from bot.channels.sms_state import SmsState
from bot.channels.twilio_api import account_or_placeholders
from bot.config import Settings, get_settings
from bot.content.repository import SqlAlchemyUnitOfWork
from bot.conversations.repository import SqlConversationRepository
from bot.feedback import FeedbackService
from bot.handoff.contacts import ContactCipher
from bot.handoff.repository import SqlHandoffUnitOfWork
from bot.handoff.sms import TwilioPatientSms
from bot.replies import CONTENT_CACHE_SECONDS, ReplyService
from bot.reporting.source import SqlReportSource


def make_engine(database_url: str) -> Engine:
    """An engine for SQLite or PostgreSQL; SQLite waits for locks instead of failing."""
    if database_url.startswith("sqlite"):
        engine = create_engine(
            database_url, future=True, connect_args={"timeout": 30, "check_same_thread": False}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(database_url, future=True, pool_pre_ping=True)


def _sqlite_pragmas(connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@dataclass
class Services:
    """Connected building blocks, made once per process from ``settings``."""

    settings: Settings = field(default_factory=get_settings)

    @cached_property
    def engine(self) -> Engine:
        """The content store's engine (one pool per process)."""
        engine = make_engine(self.settings.database_url)
        _ensure_sqlite_dir(engine)
        return engine

    @cached_property
    def session_factory(self) -> sessionmaker[Session]:
        """Sessions on the content store; objects stay readable after commit."""
        return sessionmaker(self.engine, future=True, expire_on_commit=False)

    def uow(self) -> SqlAlchemyUnitOfWork:
        """A fresh unit of work on the content store."""
        return SqlAlchemyUnitOfWork(self.session_factory)

    @cached_property
    def tracker_engine(self) -> Engine:
        """Rasa's conversations' database (the content store's engine when it is the same)."""
        if self.settings.tracker_database_url == self.settings.database_url:
            return self.engine
        return make_engine(self.settings.tracker_database_url)

    def conversations(self) -> SqlConversationRepository:
        """Conversations (Rasa's tracker events) and the records tied to a person."""
        return SqlConversationRepository(self.tracker_engine, self.engine)

    def report_source(self) -> SqlReportSource:
        """What the clinic report reads: our tables, and Rasa's events for the backfill."""
        return SqlReportSource(self.tracker_engine, self.engine, self.uow)

    def turn_events(self) -> SqlTurnEventRepository:
        """The turns recorded by the event broker (``bot.analytics``)."""
        return SqlTurnEventRepository(self.engine)

    def feedback(self) -> FeedbackService:
        """Records "Was this helpful?" votes with this process's salt."""
        return FeedbackService(lambda: SqlFeedbackRepository(self.engine),
                               hash_salt=self.settings.hash_salt)

    def replies(self) -> ReplyService:
        """A reply service on the content store, with this process's salt and clinic.

        Published items are reused for ``CONTENT_CACHE_SECONDS``: an FAQ answer costs a store
        read (4-10 ms on SQLite) at most once a second per item and process.
        """
        settings = self.settings
        return ReplyService(self.uow, hash_salt=settings.hash_salt, clinic=settings.clinic,
                            handoffs=self.handoff_uow, cache_seconds=CONTENT_CACHE_SECONDS)

    def handoff_uow(self) -> SqlHandoffUnitOfWork:
        """A fresh unit of work on the hand-off cases (on the content store)."""
        return SqlHandoffUnitOfWork(self.session_factory)

    def contact_cipher(self) -> ContactCipher:
        """Encrypts the phone numbers kept for the care team's replies (``CONTACT_KEY``)."""
        return ContactCipher(self.settings.contact_key)

    def patient_sms(self) -> TwilioPatientSms:
        """Texting a patient back from the inbox: Twilio and the SMS opt-outs."""
        settings = self.settings
        account = account_or_placeholders(settings.twilio_account_sid, settings.twilio_auth_token,
                                          settings.twilio_number, settings.twilio_api_base)
        return TwilioPatientSms(account, SmsState(self.session_factory))


def _ensure_sqlite_dir(engine: Engine) -> None:
    if engine.url.get_backend_name() == "sqlite" and engine.url.database not in (None, ":memory:"):
        Path(str(engine.url.database)).parent.mkdir(parents=True, exist_ok=True)
