"""Clinic hours at fixed times: open or not, when it next opens, the hours in words."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.clinic_hours import BadClinicHours, ClinicHours, clock_words
from bot.config import Clinic, load_settings

NEW_YORK = ZoneInfo("America/New_York")
HOURS = ClinicHours.parse("Mon-Fri 08:00-17:00, Sat 09:30-12:00", "America/New_York")


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of the week of Monday 7 December 2026 in New York (day 0 = Monday)."""
    return datetime(2026, 12, 7, hour, minute, tzinfo=NEW_YORK) + timedelta(days=day)


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (local(0, 8), True),  # opening minute
        (local(0, 16, 59), True),
        (local(0, 17), False),  # closing time is closed
        (local(0, 7, 59), False),
        (local(2, 12), True),
        (local(5, 10), True),  # Saturday morning
        (local(5, 12, 30), False),
        (local(6, 10), False),  # Sunday
    ],
)
def test_open_or_closed_at_local_times(moment: datetime, is_open: bool) -> None:
    assert HOURS.is_open(moment) is is_open


def test_a_moment_in_another_zone_is_read_in_the_clinics() -> None:
    # 13:30 UTC on Monday is 8:30 in New York (EST, UTC-5): open; 13:30 in New York is not 8:30.
    assert HOURS.is_open(datetime(2026, 11, 30, 13, 30, tzinfo=timezone.utc))
    assert not HOURS.is_open(datetime(2026, 11, 30, 12, 30, tzinfo=timezone.utc))


@pytest.mark.parametrize(
    ("moment", "words"),
    [
        (local(0, 6), "today at 8 am"),  # early Monday
        (local(0, 18), "tomorrow at 8 am"),  # Monday evening
        (local(4, 17, 30), "tomorrow at 9:30 am"),  # Friday evening: Saturday's hours
        (local(5, 13), "on Monday at 8 am"),  # Saturday afternoon: over Sunday
        (local(6, 23, 59), "tomorrow at 8 am"),  # late Sunday
        (local(0, 8), "tomorrow at 8 am"),  # already open: the next opening
    ],
)
def test_when_the_clinic_next_opens_in_words(moment: datetime, words: str) -> None:
    assert HOURS.next_opening_words(moment) == words


def test_the_next_opening_is_in_the_clinics_zone() -> None:
    opening = HOURS.next_opening(datetime(2026, 12, 5, 23, 0, tzinfo=timezone.utc))
    assert opening == datetime(2026, 12, 7, 8, 0, tzinfo=NEW_YORK)


def test_hours_in_words() -> None:
    assert HOURS.describe() == "Monday to Friday, 8 am to 5 pm; Saturday, 9:30 am to 12 pm"
    assert [clock_words(t) for t in (local(0, 0).time(), local(0, 13, 5).time())] == [
        "12 am", "1:05 pm"]


@pytest.mark.parametrize(
    ("schedule", "zone", "named"),
    [
        ("", "UTC", "empty"),
        ("Mon-Fri 8am-5pm", "UTC", "Mon-Fri 8am-5pm"),
        ("Fri-Mon 08:00-17:00", "UTC", "ends before it starts"),
        ("Mon 17:00-08:00", "UTC", "ends before it starts"),
        ("Mon 08:00-25:00", "UTC", "25:00"),
        ("Mod 08:00-17:00", "UTC", "Mod"),
        ("Mon-Fri 08:00-17:00", "Mars/Olympus_Mons", "CLINIC_TIMEZONE"),
    ],
)
def test_a_schedule_that_cannot_be_read_is_refused_saying_what(
    schedule: str, zone: str, named: str
) -> None:
    with pytest.raises(BadClinicHours, match=named):
        ClinicHours.parse(schedule, zone)


def test_the_demo_clinic_is_open_weekdays_eight_to_five_in_new_york() -> None:
    clinic = Clinic()
    assert clinic.hours == "Monday to Friday, 8 am to 5 pm"
    assert clinic.schedule().is_open(local(1, 9))


def test_settings_read_the_hours_and_word_them_unless_told_otherwise() -> None:
    env = {"CLINIC_OPEN_HOURS": "Tue-Sat 10:00-18:00", "CLINIC_TIMEZONE": "Europe/London"}
    clinic = load_settings(env_file=None, environ=env).clinic
    assert clinic.hours == "Tuesday to Saturday, 10 am to 6 pm"
    assert clinic.schedule().zone == ZoneInfo("Europe/London")
    worded = load_settings(env_file=None, environ={**env, "CLINIC_HOURS": "most days"}).clinic
    assert worded.hours == "most days"
