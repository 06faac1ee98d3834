"""What operators do with conversations: export them, forget one person, purge old ones.

Who a sender is in each table: Rasa stores a web conversation under the id the widget or the
REST client sent, and an SMS conversation under the pseudonym of the phone number (never the
number); SMS state is keyed by that same pseudonym; escalation records by the pseudonym of
Rasa's id. So ``forget`` takes either a conversation id or a phone number and erases both
readings: what is stored under the value itself and under its pseudonym. Hand-off cases are
stored under Rasa's id, like the conversation.
"""
from __future__ import annotations

import itertools
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.conversations.repository import ConversationRepository, Erased, Person, StoredMessage
from bot.privacy import pseudonym
from bot.redact import redact_event

_AGE = re.compile(r"^\s*(\d+)\s*([hdw])\s*$")
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


class BadAge(ValueError):
    """An age that is not like ``30d``, ``12h`` or ``2w``."""


@dataclass(frozen=True)
class Conversation:
    """One sender's user and bot messages, in stored order."""

    sender: str
    messages: tuple[StoredMessage, ...]

    def as_export(self) -> dict[str, Any]:
        """The JSON object of ``conversations export`` (CONTRACT.md, Conversations)."""
        events = [{"type": m.type, "text": m.text, "timestamp": m.timestamp}
                  for m in self.messages]
        return {"sender": self.sender, "events": events}


def parse_age(value: str) -> timedelta:
    """``30d`` → 30 days; hours (``h``) and weeks (``w``) too.

    Raises:
        BadAge: if ``value`` is not a whole number followed by ``h``, ``d`` or ``w``.

    """
    match = _AGE.match(value)
    if not match:
        raise BadAge(f"'{value}' is not an age like 30d, 12h or 2w")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def export(
    *, repo: ConversationRepository, since: timedelta | None = None, now: float | None = None
) -> Iterator[Conversation]:
    """Every conversation with a message in the last ``since`` (default: all), one at a time."""
    cutoff = None if since is None else _now(now) - since.total_seconds()
    messages = repo.messages(since=cutoff)
    for sender, group in itertools.groupby(messages, key=lambda message: message.sender):
        yield Conversation(sender, tuple(group))


def person(sender: str, *, salt: str) -> Person:
    """The keys that may hold rows of ``sender`` (a conversation id or a phone number)."""
    ids = frozenset({sender, pseudonym(sender, salt)})
    return Person(
        sender_ids=ids,
        escalation_keys=frozenset(pseudonym(rasa_id, salt) for rasa_id in ids),
        sms_contacts=ids,
    )


def forget(sender: str, *, repo: ConversationRepository, salt: str) -> Erased:
    """Erase everything stored about ``sender``: conversation, escalations, SMS state, cases."""
    if not sender.strip():
        raise ValueError("an empty sender names nobody")
    return repo.erase(person(sender, salt=salt))


def redact_stored(*, repo: ConversationRepository) -> int:
    """Redact what patients wrote in conversations stored before redaction; how many events."""
    return repo.rewrite_events(redact_event)


def purge(
    *, repo: ConversationRepository, older_than: timedelta, now: float | None = None
) -> Erased:
    """Erase what is older than ``older_than`` (an SMS opt-out stays: see the repository)."""
    if older_than <= timedelta(0):
        raise BadAge("the age to purge must be more than zero")
    return repo.erase_before(_now(now) - older_than.total_seconds())


def _now(now: float | None) -> float:
    return time.time() if now is None else now
