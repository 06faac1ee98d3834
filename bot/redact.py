"""Take personal details out of a patient's message before it is stored or logged.

``redact(text)`` replaces phone numbers, e-mail addresses, dates (of birth, or any full date),
street addresses and self-introduced names with tags: ``[phone]``, ``[email]``, ``[date]``,
``[address]``, ``[name]``. Clinical figures stay: temperatures (``38.5``, ``101F``), doses
(``800-1000 IU``), durations (``6 weeks``), ages (``I'm 45``), pain scores (``7/10``).

Pure functions over text: no I/O, nothing loaded at import but compiled patterns.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from phonenumbers import Leniency, PhoneNumberMatcher

PHONE, EMAIL, DATE, ADDRESS, NAME = "[phone]", "[email]", "[date]", "[address]", "[name]"
DEFAULT_REGIONS = ("US", "GB")  # how numbers without a country code are read

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?:[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d\d"
_DATES = [
    re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})\b"),  # 03/12/1980, 3.12.80
    re.compile(r"\b\d{4}-\d{1,2}-\d{1,2}\b"),  # 1980-12-03
    re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?:,?\s+{_YEAR}\b)?", re.IGNORECASE),  # March 3rd 1980
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?\b", re.IGNORECASE),  # 3 March
    re.compile(rf"\b{_MONTH}\s+{_YEAR}\b", re.IGNORECASE),  # March 1980
    re.compile(rf"(?:(?<=\bborn )|(?<=\bborn in ))\s*{_YEAR}\b", re.IGNORECASE),  # born 1980
    re.compile(r"(?<=\bdob[:\s])\s*\d[\d/.-]*", re.IGNORECASE),  # DOB 3/12, DOB: 1980
]

_STREET_WORDS = (
    r"street|avenue|road|lane|drive|boulevard|court|way|place|close|crescent|terrace"
    r"|square|parkway|highway|gardens|grove|ave|blvd|ln"
)
_ADDRESSES = [
    # 12 Oak Street, 4B elm avenue
    re.compile(rf"\b\d+[a-z]?\s+(?:[a-z]+\s+){{1,3}}(?:{_STREET_WORDS})\b\.?", re.IGNORECASE),
    # 12 Oak St / 9 Mill Rd: abbreviations only after capitalised words ("2 nights at St Mary's")
    re.compile(r"\b\d+[A-Za-z]?\s+(?:[A-Z][a-z]+\s+){1,3}(?:St|Rd|Dr)\b\.?"),
    re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b"),  # UK postcode SW1A 1AA
    re.compile(r"(?<=\blive at )[^.,;!?\n]+", re.IGNORECASE),
    re.compile(r"(?<=\baddress is )[^.;!?\n]+", re.IGNORECASE),
]

_NAME_WORD = r"[A-Za-z][A-Za-z'-]*"
# "my name is maria lopez": whatever follows is a name, whatever its case
_NAMED = re.compile(
    rf"\b(?:my name is|my name's|name's|call me|i am called|i'm called)\s+"
    rf"({_NAME_WORD}(?:\s+(?!and\b|i\b|but\b){_NAME_WORD}){{0,2}})",
    re.IGNORECASE,
)
# "I'm Maria", "this is John Smith": only a capitalised word that is not a common one
_INTRODUCED = re.compile(
    r"\b(?:[Ii]'m|[Ii] am|[Tt]his is|[Ii]t's|[Hh]ere is|[Hh]ere's)\s+"
    r"([A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+){0,2})"
)
_NOT_NAMES = frozenset(
    "i ok okay fine good better worse well sorry sure not so very still really just also "
    "afraid worried scared tired sore pregnant able unable back home here there new "
    "toh mri ct hip the a an in on at with from my it this that what how why when "
    "monday tuesday wednesday thursday friday saturday sunday today tomorrow yesterday "
    "english spanish dr doctor nurse mr mrs ms miss back later now soon please if you "
    "diabetic asthmatic allergic anemic anaemic overweight postpartum breastfeeding female male "
    "old young retired due feeling having taking getting going using on off over under "
    "confused dizzy numb limping walking day week month year night morning".split()
)

_PHONE_UNITS = re.compile(r"\s*(?:iu|mg|mcg|ug|ml|g|units?|steps|%)\b", re.IGNORECASE)
_LOCAL_SHAPE = re.compile(r"^\d{3}[-.\s]\d{4}$")
_DIGIT_RUN = re.compile(r"(?<![\w.])\+?\(?\d[\d\s().-]{7,}\d(?!\w)")


def redact(text: str, regions: Sequence[str] = DEFAULT_REGIONS) -> str:
    """``text`` with personal details replaced by tags (see the module's docstring)."""
    text = _EMAIL.sub(EMAIL, text)
    for pattern in _DATES:
        text = pattern.sub(_tag(DATE), text)
    for pattern in _ADDRESSES:
        text = pattern.sub(_tag(ADDRESS), text)
    text = _redact_phones(text, regions)
    return _redact_names(text)


def _tag(tag: str) -> Callable[[re.Match[str]], str]:
    """A replacement by ``tag`` that keeps the match's leading white space."""
    return lambda match: match.group()[: len(match.group()) - len(match.group().lstrip())] + tag


def _redact_phones(text: str, regions: Sequence[str]) -> str:
    """Numbers ``phonenumbers`` finds in any of ``regions``, then any long run of digits."""
    spans: set[tuple[int, int]] = set()
    for region in regions:
        for match in PhoneNumberMatcher(text, region, leniency=Leniency.POSSIBLE):
            inside_word = _alnum_at(text, match.start - 1) or _alnum_at(text, match.end)
            if not inside_word and _is_phone(match.raw_string, text[match.end :]):
                spans.add((match.start, match.end))
    for run in _DIGIT_RUN.finditer(text):
        if len(re.sub(r"\D", "", run.group())) >= 9:
            spans.add(run.span())
    return _replace_spans(text, spans, PHONE)


def _alnum_at(text: str, index: int) -> bool:
    """Whether ``text[index]`` is a letter or digit (digits inside an id are not a phone)."""
    return 0 <= index < len(text) and text[index].isalnum()


def _is_phone(candidate: str, after: str) -> bool:
    """A possible number is a phone when it is long, international, or local-shaped (555-0199)."""
    digits = len(re.sub(r"\D", "", candidate))
    if candidate.startswith("+") or digits >= 9:
        return True
    return bool(_LOCAL_SHAPE.match(candidate)) and not _PHONE_UNITS.match(after)


def _replace_spans(text: str, spans: set[tuple[int, int]], tag: str) -> str:
    """Replace each span (overlaps merged) with ``tag``."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in reversed(merged):
        text = text[:start] + tag + text[end:]
    return text


def _redact_names(text: str) -> str:
    """Names after "my name is" (any case) and after "I'm"/"this is" (capitalised, uncommon)."""
    return _INTRODUCED.sub(_introduced, _NAMED.sub(_introduced, text))


def _introduced(match: re.Match[str]) -> str:
    """The introduction with its leading name words (up to a common word) replaced."""
    words = match.group(1).split()
    kept = 0
    while kept < len(words) and words[kept].lower() not in _NOT_NAMES:
        kept += 1
    if kept == 0:
        return match.group(0)
    prefix = match.group(0)[: match.start(1) - match.start(0)]
    rest = " ".join(words[kept:])
    return f"{prefix}{NAME}{' ' + rest if rest else ''}"


def redact_event(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of Rasa's JSON of an event with what the patient wrote redacted.

    A user event's ``text``, ``parse_data.text``, its entities' values and its ``metadata`` (a
    client may put anything there); a slot's text value. The assistant's own lines (bot events)
    are published content and stay as they are.
    """
    kind = data.get("event")
    if kind == "slot" and isinstance(data.get("value"), str):
        return {**data, "value": redact(data["value"])}
    if kind != "user":
        return data
    result = {**data, "metadata": _redact_values(data.get("metadata"))}
    if isinstance(data.get("text"), str):
        result["text"] = redact(data["text"])
    if isinstance(data.get("parse_data"), dict):
        result["parse_data"] = _redact_parse(data["parse_data"])
    return result


def _redact_parse(parse: dict[str, Any]) -> dict[str, Any]:
    """The NLU's parse with the text and entity values redacted (intents and scores kept)."""
    result = dict(parse)
    if isinstance(parse.get("text"), str):
        result["text"] = redact(parse["text"])
    entities = parse.get("entities")
    if isinstance(entities, list):
        result["entities"] = [_redact_values(entity) for entity in entities]
    return result


def _redact_values(value: Any) -> Any:
    """Every string inside ``value`` (dicts and lists walked) redacted; keys kept."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _redact_values(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact_values(item) for item in value]
    return value
