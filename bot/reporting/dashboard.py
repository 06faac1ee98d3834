"""The dashboard's figures: the clinic report over a date range, and what it does not break down.

Days are UTC days; the range runs from the start of its first day to the end of its last day, or
to now if that is sooner. Beyond the ``Report``:

- ``days``: patient messages per day and channel, every day of the range (zeros included);
- ``escalation_flags``: escalations per red flag (one with several flags counts under each, one
  that named none under ``NO_FLAG``);
- ``question_groups``: the unanswered texts grouped by similar wording (``bot.reporting.similar``);
- ``helpfulness``: "Was this helpful?" votes per answer and version when the report has them per
  version (a ``feedback_by_version`` field), else per answer (version ``None``);
- ``fallback_rate`` / ``out_of_scope_rate``: shares of all patient messages (None when there were
  no messages).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from bot.analytics.turns import Turn
from bot.reporting.figures import Report, build_report, sorted_counts
from bot.reporting.similar import QuestionGroup, group_similar
from bot.reporting.source import ReportSource

NO_FLAG = "(no flag recorded)"


@dataclass(frozen=True)
class DayCount:
    """Patient messages on one day, per channel."""

    day: date
    by_channel: dict[str, int]

    @property
    def total(self) -> int:
        """Messages that day, every channel."""
        return sum(self.by_channel.values())


@dataclass(frozen=True)
class Helpfulness:
    """The votes on one answer (and version, when known)."""

    topic: str
    version: int | None
    helpful: int
    not_helpful: int

    @property
    def share(self) -> float | None:
        """The share of "helpful" votes, or None without votes."""
        return rate(self.helpful, self.helpful + self.not_helpful)


@dataclass(frozen=True)
class Dashboard:
    """Every figure the dashboard shows for ``first`` to ``last`` (see the module docstring)."""

    first: date
    last: date
    report: Report
    days: list[DayCount]
    escalation_flags: dict[str, int]
    question_groups: list[QuestionGroup]
    helpfulness: list[Helpfulness]

    @property
    def channels(self) -> list[str]:
        """The channels patients wrote on, busiest first."""
        return list(self.report.by_channel)

    @property
    def fallback_rate(self) -> float | None:
        """Messages the NLU was unsure of, as a share of all patient messages."""
        return rate(self.report.fallback, self.report.messages)

    @property
    def out_of_scope_rate(self) -> float | None:
        """Messages found off-topic, as a share of all patient messages."""
        return rate(self.report.out_of_scope, self.report.messages)


def build_dashboard(
    *, source: ReportSource, first: date, last: date, now: datetime
) -> Dashboard:
    """The figures of the days ``first`` to ``last`` (UTC), as of ``now``."""
    start, until = window(first, last, now)
    span = {"since": start.timestamp(), "until": until.timestamp()}
    report = build_report(source=source, since=until - start, now=until)
    return Dashboard(
        first=first,
        last=last,
        report=report,
        days=messages_per_day(source.turns(**span), first=first, last=last),
        escalation_flags=escalations_per_flag(source.escalation_flags(**span)),
        question_groups=group_similar(report.unanswered),
        helpfulness=helpfulness(report),
    )


def window(first: date, last: date, now: datetime) -> tuple[datetime, datetime]:
    """From the start of ``first`` to the end of ``last`` (UTC), or to ``now`` if sooner."""
    start = datetime.combine(first, time(), timezone.utc)
    end = datetime.combine(last + timedelta(days=1), time(), timezone.utc)
    return start, min(end, now)


def messages_per_day(turns: Iterable[Turn], *, first: date, last: date) -> list[DayCount]:
    """Patient messages per UTC day and channel, for every day from ``first`` to ``last``."""
    counts: dict[date, Counter[str]] = {
        first + timedelta(days=n): Counter() for n in range((last - first).days + 1)
    }
    for turn in turns:
        day = datetime.fromtimestamp(turn.occurred_at, timezone.utc).date()
        if day in counts:
            counts[day][turn.channel] += 1
    return [DayCount(day, sorted_counts(channels)) for day, channels in counts.items()]


def escalations_per_flag(flag_lists: Iterable[list[str]]) -> dict[str, int]:
    """How many escalations named each flag; most frequent first."""
    counts: Counter[str] = Counter()
    for flags in flag_lists:
        counts.update(set(flags) or {NO_FLAG})
    return sorted_counts(counts)


def rate(part: int, whole: int) -> float | None:
    """``part / whole``, or None when ``whole`` is 0."""
    return part / whole if whole else None


def helpfulness(report: Report) -> list[Helpfulness]:
    """Votes per answer and version; per answer (version unknown) for answers nobody rated."""
    rows = [_votes(topic, version, votes)
            for topic, versions in report.feedback_by_version.items()
            for version, votes in versions.items()]
    rated = {row.topic for row in rows}
    rows += [_votes(topic, None, votes) for topic, votes in report.feedback.items()
             if topic not in rated]
    return sorted(rows, key=lambda row: (row.topic, row.version or 0))


def _votes(topic: Any, version: Any, votes: Mapping[str, Any]) -> Helpfulness:
    number = int(version) if version is not None else None
    return Helpfulness(str(topic), number, int(votes.get("helpful", 0)),
                       int(votes.get("not_helpful", 0)))
