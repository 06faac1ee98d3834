"""What a channel says by itself when the conversation store fails during a turn.

Rasa cannot answer properly without the conversation (the database is down): the patient gets
the "temporarily unavailable" line. A red flag must still get its escalation guidance, so the
channel screens the text itself with ``bot.safety`` and sends the escalation's text from memory:
the last published texts it read from the store (refreshed, at most once a minute, after turns
that went well), or the reviewed files in ``content/`` when the store was never reachable.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.content import services as content
from bot.content.files import read_items
from bot.content.services import Answer
from bot.safety.detector import RedFlagDetector
from bot.wiring import Services

logger = logging.getLogger(__name__)

REFRESH_SECONDS = 60.0
ESCALATION = "escalation"


@dataclass(frozen=True)
class OwnLine:
    """One message the channel sends without Rasa; ``tier`` set for an escalation."""

    text: str
    tier: str | None = None

    @property
    def custom(self) -> dict[str, str] | None:
        """The escalation marker pages show as an alert (as ``ReplyService.escalation`` sets)."""
        return {"kind": ESCALATION, "tier": self.tier} if self.tier else None


class EscalationMemory:
    """Published escalation texts kept in memory, and the red-flag screen that picks one."""

    def __init__(self, services_factory: Callable[[], Services]) -> None:
        """``services_factory``: the process's ``Services``, called on first use only."""
        self._services_factory = services_factory
        self._answers: dict[str, Answer] = {}
        self._refreshed_at = float("-inf")
        self._detector: RedFlagDetector | None = None
        self._lock = threading.Lock()

    def refresh(self) -> bool:
        """Read the published escalations now; keep the old ones if the store fails."""
        try:
            answers = content.published_catalog(uow=self._services_factory().uow(), kind=ESCALATION)
        except Exception as error:  # noqa: BLE001 - the store being down is the case we serve
            logger.warning("escalation texts not refreshed (%s)", type(error).__name__)
            return False
        with self._lock:
            self._answers = {answer.id: answer for answer in answers}
            self._refreshed_at = time.monotonic()
        return True

    def refresh_if_stale(self) -> None:
        """``refresh`` when the texts are over ``REFRESH_SECONDS`` old; builds the screen too."""
        if time.monotonic() - self._refreshed_at >= REFRESH_SECONDS:
            self._refreshed_at = time.monotonic()  # one refresh at a time, even if it fails
            self.refresh()
        self.detector()

    def detector(self) -> RedFlagDetector:
        """The red-flag detector on the catalog the assistant ships with (built once)."""
        with self._lock:
            if self._detector is None:
                from bot.nlp import make_pipeline
                from bot.safety.catalog import load_catalog

                catalog = load_catalog(self._services_factory().settings.red_flags_path)
                self._detector = RedFlagDetector(catalog, make_pipeline())
            return self._detector

    def escalation_for(self, text: str, channel: str) -> OwnLine | None:
        """The escalation line for the most severe live red flag in ``text``, if any."""
        findings = self.detector().live(text)
        if not findings:
            return None
        answer = self._answer(findings[0].escalation_id)
        return OwnLine(answer.text_for(channel), tier=findings[0].tier)

    def _answer(self, escalation_id: str) -> Answer:
        with self._lock:
            known = self._answers.get(escalation_id)
        return known or self._from_files(escalation_id)

    def _from_files(self, escalation_id: str) -> Answer:
        settings = self._services_factory().settings
        spec = next(s for s in read_items(settings.content_dir) if s.id == escalation_id)
        return Answer(spec.id, spec.kind, spec.tier, spec.title, spec.text, spec.sms_text, 0)
