"""The dashboard's date range, read from its GET form: ``from`` and ``to`` (YYYY-MM-DD, UTC)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

DEFAULT_DAYS = 30
MAX_DAYS = 366
LABELS = {"from": "From", "to": "To"}


class BadRange(ValueError):
    """The form's dates cannot be used; ``field`` names the one to correct."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class DateRange:
    """The days ``first`` to ``last``, both included."""

    first: date
    last: date

    def query(self) -> dict[str, str]:
        """The range as the form's query parameters."""
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}


def parse_range(args: Mapping[str, str], *, today: date) -> DateRange:
    """The range the form asks for; the last 30 days (today included) by default.

    Raises:
        BadRange: A date is not YYYY-MM-DD, ends after today, starts after it ends, or the range
            is longer than ``MAX_DAYS``.

    """
    last = _date(args, "to") or today
    first = _date(args, "from") or last - timedelta(days=DEFAULT_DAYS - 1)
    if last > today:
        raise BadRange("to", f"To: {last.isoformat()} is after today ({today.isoformat()}).")
    if first > last:
        raise BadRange("from", "From: the first day comes after the last one.")
    if (last - first).days >= MAX_DAYS:
        raise BadRange("from", f"From: choose a range of at most {MAX_DAYS} days.")
    return DateRange(first, last)


def _date(args: Mapping[str, str], name: str) -> date | None:
    value = (args.get(name) or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        shown = value if len(value) <= 20 else value[:20] + "…"
        raise BadRange(name, f"{LABELS[name]}: '{shown}' is not a date; "
                             "write it as YYYY-MM-DD, e.g. 2026-11-30.") from None
