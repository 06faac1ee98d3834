"""When the assistant is unsure, offer the two closest topics as buttons before giving up."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ContentAction, channel_of
from bot.content.errors import AnswerNotFound


class ActionSuggestTopics(ContentAction):
    """Buttons for the two FAQ topics ranked highest by the classifier, and "none of these"."""

    def name(self) -> str:
        """Name in domain.yml."""
        return "action_suggest_topics"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Offer suggestions, or say we did not understand when there are none."""
        ranking = tracker.latest_message.get("intent_ranking") or []
        channel = channel_of(tracker)
        try:
            reply = self.replies().suggestions(ranking, channel)
        except AnswerNotFound:
            reply = self.replies().message("not_understood", channel)
        if len(reply.buttons) < 2:
            reply = self.replies().message("not_understood", channel)
        dispatcher.utter_message(**reply.as_message())
        return []
