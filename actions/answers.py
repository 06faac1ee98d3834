"""Answer an FAQ topic from the content store, read when the question is asked."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ContentAction, channel_of
from bot.content.errors import AnswerNotFound
from bot.replies import RELATED_CHANNELS, original_topic, related_topic, topic_of_intent


class ActionAnswerFaq(ContentAction):
    """``faq_<topic>`` → the published answer for ``<topic>``, for the patient's channel."""

    def name(self) -> str:
        """Name in domain.yml."""
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Send the answer (with a close runner-up topic as a button) and remember the topic."""
        topic = topic_of_intent((tracker.latest_message.get("intent") or {}).get("name"))
        channel = channel_of(tracker)
        related = None
        if topic and channel in RELATED_CHANNELS:
            related = related_topic(tracker.latest_message.get("intent_ranking") or [], topic)
        try:
            reply = self.replies().topic(topic or "", channel, related=related)
        except AnswerNotFound:
            not_understood = self.replies().message("not_understood", channel)
            dispatcher.utter_message(**not_understood.as_message())
            return [SlotSet("last_topic", None)]
        self.answer(dispatcher, reply, channel)
        return [SlotSet("last_topic", reply.content_id)]


class ActionAnswerOriginal(ContentAction):
    """After the red-flag question ("no") or the "not improving" line: answer what was asked.

    The red-flag screen put its own intent on top of the classifier's ranking; the question's
    topic is the ranking's best FAQ intent under it. With none, after a "no", a short line says
    what to watch for.
    """

    def name(self) -> str:
        """Name in domain.yml."""
        return "action_answer_original"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Answer the topic of the message that raised the question, if it asked one."""
        channel = channel_of(tracker)
        topic = original_topic([e for e in tracker.events if e.get("event") == "user"])
        answered_no = (tracker.latest_message.get("intent") or {}).get("name") == "deny"
        try:
            if topic:
                self.answer(dispatcher, self.replies().topic(topic, channel), channel)
                return [SlotSet("last_topic", topic)]
            if not answered_no:
                return []
            reply = self.replies().message("check_cleared", channel)
        except AnswerNotFound:
            return []
        dispatcher.utter_message(**reply.as_message())
        return [SlotSet("last_topic", None)]
