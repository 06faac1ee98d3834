"""The report's figures over a fake source: turns, votes, escalations and the catalog."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from bot.analytics.repository import FeedbackEntry
from bot.analytics.turns import Turn
from bot.reporting.figures import build_report
from bot.reporting.render import as_text
from bot.reporting.source import PublishedItem
from tests.unit.fakes import FakeEscalation, FakeReportSource

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)
T = (NOW - timedelta(days=1)).timestamp()


def turn(conversation: str, channel: str = "rest", **fields: object) -> Turn:
    return Turn(conversation=conversation, occurred_at=T, channel=channel, **fields)  # type: ignore[arg-type]


def vote(answer: str, version: int, helpful: bool, at: float = T) -> FeedbackEntry:
    return FeedbackEntry(at, "c", "rest", answer, version, helpful)


SOURCE = FakeReportSource(
    turns=[
        turn("a", topic="duration"), turn("a", topic="duration"), turn("a", intent="feedback"),
        turn("b", "sms", topic="driving"), turn("b", "sms", fallback=True, text="asdf"),
        turn("b", "sms", out_of_scope=True, text="What about my cat?"),
        turn("c", out_of_scope=True, text="what about my cat"),
        turn("c", channel_line="too_long"),
        Turn("old", (NOW - timedelta(days=40)).timestamp(), "rest", topic="cost"),
    ],
    votes=[vote("duration", 3, True), vote("duration", 3, False), vote("duration", 4, True),
           vote("cost", 1, False), vote("driving", 2, True, at=T - 40 * 86400)],
    escalations=[FakeEscalation(T, "urgent")],
    published=[PublishedItem("cost", "faq", "2026-11-01"), PublishedItem("work", "faq", None)],
)


def test_message_figures_come_from_the_turns_in_the_window() -> None:
    report = build_report(source=SOURCE, since=timedelta(days=30), now=NOW)
    assert (report.messages, report.conversations) == (8, 3)
    assert report.by_channel == {"rest": 5, "sms": 3}
    assert report.topics == {"duration": 2, "driving": 1}
    assert (report.fallback, report.out_of_scope) == (1, 2)
    assert report.unanswered == [{"text": "What about my cat?", "count": 2},
                                 {"text": "asdf", "count": 1}]
    assert report.escalations == {"crisis": 0, "emergency": 0, "urgent": 1}
    assert report.overdue_reviews == ["cost"]


def test_votes_count_per_topic_and_per_version() -> None:
    report = build_report(source=SOURCE, since=timedelta(days=30), now=NOW).as_json()
    assert report["feedback"] == {
        "duration": {"helpful": 2, "not_helpful": 1},
        "driving": {"helpful": 0, "not_helpful": 0},  # answered, nobody voted in the window
        "cost": {"helpful": 0, "not_helpful": 1},  # voted on, answered before the window
    }
    assert report["feedback_by_version"] == {
        "cost": {"1": {"helpful": 0, "not_helpful": 1}},
        "duration": {"3": {"helpful": 1, "not_helpful": 1}, "4": {"helpful": 1, "not_helpful": 0}},
    }


def test_an_empty_window_has_zeros_and_no_feedback() -> None:
    report = build_report(source=FakeReportSource(), since=timedelta(days=1), now=NOW)
    assert (report.messages, report.topics, report.feedback, report.feedback_by_version) == (
        0, {}, {}, {})
    assert date.fromisoformat(report.until[:10]) == NOW.date()


def test_the_text_report_shows_votes_per_version() -> None:
    text = as_text(build_report(source=SOURCE, since=timedelta(days=30), now=NOW))
    assert "feedback (helpful/not helpful): duration 2/1, driving 0/0, cost 0/1" in text
    assert "feedback per version: cost v1 0/1, duration v3 1/1, duration v4 1/0" in text
