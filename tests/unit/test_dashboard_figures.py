"""The dashboard's figures beyond the report, over the fake report source."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from bot.analytics.turns import Turn
from bot.reporting.dashboard import (
    NO_FLAG,
    DayCount,
    Helpfulness,
    build_dashboard,
    escalations_per_flag,
    helpfulness,
    messages_per_day,
    rate,
    window,
)
from bot.reporting.figures import Report
from bot.reporting.source import PublishedItem
from tests.unit.fakes import FakeEscalation, FakeReportSource

DAY1, DAY3 = date(2026, 11, 1), date(2026, 11, 3)
NOON = timedelta(hours=12)


def at(day: date, offset: timedelta = NOON) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc) + offset


def said(when: datetime, channel: str = "rest", intent: str = "faq_duration",
         sender: str = "p1", text: str = "a question", topic: str | None = None) -> Turn:
    """One turn as the event broker records it (text kept only when it was not answered)."""
    missed = intent in ("nlu_fallback", "out_of_scope")
    return Turn(sender, when.timestamp(), channel, intent=intent, topic=topic,
                fallback=intent == "nlu_fallback", out_of_scope=intent == "out_of_scope",
                text=text if missed else None)


def test_every_day_is_listed_with_its_messages_per_channel() -> None:
    turns = [said(at(DAY1), "rest"), said(at(DAY1), "sms"), said(at(DAY1), "sms"),
             said(at(DAY3), "rest")]
    days = messages_per_day(turns, first=DAY1, last=DAY3)
    assert days == [DayCount(DAY1, {"sms": 2, "rest": 1}), DayCount(date(2026, 11, 2), {}),
                    DayCount(DAY3, {"rest": 1})]
    assert [d.total for d in days] == [3, 0, 1]


def test_days_are_utc_days_and_stray_events_are_left_out() -> None:
    last_second = at(DAY1, timedelta(hours=23, minutes=59, seconds=59))
    turns = [said(last_second), said(at(DAY1 + timedelta(days=1), timedelta())),
             said(at(DAY1 - timedelta(days=1)))]
    days = messages_per_day(turns, first=DAY1, last=DAY1 + timedelta(days=1))
    assert [d.total for d in days] == [1, 1]


def test_an_escalation_counts_once_under_each_flag_it_named() -> None:
    flags = escalations_per_flag([["fever", "fall"], ["fall", "fall"], [], ["chest_pain"]])
    assert flags == {"fall": 2, NO_FLAG: 1, "chest_pain": 1, "fever": 1}
    assert escalations_per_flag([]) == {}


def test_rates_are_none_without_messages() -> None:
    assert rate(1, 4) == 0.25
    assert rate(0, 0) is None
    assert Helpfulness("duration", None, 0, 0).share is None
    assert Helpfulness("duration", 2, 3, 1).share == 0.75


def test_the_window_runs_from_midnight_to_the_end_of_the_last_day_or_now() -> None:
    start, until = window(DAY1, DAY3, now=at(DAY3 + timedelta(days=5)))
    assert (start, until) == (at(DAY1, timedelta()), at(DAY3 + timedelta(days=1), timedelta()))
    assert window(DAY1, DAY3, now=at(DAY3))[1] == at(DAY3)


def report(**fields: Any) -> Report:
    values: dict[str, Any] = {
        "since": "", "until": "", "messages": 0, "conversations": 0, "by_channel": {},
        "topics": {}, "fallback": 0, "out_of_scope": 0, "escalations": {}, "feedback": {},
    }
    values.update(fields)
    return Report(**values)


def test_helpfulness_per_answer_when_the_report_has_no_versions() -> None:
    votes = {"driving": {"helpful": 2, "not_helpful": 1}, "cost": {"helpful": 0, "not_helpful": 0}}
    assert helpfulness(report(feedback=votes)) == [Helpfulness("cost", None, 0, 0),
                                                   Helpfulness("driving", None, 2, 1)]


def test_helpfulness_per_answer_and_version_when_the_report_has_them() -> None:
    by_version = {"driving": {"2": {"helpful": 1, "not_helpful": 3},
                              "1": {"helpful": 4, "not_helpful": 0}}}
    feedback = {"driving": {"helpful": 5, "not_helpful": 3},
                "cost": {"helpful": 0, "not_helpful": 0}}
    rows = helpfulness(report(feedback=feedback, feedback_by_version=by_version))
    assert rows == [Helpfulness("cost", None, 0, 0), Helpfulness("driving", 1, 4, 0),
                    Helpfulness("driving", 2, 1, 3)]


def test_the_dashboard_gathers_every_figure_of_the_range() -> None:
    turns = [said(at(DAY1), "rest", topic="duration"),
             said(at(DAY1), "sms", "nlu_fallback", "p2", "can I do pilates"),
             said(at(DAY3), "sms", "out_of_scope", "p2", "is pilates ok for me"),
             said(at(DAY3 + timedelta(days=1)), "rest")]  # after the range
    later = at(DAY3 + timedelta(days=1)).timestamp()
    escalations = [FakeEscalation(at(DAY1).timestamp(), "urgent", ["fever"]),
                   FakeEscalation(later, "crisis", ["self_harm"])]
    source = FakeReportSource(turns=turns, escalations=escalations,
                              published=[PublishedItem("cost", "faq", "2026-11-02")])
    board = build_dashboard(source=source, first=DAY1, last=DAY3, now=at(DAY3 + timedelta(days=9)))
    assert (board.report.messages, board.report.by_channel) == (3, {"sms": 2, "rest": 1})
    assert [d.total for d in board.days] == [2, 0, 1]
    assert board.channels == ["sms", "rest"]
    assert board.escalation_flags == {"fever": 1}
    assert board.report.escalations == {"crisis": 0, "emergency": 0, "urgent": 1}
    assert (board.fallback_rate, board.out_of_scope_rate) == (1 / 3, 1 / 3)
    assert [(g.text, g.count) for g in board.question_groups] == [("can I do pilates", 2)]
    assert board.helpfulness == [Helpfulness("duration", None, 0, 0)]
    assert board.report.overdue_reviews == ["cost"]  # due on the 2nd: overdue by the 3rd's end
