"""The hand-off cases table: one row per conversation handed to the care team.

``conversation`` is Rasa's conversation id, the key of the transcript in Rasa's ``events`` table:
on SMS it is the pseudonym of the phone number (``bot.channels.sms``), never the number. The
number a nurse replies to is kept only in ``contact``, encrypted (``bot.handoff.contacts``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Integer, String, Text

from bot.content.models import utcnow
from bot.content.services import SMS_CHANNELS
from bot.schema import Base

OPEN = "open"
HANDLED = "handled"


class HandoffCase(Base):
    """A conversation the care team should look at: why, where, and what they did about it.

    ``reasons`` lists each reason once ("urgent: fever", "asked for a person"); ``replies`` the
    nurses' SMS replies as ``{"at", "by", "text"}`` (text redacted, ``at`` ISO 8601).
    """

    __tablename__ = "handoff_cases"

    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation = Column(String(255), nullable=False, index=True)
    channel = Column(String(32), nullable=False)
    reasons = Column(JSON, nullable=False, default=list)
    status = Column(String(16), nullable=False, default=OPEN, index=True)
    opened_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    handled_by = Column(String(40), nullable=True)
    handled_at = Column(DateTime(timezone=True), nullable=True)
    note = Column(Text, nullable=True)
    contact = Column(Text, nullable=True)
    replies = Column(JSON, nullable=False, default=list)


@dataclass(frozen=True)
class CaseView:
    """A case as the inbox shows it, readable after its session is gone (no encrypted number)."""

    id: int
    conversation: str
    channel: str
    reasons: tuple[str, ...]
    status: str
    opened_at: datetime
    updated_at: datetime
    handled_by: str | None
    handled_at: datetime | None
    note: str | None
    replies: tuple[dict[str, Any], ...]
    has_contact: bool

    @property
    def is_open(self) -> bool:
        """True until a nurse marks the case handled."""
        return self.status == OPEN

    @property
    def reason(self) -> str:
        """The reasons in one line."""
        return "; ".join(self.reasons)

    @property
    def can_reply(self) -> bool:
        """An SMS conversation whose number we kept (encrypted)."""
        return self.channel in SMS_CHANNELS and self.has_contact


def view_of(case: HandoffCase) -> CaseView:
    """The inbox's view of a stored case."""
    return CaseView(
        id=int(case.id),
        conversation=str(case.conversation),
        channel=str(case.channel),
        reasons=tuple(case.reasons or ()),
        status=str(case.status),
        opened_at=case.opened_at,
        updated_at=case.updated_at,
        handled_by=case.handled_by,
        handled_at=case.handled_at,
        note=case.note,
        replies=tuple(case.replies or ()),
        has_contact=bool(case.contact),
    )
