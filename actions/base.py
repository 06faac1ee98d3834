"""Shared plumbing for our actions: the reply service, built on first use, and the channel."""
from __future__ import annotations

import abc

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.content.errors import AnswerNotFound
from bot.replies import Reply, ReplyService
from bot.wiring import Services


def channel_of(tracker: Tracker) -> str:
    """The channel the patient wrote on (``rest``, ``sms``…)."""
    return tracker.get_latest_input_channel() or "rest"


class ContentAction(Action, abc.ABC):
    """An action that answers from the content store (abstract: rasa-sdk skips it)."""

    def __init__(self, replies: ReplyService | None = None) -> None:
        self._replies = replies

    def replies(self) -> ReplyService:
        """The reply service, connected on first use (never at import)."""
        if self._replies is None:
            self._replies = Services().replies()
        return self._replies

    def answer(self, dispatcher: CollectingDispatcher, reply: Reply, channel: str) -> None:
        """Send an FAQ answer, then "Was this helpful?" as its own message (if published)."""
        dispatcher.utter_message(**reply.as_message())
        try:
            question = self.replies().helpful_question(reply, channel)
        except AnswerNotFound:
            return
        dispatcher.utter_message(**question.as_message())

    @abc.abstractmethod
    def name(self) -> str:
        """The action's name in domain.yml."""
