"""What the SMS channel remembers per phone number, shared by every replica: a small table.

One row per contact, keyed by the pseudonym of the phone number (never the number itself):
whether the patient opted out (STOP) and the buttons (title and payload) of the last list of
choices we sent, so a reply of "2" or "Y" picks the same thing whichever replica receives it.

The table lives on the content store (``Services.engine``), made by its migrations
(``python -m bot db upgrade``). Calls are blocking: the channel runs them in a worker thread.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import TypeVar

from sqlalchemy import Boolean, Column, Float, String, Text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.channels.sms_text import Choice, chosen
from bot.schema import Base

T = TypeVar("T")

CHOICES_TTL_SECONDS = 60 * 60  # a "2" sent the next day should not pick from yesterday's list


class SmsContact(Base):
    """One phone number's SMS state, by pseudonym."""

    __tablename__ = "sms_contacts"

    contact = Column(String(64), primary_key=True)
    opted_out = Column(Boolean, nullable=False, default=False)
    choices = Column(Text, nullable=True)  # JSON list of {"title", "payload"}
    choices_at = Column(Float, nullable=True)  # epoch seconds
    updated_at = Column(Float, nullable=False, default=time.time)


class SmsState:
    """Opt-outs and pending numbered choices, on a SQLAlchemy engine."""

    def __init__(
        self,
        session_factory: Callable[[], Session],
        *,
        choices_ttl: float = CHOICES_TTL_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._sessions = session_factory
        self._ttl = choices_ttl
        self._clock = clock

    def is_opted_out(self, contact: str) -> bool:
        """True if the patient sent STOP and not START since."""
        with self._sessions() as session:
            row = session.get(SmsContact, contact)
            return bool(row and row.opted_out)

    def set_opted_out(self, contact: str, opted_out: bool) -> None:
        """Record STOP (True) or START (False); pending choices are dropped."""

        def change(row: SmsContact) -> None:
            row.opted_out = opted_out
            row.choices = row.choices_at = None

        self._update(contact, change)

    def offer_choices(self, contact: str, choices: Sequence[Choice]) -> None:
        """Remember the choices just sent (an empty list forgets)."""

        def change(row: SmsContact) -> None:
            row.choices = json.dumps([asdict(c) for c in choices]) if choices else None
            row.choices_at = self._clock() if choices else None

        self._update(contact, change)

    def take_choice(self, contact: str, reply: str) -> str | None:
        """The payload of the pending choice ``reply`` picks (``sms_text.chosen``), if any.

        A list is used once: picking from it forgets it. A reply that picks nothing changes
        nothing (and writes nothing).
        """
        with self._sessions() as session:
            row = session.get(SmsContact, contact)
            choices = self._pending(row) if row is not None else []
            number = chosen(reply, [choice.title for choice in choices])
            if row is None or number is None:
                return None
            row.choices = row.choices_at = None
            row.updated_at = self._clock()
            session.commit()
            return choices[number - 1].payload

    def _pending(self, row: SmsContact) -> list[Choice]:
        if not row.choices or row.choices_at is None:
            return []
        if self._clock() - row.choices_at > self._ttl:
            return []
        stored = json.loads(row.choices)
        return [_choice(entry) for entry in stored] if isinstance(stored, list) else []

    def _update(self, contact: str, change: Callable[[SmsContact], T]) -> T:
        """Apply ``change`` to the contact's row (created if new) and commit."""
        try:
            return self._update_once(contact, change)
        except IntegrityError:
            # Another replica created the row at the same moment: apply the change to theirs.
            return self._update_once(contact, change)

    def _update_once(self, contact: str, change: Callable[[SmsContact], T]) -> T:
        with self._sessions() as session:
            row = session.get(SmsContact, contact)
            if row is None:
                row = SmsContact(contact=contact, opted_out=False)
                session.add(row)
            result = change(row)
            row.updated_at = self._clock()
            session.commit()
            return result


def _choice(entry: object) -> Choice:
    """A stored choice; lists stored before titles were kept are bare payloads."""
    if isinstance(entry, dict):
        return Choice(str(entry.get("title") or ""), str(entry.get("payload") or ""))
    return Choice("", str(entry))
