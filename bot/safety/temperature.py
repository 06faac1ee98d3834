"""Body-temperature readings in free text: "temp 38.9", "101F", "39 C", "100.4 degrees", "38,5".

A number is read as a temperature when it carries a unit (°, degrees, C, F) or follows a cue word
("temp", "fever", "running"). Without an explicit scale, 34-44.5 is Celsius and 93-111 is
Fahrenheit; anything else is not a body temperature. Weather and bath-water readings are skipped.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_READING = re.compile(
    r"(?<![\d.,])(?P<value>\d{2,3}(?:[.,]\d{1,2})?)\s*"
    r"(?P<degree>°|º|˚|degrees?|degs?|grados?)?\s*"
    r"(?P<scale>celsius|centigrade|fahrenheit|[cf])?(?![a-z\d])",
    re.IGNORECASE,
)
_AFTER_WINDOW = 12
"""Characters after a reading in which "outside", "in the bath" still make it not the body's."""
_CLAUSE_MARKS = ".!?;,\n"
_NOT_BODY = re.compile(
    r"\b(outside|outdoors|weather|forecast|room|water|bath|shower|oven|pool|sauna|tub|"
    r"summer|winter|freezer|fridge)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Reading:
    """One temperature reading: character span, value, and scale ("C" or "F")."""

    start: int
    end: int
    value: float
    scale: str


CueCheck = Callable[[int, bool], bool]
"""``(offset, whole_sentence) -> bool``: is there a temperature cue word ("temp", "fever", ...)
shortly before ``offset`` (or, with ``whole_sentence``, anywhere earlier in its sentence)?"""


def find_readings(text: str, cue_before: CueCheck) -> list[Reading]:
    """Temperature readings in ``text``.

    Args:
        text: the message.
        cue_before: the cue check for unit-less numbers. A whole number needs the cue just
            before it ("temp 101"); a decimal one ("38.4") may take it from earlier in the
            sentence ("no fever yesterday but today it's 38.4").

    """
    readings = []
    for match in _READING.finditer(text):
        if _not_body(text, match):
            continue
        reading = _reading(match, cue_before)
        if reading is not None:
            readings.append(reading)
    return readings


def _not_body(text: str, match: re.Match[str]) -> bool:
    """Whether the number is the weather's or the water's, not the body's.

    A word for them earlier in its clause ("the bath was 38 degrees") or just after it ("40C
    outside"); "temp 100.0 after his shower" is the body's.
    """
    clause_start = max(text.rfind(mark, 0, match.start()) for mark in _CLAUSE_MARKS) + 1
    before = text[clause_start:match.start()]
    after = text[match.end():match.end() + _AFTER_WINDOW]
    return bool(_NOT_BODY.search(before) or _NOT_BODY.search(after))


def is_fever(reading: Reading, celsius_min: float, fahrenheit_min: float) -> bool:
    """Whether the reading is at or above the fever threshold for its scale."""
    threshold = celsius_min if reading.scale == "C" else fahrenheit_min
    return reading.value >= threshold


def _reading(match: re.Match[str], cue_before: CueCheck) -> Reading | None:
    raw = match.group("value")
    value = float(raw.replace(",", "."))
    scale = (match.group("scale") or "").lower()[:1]
    has_unit = bool(scale or match.group("degree"))
    if not has_unit and not cue_before(match.start(), "." in raw or "," in raw):
        return None
    resolved = _scale(value, scale)
    if resolved is None:
        return None
    end = match.end() if has_unit else match.end("value")
    return Reading(match.start(), end, value, resolved)


def _scale(value: float, scale: str) -> str | None:
    if scale == "c":
        return "C" if 30 <= value <= 46 else None
    if scale == "f":
        return "F" if 86 <= value <= 115 else None
    if 34 <= value <= 44.5:
        return "C"
    if 93 <= value <= 111:
        return "F"
    return None
