"""Shared plumbing for our actions: the reply service, built on first use, and the channel."""
from __future__ import annotations

import abc

from rasa_sdk import Action, Tracker

from bot.replies import ReplyService
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

    @abc.abstractmethod
    def name(self) -> str:
        """The action's name in domain.yml."""
