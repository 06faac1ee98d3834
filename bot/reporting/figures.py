"""The clinic report's figures, computed from a ``ReportSource`` (CONTRACT.md, Clinic report).

Every per-message figure comes from the turns the event broker recorded (``bot.analytics``): one
row per patient message, with its channel, intent, the topic answered and, redacted, the text
it could not answer; no re-reading of Rasa's JSON events.

- ``messages``: patient messages in the window; ``conversations``: conversations with one;
  ``by_channel``: messages per channel.
- ``topics``: FAQ answers given, per topic.
- ``fallback`` / ``out_of_scope``: messages the NLU was unsure of (``nlu_fallback``) or found
  off-topic; lines the channel answered itself (too long, another language…) are not counted.
- ``escalations``: escalations recorded per tier.
- ``feedback``: "Was this helpful?" votes per topic (every topic answered in the window is
  listed, with zeros if nobody voted); ``feedback_by_version``: the same per topic and version
  (``{"duration": {"3": {"helpful": 2, "not_helpful": 1}}}``), topics with votes only.
- ``unanswered``: the redacted texts of fallback and off-topic messages, grouped (case, spacing
  and end punctuation ignored), most frequent first.
- ``overdue_reviews``: published items whose review-by date has passed.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from bot.analytics.repository import FeedbackEntry
from bot.analytics.turns import Turn
from bot.reporting.source import PublishedItem, ReportSource
from bot.topics import TIERS

Votes = dict[str, int]  # {"helpful": n, "not_helpful": m}


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
    feedback: dict[str, Votes]
    feedback_by_version: dict[str, dict[str, Votes]] = field(default_factory=dict)
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
    window = {"since": start.timestamp(), "until": until.timestamp()}
    turns = source.turns(**window)
    votes = source.votes(**window)
    topics = sorted_counts(Counter(turn.topic for turn in turns if turn.topic))
    return Report(
        since=start.isoformat(timespec="seconds"),
        until=until.isoformat(timespec="seconds"),
        messages=len(turns),
        conversations=len({turn.conversation for turn in turns}),
        by_channel=sorted_counts(Counter(turn.channel for turn in turns)),
        topics=topics,
        fallback=sum(turn.fallback for turn in turns),
        out_of_scope=sum(turn.out_of_scope for turn in turns),
        escalations=_escalations(source.escalation_tiers(**window)),
        feedback=feedback_per_topic(votes, answered=list(topics)),
        feedback_by_version=feedback_per_version(votes),
        unanswered=unanswered(turns),
        overdue_reviews=overdue(source.published(), today=until.date()),
    )


def feedback_per_topic(votes: list[FeedbackEntry], *, answered: list[str]) -> dict[str, Votes]:
    """Votes per topic: the topics ``answered`` first (zeros included), then any other voted on."""
    counts = {topic: _no_votes() for topic in answered}
    for vote in votes:
        _count(counts.setdefault(vote.answer, _no_votes()), vote)
    return counts


def feedback_per_version(votes: list[FeedbackEntry]) -> dict[str, dict[str, Votes]]:
    """Votes per topic, then per version (a JSON key, so a string), both in order."""
    counts: dict[str, dict[str, Votes]] = {}
    for vote in sorted(votes, key=lambda v: (v.answer, v.version)):
        _count(counts.setdefault(vote.answer, {}).setdefault(str(vote.version), _no_votes()), vote)
    return counts


def unanswered(turns: list[Turn]) -> list[dict[str, Any]]:
    """Redacted texts grouped by their normal form; most frequent first, then alphabetical."""
    counts: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for turn in turns:
        if not turn.text:
            continue
        key = _normal(turn.text)
        counts[key] += 1
        shown.setdefault(key, turn.text)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [{"text": shown[key], "count": count} for key, count in ranked]


def overdue(items: list[PublishedItem], *, today: date) -> list[str]:
    """Ids of published items whose review-by date is before ``today``, sorted."""
    return sorted(item.id for item in items
                  if item.review_by and date.fromisoformat(item.review_by[:10]) < today)


def _escalations(tiers: list[str]) -> dict[str, int]:
    """Every tier, zero included, and any other tier recorded."""
    counts = Counter(tiers)
    return {tier: counts[tier] for tier in sorted(set(TIERS) | set(counts))}


def sorted_counts(counts: Counter[str]) -> dict[str, int]:
    """Most frequent first, then alphabetical."""
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _no_votes() -> Votes:
    return {"helpful": 0, "not_helpful": 0}


def _count(votes: Votes, vote: FeedbackEntry) -> None:
    votes["helpful" if vote.helpful else "not_helpful"] += 1


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip(" .!?")
