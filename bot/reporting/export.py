"""The dashboard's figures as CSV: one row per figure, ``figure,key,detail,value``.

Every figure the dashboard shows, in the order it shows them (rates with four decimals, empty
when there were no messages). Patient-written texts (the unanswered questions) could start with
``=``, ``+``, ``-`` or ``@``, which a spreadsheet would run as a formula: such cells get a leading
apostrophe (OWASP's advice on CSV injection).
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from bot.reporting.dashboard import Dashboard

HEADER = ("figure", "key", "detail", "value")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
Row = tuple[str, str, str, str]


def to_csv(dashboard: Dashboard) -> str:
    """The CSV text of every figure of ``dashboard`` (header first)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(tuple(safe_cell(cell) for cell in row) for row in rows(dashboard))
    return buffer.getvalue()


def rows(dashboard: Dashboard) -> Iterator[Row]:
    """Every figure as ``(figure, key, detail, value)`` strings."""
    report = dashboard.report
    yield from (("range", "from", "", dashboard.first.isoformat()),
                ("range", "to", "", dashboard.last.isoformat()),
                ("messages", "", "", str(report.messages)),
                ("conversations", "", "", str(report.conversations)))
    for day in dashboard.days:
        yield ("messages_per_day", day.day.isoformat(), "all", str(day.total))
        for channel in dashboard.channels:
            yield ("messages_per_day", day.day.isoformat(), channel,
                   str(day.by_channel.get(channel, 0)))
    yield from _counts("messages_per_channel", report.by_channel)
    yield from _counts("topic_answers", report.topics)
    yield from (("fallback", "", "", str(report.fallback)),
                ("fallback_rate", "", "", _rate(dashboard.fallback_rate)),
                ("out_of_scope", "", "", str(report.out_of_scope)),
                ("out_of_scope_rate", "", "", _rate(dashboard.out_of_scope_rate)))
    yield from _unanswered(dashboard)
    yield from _helpfulness(dashboard)
    yield from _counts("escalations_per_tier", report.escalations)
    yield from _counts("escalations_per_flag", dashboard.escalation_flags)
    yield from (("overdue_review", item_id, "", "") for item_id in report.overdue_reviews)


def safe_cell(value: str) -> str:
    """``value``, with an apostrophe first if a spreadsheet would read it as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _counts(figure: str, counts: dict[str, int]) -> Iterator[Row]:
    return ((figure, key, "", str(count)) for key, count in counts.items())


def _unanswered(dashboard: Dashboard) -> Iterator[Row]:
    for group in dashboard.question_groups:
        yield ("unanswered_group", group.text, "", str(group.count))
        for wording in group.wordings:
            yield ("unanswered_wording", group.text, wording["text"], str(wording["count"]))


def _helpfulness(dashboard: Dashboard) -> Iterator[Row]:
    for row in dashboard.helpfulness:
        version = "" if row.version is None else str(row.version)
        yield ("helpful", row.topic, version, str(row.helpful))
        yield ("not_helpful", row.topic, version, str(row.not_helpful))


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"
