"""Labelled red-flag messages: the learned screen's training and validation corpus.

Files are YAML lists of ``{tier, flag, text}`` under ``cases`` (``data/red_flags/``). ``tier`` is
``emergency``, ``crisis``, ``urgent`` (must escalate), ``soon`` (tell the care team within days) or
``none`` (must not escalate); ``flag`` names the red flag (a catalog id) or, for ``none``, the kind
of trap the message is (``other_sense``, ``negated``…), which the screen learns as plain "none".
Pure data handling: no Rasa, no spaCy.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

ESCALATION_TIERS = ("emergency", "crisis", "urgent")
SOON = "soon"
NONE = "none"
TIERS = (*ESCALATION_TIERS, SOON, NONE)
NONE_LABEL = "none"
"""The learned screen's label for every message that must not escalate or get the soon line."""
SOON_LABEL = "not_improving"

# Corpus writers were briefed with plain flag names; the catalog's id where it differs.
FLAG_ALIASES = {"hip_deformity": "deformity"}
TIER_ALIASES = {"calm": NONE}


class CorpusError(ValueError):
    """A corpus file is malformed (unknown tier, missing text…)."""


@dataclass(frozen=True)
class LabelledMessage:
    """One message and what must happen to it."""

    text: str
    tier: str
    flag: str

    @property
    def label(self) -> str:
        """The class the screen learns: the flag id, ``not_improving``, or ``none``."""
        if self.tier == NONE:
            return NONE_LABEL
        if self.tier == SOON:
            return SOON_LABEL
        return self.flag

    @property
    def must_escalate(self) -> bool:
        """True for emergency, crisis and urgent messages."""
        return self.tier in ESCALATION_TIERS


def load_corpus(paths: Iterable[Path]) -> list[LabelledMessage]:
    """Every message of the YAML corpus files (or folders of them), in file order."""
    messages: list[LabelledMessage] = []
    for path in _files(paths):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for index, case in enumerate(data.get("cases") or []):
            messages.append(_message(case, f"{path}#{index}"))
    return messages


def _files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.yml")) if path.is_dir() else [path])
    return files


def _message(case: dict, origin: str) -> LabelledMessage:
    tier = str(case.get("tier", case.get("expect", ""))).strip()
    tier = TIER_ALIASES.get(tier, tier)
    text = str(case.get("text") or "").strip()
    if tier not in TIERS:
        raise CorpusError(f"{origin}: tier must be one of {TIERS}, not {tier!r}")
    if not text:
        raise CorpusError(f"{origin}: empty text")
    flag = str(case.get("flag") or "").strip()
    return LabelledMessage(text=text, tier=tier, flag=FLAG_ALIASES.get(flag, flag))


def deduplicated(messages: Sequence[LabelledMessage]) -> list[LabelledMessage]:
    """The messages without repeats of the same normalised text (first one kept)."""
    seen: set[str] = set()
    unique = []
    for message in messages:
        key = " ".join(message.text.lower().split())
        if key not in seen:
            seen.add(key)
            unique.append(message)
    return unique
