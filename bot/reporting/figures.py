"""The clinic report's figures, computed from a ``ReportSource`` (CONTRACT.md, Clinic report).

- ``messages``: patient messages in the window; ``conversations``: senders who wrote one;
  ``by_channel``: messages per channel (Rasa's ``input_channel``).
- ``topics``: FAQ answers given, per topic (the ``content_id`` of the assistant's messages).
- ``fallback`` / ``out_of_scope``: messages the NLU was unsure of (``nlu_fallback``) or found
  off-topic; lines the channel answered itself (too long, rate-limited…) are not counted.
- ``escalations``: escalations recorded per tier; ``feedback``: "Was this helpful?" answers per
  topic (zeros until the assistant asks); ``unanswered``: the texts of fallback and off-topic
  messages, redacted, grouped (case, spacing and end punctuation ignored), most frequent first;
  ``overdue_reviews``: published items whose review-by date has passed.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from bot.redact import redact
from bot.reporting.source import PublishedItem, ReportSource, StoredEvent
from bot.topics import FAQ_TOPICS, TIERS

FALLBACK_INTENT = "nlu_fallback"
OUT_OF_SCOPE_INTENT = "out_of_scope"
UNKNOWN_CHANNEL = "unknown"


@dataclass(frozen=True)
class Report:
    """The figures of one window (see the module's docstring)."""

    since: str
    until: str
    messages: int
    conversations: int
    by_channel: dict[str, int]
    topics: dict[str, int]
    fallback: int
    out_of_scope: int
    escalations: dict[str, int]
    feedback: dict[str, dict[str, int]]
    unanswered: list[dict[str, Any]] = field(default_factory=list)
    overdue_reviews: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The report as the JSON of ``report --format json``."""
        return asdict(self)


def build_report(
    *, source: ReportSource, since: timedelta, now: datetime | None = None
) -> Report:
    """The figures of the last ``since`` before ``now`` (default: the current time)."""
    until = now or datetime.now(timezone.utc)
    start = until - since
    events = list(source.events(since=start.timestamp(), until=until.timestamp()))
    users = [e for e in events if e.type == "user"]
    asked = [e for e in users if not _channel_answered(e)]
    missed = [e for e in asked if _intent(e) in (FALLBACK_INTENT, OUT_OF_SCOPE_INTENT)]
    topics = _topics(events)
    return Report(
        since=start.isoformat(timespec="seconds"),
        until=until.isoformat(timespec="seconds"),
        messages=len(users),
        conversations=len({e.sender for e in users}),
        by_channel=sorted_counts(Counter(channel_of(e) for e in users)),
        topics=topics,
        fallback=sum(1 for e in missed if _intent(e) == FALLBACK_INTENT),
        out_of_scope=sum(1 for e in missed if _intent(e) == OUT_OF_SCOPE_INTENT),
        escalations=_escalations(source.escalation_tiers(since=start.timestamp(),
                                                         until=until.timestamp())),
        feedback={topic: {"helpful": 0, "not_helpful": 0} for topic in topics},
        unanswered=unanswered(missed),
        overdue_reviews=overdue(source.published(), today=until.date()),
    )


def unanswered(events: list[StoredEvent]) -> list[dict[str, Any]]:
    """Redacted texts grouped by their normal form; most frequent first, then alphabetical."""
    counts: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for event in events:
        text = redact(str(event.data.get("text") or "")).strip()
        if not text:
            continue
        key = _normal(text)
        counts[key] += 1
        shown.setdefault(key, text)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [{"text": shown[key], "count": count} for key, count in ranked]


def overdue(items: list[PublishedItem], *, today: date) -> list[str]:
    """Ids of published items whose review-by date is before ``today``, sorted."""
    return sorted(item.id for item in items
                  if item.review_by and date.fromisoformat(item.review_by[:10]) < today)


def _topics(events: list[StoredEvent]) -> dict[str, int]:
    """FAQ answers given per topic (bot messages carrying a FAQ topic's ``content_id``)."""
    answered = Counter(
        str((e.data.get("metadata") or {}).get("content_id")) for e in events if e.type == "bot"
    )
    return sorted_counts(Counter({t: answered[t] for t in FAQ_TOPICS if answered[t]}))


def _escalations(tiers: list[str]) -> dict[str, int]:
    """Every tier, zero included, and any other tier recorded."""
    counts = Counter(tiers)
    return {tier: counts[tier] for tier in sorted(set(TIERS) | set(counts))}


def sorted_counts(counts: Counter[str]) -> dict[str, int]:
    """Most frequent first, then alphabetical."""
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _intent(event: StoredEvent) -> str | None:
    parse = event.data.get("parse_data") or {}
    intent = parse.get("intent") or {}
    return intent.get("name") if isinstance(intent, dict) else None


def channel_of(event: StoredEvent) -> str:
    """The channel a message came in on (Rasa's ``input_channel``), or ``unknown``."""
    return str(event.data.get("input_channel") or UNKNOWN_CHANNEL)


def _channel_answered(event: StoredEvent) -> bool:
    metadata = event.data.get("metadata") or {}
    return isinstance(metadata, dict) and "channel_answered" in metadata


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip(" .!?")
