"""A patient asks for a person: open a hand-off case, then say when someone will read it."""
from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ContentAction, channel_of

logger = logging.getLogger(__name__)


class ActionHandOff(ContentAction):
    """``request_human`` → a case in the care team's inbox and the in- or out-of-hours line."""

    def name(self) -> str:
        """Name in domain.yml."""
        return "action_hand_off"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Record the case; if it cannot be recorded, say so and give the clinic's number."""
        channel = channel_of(tracker)
        try:
            reply = self.replies().hand_off(tracker.sender_id, channel)
        except Exception as error:  # noqa: BLE001 - never promise a nurse who will not see it
            logger.error("hand-off case not opened (%s)", type(error).__name__)
            reply = self.replies().message("unavailable", channel)
        dispatcher.utter_message(**reply.as_message())
        return []
