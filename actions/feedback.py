"""Record the patient's answer to "Was this helpful?" and thank them."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ContentAction, channel_of
from bot import feedback
from bot.feedback import FeedbackService, Vote
from bot.replies import ReplyService
from bot.wiring import Services


def vote_of(tracker: Tracker) -> Vote | None:
    """A Yes/No button's vote, or the offered button a typed yes or no stands for."""
    message = tracker.latest_message
    intent = (message.get("intent") or {}).get("name")
    if intent == feedback.INTENT:
        return feedback.vote_of_entities(message.get("entities") or [])
    if intent in ("affirm", "deny"):
        return feedback.offered_vote(tracker.events, helpful=intent == "affirm")
    return None


class ActionRecordFeedback(ContentAction):
    """Store the vote for the answer and version it names; thank the patient in one line."""

    def __init__(
        self, replies: ReplyService | None = None, votes: FeedbackService | None = None
    ) -> None:
        super().__init__(replies)
        self._votes = votes

    def name(self) -> str:
        """Name in domain.yml."""
        return "action_record_feedback"

    def votes(self) -> FeedbackService:
        """The feedback service, connected on first use (never at import)."""
        if self._votes is None:
            self._votes = Services().feedback()
        return self._votes

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Thank for a vote; a yes or no with no question before it is not understood."""
        channel = channel_of(tracker)
        vote = vote_of(tracker)
        if vote is None:
            reply = self.replies().message("not_understood", channel)
        else:
            self.votes().record(vote, sender_id=tracker.sender_id, channel=channel)
            reply = self.replies().feedback_thanks(vote, channel)
        dispatcher.utter_message(**reply.as_message())
        return []
