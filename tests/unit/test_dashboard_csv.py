"""The dashboard's CSV: every figure one row, and no patient text a spreadsheet would run."""
from __future__ import annotations

import csv
import io
from datetime import date

from bot.reporting.dashboard import Dashboard, DayCount, Helpfulness
from bot.reporting.export import HEADER, rows, safe_cell, to_csv
from bot.reporting.figures import Report
from bot.reporting.similar import QuestionGroup


def dashboard() -> Dashboard:
    report = Report(
        since="2026-11-01T00:00:00+00:00", until="2026-11-03T00:00:00+00:00", messages=4,
        conversations=2, by_channel={"sms": 3, "rest": 1}, topics={"duration": 1}, fallback=1,
        out_of_scope=2, escalations={"crisis": 0, "emergency": 1, "urgent": 0},
        feedback={"duration": {"helpful": 1, "not_helpful": 0}},
        unanswered=[{"text": "=HYPERLINK(\"x\")", "count": 2}, {"text": "yoga", "count": 1}],
        overdue_reviews=["cost"],
    )
    groups = [QuestionGroup("=HYPERLINK(\"x\")", 2, [{"text": "=HYPERLINK(\"x\")", "count": 2}]),
              QuestionGroup("yoga", 1, [{"text": "yoga", "count": 1}])]
    return Dashboard(
        first=date(2026, 11, 1), last=date(2026, 11, 2), report=report,
        days=[DayCount(date(2026, 11, 1), {"sms": 3}), DayCount(date(2026, 11, 2), {"rest": 1})],
        escalation_flags={"chest_pain": 1}, question_groups=groups,
        helpfulness=[Helpfulness("duration", 3, 1, 0)],
    )


def test_every_figure_is_a_row_in_the_order_of_the_page() -> None:
    assert list(rows(dashboard())) == [
        ("range", "from", "", "2026-11-01"),
        ("range", "to", "", "2026-11-02"),
        ("messages", "", "", "4"),
        ("conversations", "", "", "2"),
        ("messages_per_day", "2026-11-01", "all", "3"),
        ("messages_per_day", "2026-11-01", "sms", "3"),
        ("messages_per_day", "2026-11-01", "rest", "0"),
        ("messages_per_day", "2026-11-02", "all", "1"),
        ("messages_per_day", "2026-11-02", "sms", "0"),
        ("messages_per_day", "2026-11-02", "rest", "1"),
        ("messages_per_channel", "sms", "", "3"),
        ("messages_per_channel", "rest", "", "1"),
        ("topic_answers", "duration", "", "1"),
        ("fallback", "", "", "1"),
        ("fallback_rate", "", "", "0.2500"),
        ("out_of_scope", "", "", "2"),
        ("out_of_scope_rate", "", "", "0.5000"),
        ("unanswered_group", '=HYPERLINK("x")', "", "2"),
        ("unanswered_wording", '=HYPERLINK("x")', '=HYPERLINK("x")', "2"),
        ("unanswered_group", "yoga", "", "1"),
        ("unanswered_wording", "yoga", "yoga", "1"),
        ("helpful", "duration", "3", "1"),
        ("not_helpful", "duration", "3", "0"),
        ("escalations_per_tier", "crisis", "", "0"),
        ("escalations_per_tier", "emergency", "", "1"),
        ("escalations_per_tier", "urgent", "", "0"),
        ("escalations_per_flag", "chest_pain", "", "1"),
        ("overdue_review", "cost", "", ""),
    ]


def test_the_csv_has_a_header_and_patient_text_cannot_become_a_formula() -> None:
    parsed = list(csv.reader(io.StringIO(to_csv(dashboard()))))
    assert tuple(parsed[0]) == HEADER
    assert len(parsed) == 1 + len(list(rows(dashboard())))
    formulas = [cell for row in parsed for cell in row if cell.lstrip("'").startswith("=")]
    assert formulas == ["'=HYPERLINK(\"x\")"] * 3


def test_cells_that_start_like_a_formula_get_an_apostrophe() -> None:
    assert [safe_cell(v) for v in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "yoga", "")] == [
        "'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", "yoga", ""]
