"""The content store's tables: items, their revisions, and escalation records.

Declared on ``bot.schema.Base``; made and changed by migrations (``python -m bot db upgrade``).

SQLAlchemy 1.4 in 2.0 style. An item's answer is never edited in place: every change is a new
``Revision``; the item points at the one that is published. ``lock_version`` is the optimistic
lock: every change bumps it, and a save made from an older version is refused.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from bot.schema import Base

KINDS = ("faq", "message", "escalation")
TIERS = ("emergency", "urgent", "crisis")
STATUSES = ("draft", "in_review", "published", "retired")
PENDING = ("draft", "in_review")


def utcnow() -> datetime:
    """Timezone-aware now, stored as UTC."""
    return datetime.now(timezone.utc)


class ContentItem(Base):
    """One answer, message or escalation, identified by a stable id (e.g. ``duration``)."""

    __tablename__ = "content_items"

    id = Column(String(64), primary_key=True)
    kind = Column(String(16), nullable=False)
    tier = Column(String(16), nullable=True)
    published_number = Column(Integer, nullable=True)
    lock_version = Column(Integer, nullable=False, default=1)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)

    revisions = relationship(
        "Revision",
        back_populates="item",
        order_by="Revision.number",
        cascade="all, delete-orphan",
    )

    __mapper_args__ = {"version_id_col": lock_version}

    def revision(self, number: int) -> Revision | None:
        """The revision with this number, if any."""
        return next((r for r in self.revisions if r.number == number), None)

    @property
    def published(self) -> Revision | None:
        """The revision patients see now, if any."""
        return self.revision(self.published_number) if self.published_number else None

    @property
    def latest(self) -> Revision | None:
        """The newest revision, whatever its status."""
        return self.revisions[-1] if self.revisions else None

    def make_live(self, revision: Revision, *, reviewer: str) -> None:
        """Publish ``revision``: the previous live one and older pending ones become retired.

        History is kept: nothing is deleted or rewritten but statuses.
        """
        for other in self.revisions:
            overtaken = other.status in PENDING and other.number < revision.number
            if other is not revision and (other.status == "published" or overtaken):
                other.status = "retired"
        revision.status = "published"
        revision.reviewer = reviewer
        revision.published_at = utcnow()
        self.published_number = revision.number
        self.lock_version = (self.lock_version or 1) + 1
        self.updated_at = utcnow()


class Revision(Base):
    """One saved state of an item: text, SMS text, who wrote it, who reviewed it."""

    __tablename__ = "content_revisions"
    __table_args__ = (UniqueConstraint("item_id", "number", name="uq_revision_number"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    item_id = Column(String(64), ForeignKey("content_items.id"), nullable=False, index=True)
    number = Column(Integer, nullable=False)
    title = Column(String(200), nullable=False)
    text = Column(Text, nullable=False)
    sms_text = Column(Text, nullable=False)
    sources = Column(JSON, nullable=False, default=list)
    status = Column(String(16), nullable=False, default="draft")
    author = Column(String(100), nullable=False)
    reviewer = Column(String(100), nullable=True)
    review_by = Column(Date, nullable=True)
    note = Column(Text, nullable=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    published_at = Column(DateTime(timezone=True), nullable=True)

    item = relationship("ContentItem", back_populates="revisions")


class EscalationRecord(Base):
    """One escalation shown to a patient: when, which flags, which tier, which channel.

    ``conversation`` is a keyed hash of the sender id: never a phone number in clear.
    """

    __tablename__ = "escalation_records"

    id = Column(Integer, primary_key=True, autoincrement=True)
    occurred_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    flag_ids = Column(JSON, nullable=False, default=list)
    tier = Column(String(16), nullable=False)
    channel = Column(String(32), nullable=False)
    conversation = Column(String(64), nullable=False)
    escalation_id = Column(String(64), nullable=False)
    escalation_version = Column(Integer, nullable=True)


def review_date(value: date | str | None) -> date | None:
    """Accept a date or an ISO string (as YAML or a form gives it)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
