"""The dashboard's date range: defaults, and a clear message for each wrong input."""
from __future__ import annotations

import re
from datetime import date

import pytest

from bot.web.dashboard.dates import BadRange, DateRange, parse_range

TODAY = date(2026, 11, 30)


@pytest.mark.parametrize(("args", "expected"), [
    ({}, DateRange(date(2026, 11, 1), TODAY)),  # the last 30 days, today included
    ({"from": "", "to": " "}, DateRange(date(2026, 11, 1), TODAY)),
    ({"from": "2026-11-20"}, DateRange(date(2026, 11, 20), TODAY)),
    ({"to": "2026-10-31"}, DateRange(date(2026, 10, 2), date(2026, 10, 31))),
    ({"from": "2026-11-30", "to": "2026-11-30"}, DateRange(TODAY, TODAY)),
    ({"from": "2025-11-30"}, DateRange(date(2025, 11, 30), TODAY)),  # 366 days, the most
])
def test_the_range_asked_for(args: dict[str, str], expected: DateRange) -> None:
    assert parse_range(args, today=TODAY) == expected


@pytest.mark.parametrize(("args", "field", "message"), [
    ({"from": "30/11/2026"}, "from", "From: '30/11/2026' is not a date; write it as YYYY-MM-DD"),
    ({"to": "2026-02-30"}, "to", "To: '2026-02-30' is not a date"),
    ({"to": "x" * 500}, "to", "'" + "x" * 20 + "…' is not a date"),
    ({"to": "2026-12-01"}, "to", "To: 2026-12-01 is after today (2026-11-30)."),
    ({"from": "2026-11-10", "to": "2026-11-09"}, "from", "the first day comes after the last"),
    ({"from": "2025-11-29"}, "from", "at most 366 days"),
])
def test_wrong_input_names_the_field_and_says_what_is_wrong(
    args: dict[str, str], field: str, message: str
) -> None:
    with pytest.raises(BadRange, match=re.escape(message)) as caught:
        parse_range(args, today=TODAY)
    assert caught.value.field == field


def test_the_range_gives_back_its_query() -> None:
    assert DateRange(date(2026, 11, 1), TODAY).query() == {"from": "2026-11-01", "to": "2026-11-30"}
