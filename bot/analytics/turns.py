"""One row per turn (a patient's message and the bot's replies to it), from Rasa's events.

``turns_of`` reads events as Rasa serialises them (``Event.as_dict()``: what an event broker
receives and what Rasa's ``events`` table holds as JSON) and keeps what the clinic counts: the
topic answered, the NLU's intent and confidence, fallback and out-of-scope, the escalation's tier
and flags, the patient's "Was this helpful?" vote, the channel and every reply's content id and
version. The patient's text is kept, redacted (``bot.redact``), only when the assistant could not
answer it (fallback, out of scope): that is where content is missing.

Pure functions over dicts: no Rasa import, no I/O.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.redact import redact
from bot.topics import FAQ_TOPICS

FALLBACK_INTENT = "nlu_fallback"
OUT_OF_SCOPE_INTENT = "out_of_scope"
RED_FLAG_ENTITY = "red_flag"
UNKNOWN_CHANNEL = "unknown"
# Keys our replies add to a bot event's metadata (``bot.replies.Reply.metadata``).
FLAGS_KEY = "red_flags"
VOTE_KEY = "feedback"

Event = Mapping[str, Any]


@dataclass(frozen=True)
class Turn:
    """What one turn did; field names are the ``turn_events`` columns.

    ``conversation`` is whatever id the caller gives: Rasa's sender id when built, its pseudonym
    once stored. ``replies`` lists ``(content id, version)`` of each bot message.
    """

    conversation: str
    occurred_at: float
    channel: str
    intent: str | None = None
    confidence: float | None = None
    fallback: bool = False
    out_of_scope: bool = False
    channel_line: str | None = None  # the channel answered it itself (too_long, other_language)
    topic: str | None = None
    tier: str | None = None
    flags: tuple[str, ...] = ()
    helpful: bool | None = None
    replies: tuple[tuple[str, int | None], ...] = ()
    text: str | None = None


def turns_of(sender: str, events: Iterable[Event]) -> list[Turn]:
    """The turns of ``sender`` in ``events``, in order: each user event and the bot's after it.

    Bot events before the first user event are skipped.
    """
    groups: list[tuple[Event, list[Event]]] = []
    for event in events:
        if event.get("event") == "user":
            groups.append((event, []))
        elif event.get("event") == "bot" and groups:
            groups[-1][1].append(event)
    return [turn_of(sender, user, bots) for user, bots in groups]


def turn_of(sender: str, user: Event, bots: Sequence[Event]) -> Turn:
    """The turn of one user event and the bot events that answered it."""
    intent = _dict(_dict(user.get("parse_data")).get("intent"))
    name = intent.get("name")
    line = _dict(user.get("metadata")).get("channel_answered")
    fallback = name == FALLBACK_INTENT and not line
    out_of_scope = name == OUT_OF_SCOPE_INTENT and not line
    replies = _replies(bots)
    return Turn(
        conversation=sender,
        occurred_at=float(user.get("timestamp") or 0.0),
        channel=str(user.get("input_channel") or UNKNOWN_CHANNEL),
        intent=str(name) if name else None,
        confidence=_number(intent.get("confidence")),
        fallback=fallback,
        out_of_scope=out_of_scope,
        channel_line=str(line) if line else None,
        topic=next((cid for cid, _ in replies if cid in FAQ_TOPICS), None),
        tier=_tier(bots),
        flags=_flags(user, bots),
        helpful=_vote(bots),
        replies=replies,
        text=_unanswered_text(user) if fallback or out_of_scope else None,
    )


def _unanswered_text(user: Event) -> str | None:
    """What the patient wrote, redacted (kept only where the assistant had no answer)."""
    return redact(str(user.get("text") or "")).strip() or None


def _replies(bots: Sequence[Event]) -> tuple[tuple[str, int | None], ...]:
    replies = []
    for bot in bots:
        metadata = _dict(bot.get("metadata"))
        if metadata.get("content_id"):
            version = metadata.get("content_version")
            replies.append((str(metadata["content_id"]), int(version) if version else None))
    return tuple(replies)


def _tier(bots: Sequence[Event]) -> str | None:
    """The tier of the escalation shown (``custom`` marker of ``bot.replies``), if any."""
    for bot in bots:
        custom = _dict(_dict(bot.get("data")).get("custom"))
        if custom.get("kind") == "escalation" and custom.get("tier"):
            return str(custom["tier"])
    return None


def _flags(user: Event, bots: Sequence[Event]) -> tuple[str, ...]:
    """The flags the escalation named; else the message's own red-flag entities."""
    named = [flag for bot in bots for flag in _dict(bot.get("metadata")).get(FLAGS_KEY) or []]
    if not named:
        entities = _dict(user.get("parse_data")).get("entities") or []
        named = [e.get("value") for e in entities
                 if isinstance(e, dict) and e.get("entity") == RED_FLAG_ENTITY]
    return tuple(dict.fromkeys(str(flag) for flag in named if flag))


def _vote(bots: Sequence[Event]) -> bool | None:
    """The patient's "Was this helpful?" vote, as the thanks line recorded it."""
    for bot in bots:
        vote = _dict(_dict(bot.get("metadata")).get(VOTE_KEY))
        if isinstance(vote.get("helpful"), bool):
            return bool(vote["helpful"])
    return None


def _dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
