"""Rasa NLG that reads every ``utter_*`` response from the content store at answer time.

Runs inside the Rasa server (``endpoints.yml`` → ``nlg: type: bot.nlg.ContentNLG``), so
escalation guidance needs no action server: a patient with a fever is answered even when the
action server is down. ``utter_escalate_<tier>`` picks the escalation item of the most severe
live flag and records the escalation; ``utter_<id>`` is the conversation line ``<id>``.
If the store cannot answer, the domain's own response text is used: never silence.
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial
from typing import Any

from rasa.core.nlg import NaturalLanguageGenerator, TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot.replies import ESCALATION_INTENT_PREFIX, Reply, ReplyService, flag_entities
from bot.wiring import Services

logger = logging.getLogger(__name__)
UTTER_PREFIX = "utter_"
ESCALATION_RESPONSE_PREFIX = f"{UTTER_PREFIX}{ESCALATION_INTENT_PREFIX}"
ALIASES = {"utter_default": "not_understood"}


class ContentNLG(NaturalLanguageGenerator):
    """Responses from the content store, with the domain's responses as the last resort."""

    def __init__(self, endpoint_config: Any = None, domain: Domain | None = None) -> None:
        self._fallback = TemplatedNaturalLanguageGenerator((domain or Domain.empty()).responses)
        self._service: ReplyService | None = None

    def replies(self) -> ReplyService:
        """The reply service, connected on first use."""
        if self._service is None:
            self._service = Services().replies()
        return self._service

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        """The message for ``utter_action``, rendered for ``output_channel``."""
        build = partial(self._reply, utter_action, tracker, output_channel)
        try:
            reply = await asyncio.get_running_loop().run_in_executor(None, build)
        except Exception:  # noqa: BLE001 - any store failure falls back to the domain text
            logger.exception("content store failed for %s; using the domain response", utter_action)
            return await self._fallback.generate(utter_action, tracker, output_channel, **kwargs)
        return reply.as_message() if reply else None

    def _reply(self, utter_action: str, tracker: DialogueStateTracker, output: str) -> Reply:
        # The patient's channel (rest, sms), as the actions use; the output
        # channel's own name ("collector", "queue"…) only when the tracker has none.
        channel = tracker.get_latest_input_channel() or output
        if utter_action.startswith(ESCALATION_RESPONSE_PREFIX):
            tier = utter_action[len(ESCALATION_RESPONSE_PREFIX) :]
            return self.replies().escalation(
                _flags(tracker), tier, channel=channel, sender_id=tracker.sender_id
            )
        if utter_action == "utter_red_flag_reason":
            return self.replies().red_flag_reason(_flags(tracker), channel)
        if utter_action == "utter_check_red_flag":
            return self.replies().check_question(channel)
        message_id = ALIASES.get(utter_action, utter_action[len(UTTER_PREFIX) :])
        return self.replies().message(message_id, channel)


def _flags(tracker: DialogueStateTracker) -> list[dict[str, Any]]:
    """The red-flag entities of the latest user messages (see ``bot.replies.flag_entities``)."""
    users: list[dict[str, Any]] = []
    for event in reversed(tracker.events):
        if event.type_name == "user":
            users.insert(0, event.as_dict())
            if len(users) == 3:
                break
    return flag_entities(users)
