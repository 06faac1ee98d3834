"""The channel's own red-flag screen, for the messages it answers without Rasa's full turn.

Rasa's ``RedFlagScreen`` reads what the channel hands it: the first ``MAX_CHARS`` of a message.
When the channel is about to answer by itself (a message too long, in another language, over
an abuse limit) it screens the **whole** text first, with the same detector and catalog; a live
red flag sends the message to Rasa after all, so the patient gets the escalation.

The detector (spaCy pipeline + compiled catalog) is built on first use, once per process.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from functools import lru_cache

from bot.channels.inbound import MAX_CHARS
from bot.config import get_settings
from bot.nlp import make_pipeline
from bot.safety.catalog import load_catalog
from bot.safety.detector import Finding, RedFlagDetector

logger = logging.getLogger(__name__)
_SENTENCE_END = ".!?\n"


@lru_cache(maxsize=1)
def shared_detector() -> RedFlagDetector:
    """The process's detector, from the catalog in the settings (built on first call)."""
    return RedFlagDetector(load_catalog(get_settings().red_flags_path), make_pipeline())


class RedFlagGate:
    """Finds a live red flag anywhere in a message and says what Rasa should be given."""

    def __init__(self, detector_factory: Callable[[], RedFlagDetector] = shared_detector) -> None:
        """``detector_factory`` is called on first use only."""
        self._factory = detector_factory
        # Screening 64 KiB takes most of a second of CPU and happens even over the limits: one
        # long text at a time, so a flood of them cannot take every core from short messages.
        self._one_long_text = asyncio.Semaphore(1)

    def escalation_text(self, text: str) -> str | None:
        """Text for Rasa that escalates like ``text`` does; None without a live red flag.

        Short text is passed as it is. From a long one, the sentences holding the flags are cut
        out (the patient's own words, re-screened here); if they do not screen the same on
        their own, Rasa gets the escalation intent itself (``/escalate_<tier>``).
        """
        detector = self._factory()
        live = detector.live(text)
        if not live:
            return None
        if len(text) <= MAX_CHARS:
            return text
        excerpt = flagged_sentences(text, live)[:MAX_CHARS]
        again = detector.live(excerpt)
        if again and again[0].tier == live[0].tier:
            return excerpt
        return f"/escalate_{live[0].tier}"

    async def escalation_text_async(self, text: str) -> str | None:
        """``escalation_text`` in a worker thread (spaCy on 64 KiB takes a while)."""
        if len(text) <= MAX_CHARS:
            return await asyncio.to_thread(self.escalation_text, text)
        async with self._one_long_text:
            return await asyncio.to_thread(self.escalation_text, text)


def flagged_sentences(text: str, findings: list[Finding]) -> str:
    """The sentences of ``text`` that hold ``findings``, most severe first, joined by spaces."""
    spans: list[tuple[int, int]] = []
    for finding in findings:
        span = _sentence_around(text, finding.start, finding.end)
        if span not in spans:
            spans.append(span)
    return " ".join(text[start:end].strip() for start, end in spans)


def _sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    left = max((text.rfind(mark, 0, start) for mark in _SENTENCE_END), default=-1) + 1
    ends = [i for i in (text.find(mark, end) for mark in _SENTENCE_END) if i != -1]
    right = min(ends) + 1 if ends else len(text)
    return max(left, start - MAX_CHARS // 2), min(right, end + MAX_CHARS // 2)
