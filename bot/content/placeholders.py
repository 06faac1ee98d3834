"""Placeholders in content texts (``{clinic_phone}``…) and the one function that fills them.

Texts name the clinic through placeholders, so its name, phone, hours and after-hours line live
once, in configuration (``bot.config.Clinic``). A few items also take a value from code at send
time (``red_flag_reason`` takes ``{reason}``, ``human_handoff_closed`` ``{next_open}``); only
those items may use it. Filling is a single pass: a value that itself contains braces is never
filled again.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

from bot.config import Clinic

PLACEHOLDER = re.compile(r"\{([^{}\n]*)\}")
CLINIC_PLACEHOLDERS = tuple(Clinic().placeholders())
# Placeholders code fills for one item, with a plain example the publish gate and the editor's
# preview use to check and show the text as a patient reads it.
ITEM_PLACEHOLDERS: dict[str, dict[str, str]] = {
    "red_flag_reason": {"reason": "chest pain"},
    "human_handoff_closed": {"next_open": "tomorrow at 8 am"},
}


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each known ``{name}`` replaced by ``values[name]``; others left as written."""
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text)


def names_in(text: str) -> list[str]:
    """The placeholder names in ``text``, in order of first use."""
    return list(dict.fromkeys(PLACEHOLDER.findall(text)))


def has_stray_brace(text: str) -> bool:
    """True when a ``{`` or ``}`` is not part of a ``{name}``."""
    rest = PLACEHOLDER.sub("", text)
    return "{" in rest or "}" in rest


def allowed_for(item_id: str) -> tuple[str, ...]:
    """The placeholders item ``item_id`` may use: the clinic's, plus its own."""
    return CLINIC_PLACEHOLDERS + tuple(ITEM_PLACEHOLDERS.get(item_id, {}))


def preview_values(item_id: str, clinic: Clinic) -> dict[str, str]:
    """What the placeholders of ``item_id`` become in the gate and the preview."""
    return {**ITEM_PLACEHOLDERS.get(item_id, {}), **clinic.placeholders()}
