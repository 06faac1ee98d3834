"""Pure text rules of the SMS channel: segments, polite cuts, numbered choices, keywords.

A message is sent as GSM-7 when every character is in the GSM 03.38 alphabet, else as UCS-2.
Two concatenated segments hold 306 GSM-7 septets (the extension table's characters take two) or
134 UCS-2 code units: that is the most one outgoing message may use.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

MAX_GSM7_SEPTETS = 2 * 153
MAX_UCS2_UNITS = 2 * 67
ELLIPSIS = "..."

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")

# Typography that would turn a whole message into UCS-2 (halving its room) for one character.
_PLAIN = str.maketrans(
    {
        **dict.fromkeys("\u2018\u2019\u201a\u2032", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u2033", '"'),
        **dict.fromkeys("\u2013\u2014\u2212\u2022", "-"),
        **dict.fromkeys("\u00a0\u202f", " "),
        "\u2026": ELLIPSIS,
        "\u200b": "",
    }
)
_SENTENCE_END = re.compile(r"[.!?](?=\s)")
_CHOICE = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")


class Keyword(Enum):
    """Carrier keywords every SMS program must honour."""

    STOP = "stop"
    START = "start"
    HELP = "help"


KEYWORDS = {
    **dict.fromkeys(("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"), Keyword.STOP),
    **dict.fromkeys(("START", "UNSTOP"), Keyword.START),
    **dict.fromkeys(("HELP", "INFO"), Keyword.HELP),
}


def keyword_of(body: str | None) -> Keyword | None:
    """The keyword ``body`` is, if it is one listed word ("stop", " Stop. ", not "stop it")."""
    return KEYWORDS.get(_bare(body).upper())


@dataclass(frozen=True)
class Choice:
    """One button sent as a choice by SMS: its title and the payload it stands for."""

    title: str
    payload: str


def choice_number(body: str | None) -> int | None:
    """The number a patient replied to a numbered list ("2", " 2. ", "2)"), if that is all."""
    match = _CHOICE.match(body or "")
    return int(match.group(1)) if match else None


def chosen(body: str | None, titles: Sequence[str]) -> int | None:
    """Which of ``titles`` (1-based) a reply picks, if it picks one.

    Its number ("2"); the title itself in any case ("yes", "None of these"); or, alone, a
    title's first letter ("Y", "n") when no other title starts with it.
    """
    number = choice_number(body)
    if number is not None:
        return number if 1 <= number <= len(titles) else None
    word = _bare(body).casefold()
    if not word:
        return None
    for picked in (
        [title.casefold() == word for title in titles],
        [len(word) == 1 and title[:1].casefold() == word for title in titles],
    ):
        if picked.count(True) == 1:
            return picked.index(True) + 1
    return None


def _bare(body: str | None) -> str:
    """The reply without spaces and end punctuation around it."""
    return (body or "").strip().strip(".!").strip()


def plain(text: str) -> str:
    """Replace typographic quotes, dashes and spaces by their GSM-7 equivalents."""
    return text.translate(_PLAIN).strip()


def is_gsm7(text: str) -> bool:
    """True if ``text`` can be sent in the GSM-7 alphabet."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def _gsm7_cost(ch: str) -> int:
    return 2 if ch in GSM7_EXTENDED else 1


def _ucs2_cost(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1  # outside the BMP: a surrogate pair


def units(text: str) -> tuple[int, int]:
    """``(used, limit)``: the size of ``text`` in its encoding and the two-segment limit."""
    if is_gsm7(text):
        return sum(map(_gsm7_cost, text)), MAX_GSM7_SEPTETS
    return sum(map(_ucs2_cost, text)), MAX_UCS2_UNITS


def fits(text: str) -> bool:
    """True if ``text`` goes out in at most two segments."""
    used, limit = units(text)
    return used <= limit


def _longest_prefix(text: str, budget: int) -> int:
    """How many leading characters of ``text`` fit in ``budget`` units of its encoding."""
    cost = _gsm7_cost if is_gsm7(text) else _ucs2_cost
    used = 0
    for index, ch in enumerate(text):
        used += cost(ch)
        if used > budget:
            return index
    return len(text)


def cut(text: str) -> str:
    """``text`` within two segments: whole sentences if they fill most of it, else words + "..."."""
    text = plain(text)
    if fits(text):
        return text
    _, limit = units(text)
    head = text[: _longest_prefix(text, limit)]
    sentence_ends = [m.end() for m in _SENTENCE_END.finditer(head + " ")]
    if sentence_ends and sentence_ends[-1] >= len(head) // 2:
        return head[: sentence_ends[-1]].strip()
    head = text[: _longest_prefix(text, limit - len(ELLIPSIS))]
    words = head.rsplit(None, 1)[0] if " " in head.strip() else head
    return words.rstrip(" ,;:-") + ELLIPSIS


def choices_line(titles: Sequence[str]) -> str:
    """``Reply 1 for A, 2 for B or 3 for C.``, or by letter: ``Reply Y for Yes or N for No.``.

    Letters when every title is one word and no two start with the same letter (``chosen``).
    """
    keys = [title[:1].upper() for title in titles]
    if not all(title.isalpha() for title in titles) or len(set(keys)) < len(keys):
        keys = [str(number) for number in range(1, len(titles) + 1)]
    options = [f"{key} for {plain(title)}" for key, title in zip(keys, titles, strict=True)]
    if len(options) > 1:
        options[-2:] = [f"{options[-2]} or {options[-1]}"]
    return f"Reply {', '.join(options)}."


def appended(previous: str, body: str) -> str | None:
    """``previous`` and ``body`` as one SMS, if together they still fit in two segments."""
    together = f"{previous}\n{body}"
    return together if fits(together) else None


def with_choices(text: str, titles: Sequence[str]) -> list[str]:
    """The SMS for a message with buttons: one if text and choices fit together, else two."""
    line = choices_line(titles)
    together = f"{plain(text)}\n{line}" if text.strip() else line
    if fits(together):
        return [together]
    return [cut(text), cut(line)] if text.strip() else [cut(line)]
