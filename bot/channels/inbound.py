"""What every patient channel does to a message before Rasa sees it, and to the replies after.

- Text starting with "/" is plain text on patient channels: Rasa would read "/deny" or
  "/greet{...}" as an intent and skip the NLU pipeline (and so red-flag screening). Only the exact
  payloads of our own buttons (``/faq_duration``, "Was this helpful?"'s
  ``/feedback{...}``…) pass as intents.
- Control characters and NUL bytes are dropped; very long text is cut to ``MAX_CHARS`` (the
  head is kept: that is what the classifier reads). ``Inbound.whole`` keeps up to
  ``SCREEN_CHARS`` of it, cleaned the same way, for the channel's own red-flag screen: a red flag
  anywhere in a long message still escalates (see ``bot.channels.gate``).
- A turn that produced no reply gets the "temporarily unavailable" message: never silence.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot import feedback
from bot.topics import FAQ_TOPICS

MAX_CHARS = 2000
# What the channel screens for red flags; a REST body is at most 64 KiB, so this is all of it.
SCREEN_CHARS = 64 * 1024
BUTTON_PAYLOAD = re.compile(
    r"^/("
    + "|".join(f"faq_{topic}" for topic in FAQ_TOPICS)
    + r"|none_of_these|greet|help|request_human|"
    + feedback.PAYLOAD_PATTERN
    + r")$"
)
_LEADING_SLASHES = re.compile(r"^[\s/\\]+")
_FALLBACK_UNAVAILABLE = (
    "Sorry, I am having trouble right now. If this is urgent, call 911 or your clinic."
)


@dataclass(frozen=True)
class Inbound:
    """A patient's message made safe for Rasa."""

    text: str
    empty: bool = False
    truncated: bool = False
    was_command: bool = False
    whole: str = ""  # the cleaned text up to SCREEN_CHARS; same as ``text`` when not truncated

    @property
    def screen_text(self) -> str:
        """What a red-flag screen should read: the whole message, not just its head."""
        return self.whole or self.text


# Format characters that carry meaning: zero-width (non-)joiners spell Persian, Indic scripts and
# emoji sequences. Other control and format characters (NUL, escapes, bidi overrides) go.
_KEPT_CONTROLS = "\n\t\u200c\u200d"


def _printable(raw: str) -> str:
    kept = (ch for ch in raw if ch in _KEPT_CONTROLS or unicodedata.category(ch)[0] != "C")
    return "".join(kept).strip().strip("\u200c\u200d").strip()  # joiners mean nothing at the ends


def clean_inbound(raw: object) -> Inbound:
    """Normalise what a patient sent into text Rasa can safely parse."""
    if isinstance(raw, bytes | bytearray):
        raw = bytes(raw[: 4 * SCREEN_CHARS]).decode("utf-8", errors="replace")
    if not isinstance(raw, str):
        return Inbound(text="", empty=True)
    cut_before_scan = len(raw) > SCREEN_CHARS
    text = _printable(raw[:SCREEN_CHARS])
    if not text:
        return Inbound(text="", empty=True)
    if BUTTON_PAYLOAD.match(text):
        return Inbound(text=text)
    was_command = text.startswith(("/", "\\"))
    if was_command:
        text = _LEADING_SLASHES.sub("", text) or "help"
    truncated = cut_before_scan or len(text) > MAX_CHARS
    return Inbound(
        text=text[:MAX_CHARS],
        truncated=truncated,
        was_command=was_command,
        whole=text if truncated else "",
    )


def unavailable_text(fetch: object = None) -> str:
    """The "temporarily unavailable" line, from the store when reachable."""
    if callable(fetch):
        try:
            return str(fetch())
        except Exception:  # noqa: BLE001 - the store being down is why we are here
            pass
    return _FALLBACK_UNAVAILABLE
