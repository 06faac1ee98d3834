"""How an answer looks to a patient: the web text as HTML, the SMS text as a phone shows it.

The web text is light Markdown (paragraphs, ``**bold**``, ``-`` and ``1.`` lists). This renderer
knows only that, and escapes everything first, so an answer can never carry HTML or links.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

from markupsafe import Markup

from bot.content.lint import MAX_SMS_CHARS, gsm7_septets, sms_parts

_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def _inline(text: str) -> str:
    return _BOLD.sub(r"<strong>\1</strong>", html.escape(text, quote=False))


def _list_kind(line: str) -> tuple[str | None, str]:
    for tag, pattern in (("ul", _BULLET), ("ol", _NUMBERED)):
        match = pattern.match(line)
        if match:
            return tag, match.group(1)
    return None, line.strip()


def _block(lines: list[str]) -> list[str]:
    out: list[str] = []
    paragraph: list[str] = []
    open_list: str | None = None
    for line in lines:
        tag, body = _list_kind(line)
        if tag != open_list and open_list is not None:
            out.append(f"</{open_list}>")
            open_list = None
        if tag is None:
            paragraph.append(_inline(body))
            continue
        if paragraph:
            out.append(f"<p>{' '.join(paragraph)}</p>")
            paragraph = []
        if open_list is None:
            out.append(f"<{tag}>")
            open_list = tag
        out.append(f"<li>{_inline(body)}</li>")
    if open_list:
        out.append(f"</{open_list}>")
    if paragraph:
        out.append(f"<p>{' '.join(paragraph)}</p>")
    return out


def web_html(text: str) -> Markup:
    """The web text as safe HTML: paragraphs, bold and lists only."""
    blocks = re.split(r"\n\s*\n", text.strip())
    parts = [piece for block in blocks if block.strip() for piece in _block(block.splitlines())]
    return Markup("\n".join(parts))


@dataclass(frozen=True)
class SmsView:
    """The SMS text and the numbers an editor needs about it."""

    text: str
    chars: int
    limit: int
    parts: int
    gsm7: bool

    @property
    def over(self) -> bool:
        """True when the text is longer than the limit."""
        return self.chars > self.limit


def sms_view(sms_text: str) -> SmsView:
    """Length, SMS segments and character set of ``sms_text``."""
    return SmsView(
        text=sms_text,
        chars=len(sms_text),
        limit=MAX_SMS_CHARS,
        parts=sms_parts(sms_text),
        gsm7=gsm7_septets(sms_text) is not None,
    )
