"""When the clinic is open: ``CLINIC_OPEN_HOURS`` ("Mon-Fri 08:00-17:00") in ``CLINIC_TIMEZONE``.

A schedule is one or more groups separated by commas, each a day or a day range and a time range:
``"Mon-Fri 08:00-17:00, Sat 09:00-12:00"``. It answers whether the clinic is open at a moment,
when it next opens (in words a patient reads: "tomorrow at 8 am"), and the hours in words for the
``{clinic_hours}`` placeholder ("Monday to Friday, 8 am to 5 pm").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_GROUP = re.compile(
    r"^(?P<first>[a-z]{3})(?:\s*-\s*(?P<last>[a-z]{3}))?\s+"
    r"(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})$"
)


class BadClinicHours(ValueError):
    """A schedule or time zone that cannot be read; the message says which and how to write it."""


@dataclass(frozen=True)
class Opening:
    """One day's opening: weekday (0 = Monday), from ``start`` until ``end``."""

    day: int
    start: time
    end: time


@dataclass(frozen=True)
class ClinicHours:
    """The clinic's weekly opening hours in its own time zone."""

    groups: tuple[tuple[int, int, time, time], ...]  # (first day, last day, start, end)
    zone: ZoneInfo

    @classmethod
    def parse(cls, schedule: str, timezone: str) -> ClinicHours:
        """Read ``"Mon-Fri 08:00-17:00, Sat 09:00-12:00"`` in the IANA zone ``timezone``.

        Raises:
            BadClinicHours: if a group, a time or the time zone cannot be read.

        """
        groups = tuple(_group(part) for part in schedule.split(",") if part.strip())
        if not groups:
            raise BadClinicHours("CLINIC_OPEN_HOURS is empty: write it like 'Mon-Fri 08:00-17:00'")
        try:
            return cls(groups, ZoneInfo(timezone))
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise BadClinicHours(f"CLINIC_TIMEZONE '{timezone}' is not a time zone name "
                                 "like 'America/New_York'") from error

    @property
    def openings(self) -> list[Opening]:
        """Every day's opening, Monday first."""
        found = [Opening(day, start, end) for first, last, start, end in self.groups
                 for day in range(first, last + 1)]
        return sorted(found, key=lambda opening: (opening.day, opening.start))

    def is_open(self, moment: datetime) -> bool:
        """True while the clinic is open at ``moment`` (an aware datetime)."""
        local = moment.astimezone(self.zone)
        return any(o.day == local.weekday() and o.start <= local.time() < o.end
                   for o in self.openings)

    def next_opening(self, moment: datetime) -> datetime:
        """The first opening after ``moment``, in the clinic's time zone."""
        local = moment.astimezone(self.zone)
        for offset in range(8):
            day = local.date() + timedelta(days=offset)
            starts = [datetime.combine(day, o.start, self.zone) for o in self.openings
                      if o.day == day.weekday()]
            later = [start for start in starts if start > local]
            if later:
                return min(later)
        raise AssertionError("a parsed schedule opens at least once a week")

    def next_opening_words(self, moment: datetime) -> str:
        """When the clinic next opens, in words: "today at 8 am", "on Monday at 9:30 am"."""
        opening = self.next_opening(moment)
        days = (opening.date() - moment.astimezone(self.zone).date()).days
        day = {0: "today", 1: "tomorrow"}.get(days, f"on {DAY_NAMES[opening.weekday()]}")
        return f"{day} at {clock_words(opening.time())}"

    def describe(self) -> str:
        """The hours in words: "Monday to Friday, 8 am to 5 pm; Saturday, 9 am to 12 pm"."""
        parts = []
        for first, last, start, end in self.groups:
            days = DAY_NAMES[first] if first == last else f"{DAY_NAMES[first]} to {DAY_NAMES[last]}"
            parts.append(f"{days}, {clock_words(start)} to {clock_words(end)}")
        return "; ".join(parts)


def clock_words(moment: time) -> str:
    """``08:00`` → "8 am", ``13:30`` → "1:30 pm", ``12:00`` → "12 pm"."""
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes} {'am' if moment.hour < 12 else 'pm'}"


def _group(text: str) -> tuple[int, int, time, time]:
    match = _GROUP.match(text.strip().lower())
    if not match or match["first"] not in DAYS or (match["last"] or "mon") not in DAYS:
        raise BadClinicHours(f"CLINIC_OPEN_HOURS part '{text.strip()}' is not like "
                             "'Mon-Fri 08:00-17:00'")
    first = DAYS.index(match["first"])
    last = DAYS.index(match["last"]) if match["last"] else first
    start, end = _clock(match["start"]), _clock(match["end"])
    if last < first or end <= start:
        raise BadClinicHours(f"CLINIC_OPEN_HOURS part '{text.strip()}' ends before it starts")
    return first, last, start, end


def _clock(text: str) -> time:
    hours, minutes = (int(part) for part in text.split(":"))
    try:
        return time(hours, minutes)
    except ValueError as error:
        raise BadClinicHours(f"CLINIC_OPEN_HOURS time '{text}' is not a time of day") from error
