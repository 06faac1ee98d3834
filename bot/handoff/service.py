"""What happens to a hand-off case: opened by the assistant, answered and closed by a nurse.

Every function takes a ``HandoffUnitOfWork`` (keyword ``uow``). Free text a nurse writes (a note,
a reply) is stored redacted, like a patient's message: it may name the patient or a number.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.content.models import utcnow
from bot.handoff.contacts import ContactCipher
from bot.handoff.models import HANDLED, OPEN, HandoffCase, view_of
from bot.handoff.repository import HandoffUnitOfWork
from bot.redact import redact

ASKED_FOR_A_PERSON = "asked for a person"


class CaseNotFound(LookupError):
    """No hand-off case with that id."""


class ReplyNotSent(Exception):
    """A nurse's reply could not go out; the message says why, for the nurse."""


class PatientSms(Protocol):
    """Texting a patient back: the opt-out check and the sending (``bot.handoff.sms``)."""

    def opted_out(self, conversation: str) -> bool:
        """True if the patient of this SMS conversation sent STOP."""

    def send(self, phone: str, body: str, *, log_id: str) -> bool:
        """Send ``body`` to ``phone``; True once the provider accepted it."""


def escalation_reason(tier: str, flags: Sequence[str]) -> str:
    """``"urgent: fever, fall"``; the tier alone when no flag is named."""
    named = ", ".join(dict.fromkeys(flag.replace("_", " ") for flag in flags if flag))
    return f"{tier}: {named}" if named else tier


def open_case(
    *,
    uow: HandoffUnitOfWork,
    conversation: str,
    channel: str,
    reason: str,
    now: datetime | None = None,
) -> int:
    """Open a case for ``conversation``, or add ``reason`` to its open one; the case's id."""
    moment = now or utcnow()
    with uow:
        case = uow.cases.open_for(conversation)
        if case is None:
            case = HandoffCase(conversation=conversation, channel=channel, reasons=[],
                               status=OPEN, opened_at=moment, replies=[])
            uow.cases.add(case)
        if reason not in case.reasons:
            case.reasons = [*case.reasons, reason]
        case.updated_at = moment
        uow.commit()
        return int(case.id)


def keep_contact(
    *, uow: HandoffUnitOfWork, conversation: str, phone: str, cipher: ContactCipher
) -> bool:
    """Keep ``phone``, encrypted, on the conversation's open case; False if it has none."""
    with uow:
        case = uow.cases.open_for(conversation)
        if case is None:
            return False
        case.contact = cipher.seal(phone)
        uow.commit()
    return True


def mark_handled(
    case_id: int, *, uow: HandoffUnitOfWork, by: str, note: str, now: datetime | None = None
) -> None:
    """Close the case: who handled it, when, and their note (redacted)."""
    with uow:
        case = _case(uow, case_id)
        case.status = HANDLED
        case.handled_by = by
        case.handled_at = now or utcnow()
        case.note = redact(note.strip()) or None
        uow.commit()


def reply(
    case_id: int,
    text: str,
    *,
    uow: HandoffUnitOfWork,
    by: str,
    cipher: ContactCipher,
    sms: PatientSms,
    now: datetime | None = None,
) -> None:
    """Text ``text`` to the patient of an SMS case and record it (redacted) on the case.

    Raises:
        CaseNotFound: if there is no such case.
        ReplyNotSent: if the case has no number we can read, the patient sent STOP, or the
            provider did not accept the message.

    """
    conversation, phone = _recipient(case_id, uow=uow, cipher=cipher)
    if sms.opted_out(conversation):
        raise ReplyNotSent("The patient sent STOP: we may not text them.")
    if not sms.send(phone, text, log_id=conversation):
        raise ReplyNotSent("The SMS provider did not take the message. Try again later.")
    with uow:
        case = _case(uow, case_id)
        sent = {"at": (now or utcnow()).isoformat(), "by": by, "text": redact(text)}
        case.replies = [*case.replies, sent]
        uow.commit()


def _recipient(case_id: int, *, uow: HandoffUnitOfWork, cipher: ContactCipher) -> tuple[str, str]:
    """The case's conversation and decrypted number; ``ReplyNotSent`` when there is none."""
    with uow:
        case = _case(uow, case_id)
        if not view_of(case).can_reply:
            raise ReplyNotSent("Only SMS conversations can be answered from the inbox.")
        phone = cipher.reveal(str(case.contact))
        conversation = str(case.conversation)
    if phone is None:
        raise ReplyNotSent("The number cannot be read: CONTACT_KEY has changed since.")
    return conversation, phone


def _case(uow: HandoffUnitOfWork, case_id: int) -> HandoffCase:
    case = uow.cases.get(case_id)
    if case is None:
        raise CaseNotFound(f"there is no hand-off case {case_id}")
    return case
