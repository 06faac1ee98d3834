"""What the channels read and write in Rasa's conversations, besides running turns.

A message the channel answers without a Rasa turn (too long, another language) is still part of
the conversation: ``RasaConversations.record`` appends the patient's message (as
``out_of_scope``, with the reason in its metadata), the line sent and ``action_listen`` to the
tracker, under the conversation's lock, so the conversation export and the clinic report see it.

``offered_payloads`` lets a channel accept ``/faq_duration`` as an intent only when the bot's
last message offered that button: a patient cannot type an intent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from rasa.core.channels.channel import CollectingOutputChannel
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

logger = logging.getLogger(__name__)
RECORDED_INTENT = "out_of_scope"


class Conversations(Protocol):
    """What a patient channel reads and writes in Rasa's conversations."""

    async def record(
        self, sender: str, text: str, reply: dict[str, Any], *, reason: str, channel: str
    ) -> bool:
        """Append a message the channel answered itself; False if it could not be stored."""

    async def offered_payloads(self, sender: str) -> set[str]:
        """Button payloads of the bot's messages since the patient's last message."""


class RasaConversations:
    """``Conversations`` on the running Rasa agent's tracker and lock stores."""

    def __init__(self, agent: Callable[[], Any]) -> None:
        """``agent`` returns Rasa's ``Agent`` (looked up when needed: it may load late)."""
        self._agent = agent

    async def record(
        self, sender: str, text: str, reply: dict[str, Any], *, reason: str, channel: str
    ) -> bool:
        """Append user message, bot line and ``action_listen`` to the tracker."""
        agent = self._agent()
        processor = getattr(agent, "processor", None)
        if processor is None:
            logger.error("%s: no model loaded, a %s message was not stored", channel, reason)
            return False
        intent = {"name": RECORDED_INTENT, "confidence": 1.0}
        data = {k: v for k, v in reply.items() if k in ("content_id", "content_version")}
        async with agent.lock_store.lock(sender):
            tracker = await processor.fetch_tracker_and_update_session(
                sender, CollectingOutputChannel()
            )
            tracker.update(
                UserUttered(
                    text, intent, input_channel=channel, metadata={"channel_answered": reason}
                )
            )
            tracker.update(BotUttered(reply.get("text"), data, metadata=data))
            tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
            await processor.save_tracker(tracker)
        return True

    async def offered_payloads(self, sender: str) -> set[str]:
        """Payloads of the buttons in the bot's messages after the last user message."""
        agent = self._agent()
        store = getattr(agent, "tracker_store", None)
        tracker = await store.retrieve(sender) if store is not None else None
        payloads: set[str] = set()
        for event in reversed(list(tracker.events) if tracker else []):
            if isinstance(event, UserUttered):
                break
            if isinstance(event, BotUttered):
                for button in event.data.get("buttons") or []:
                    payloads.add(str(button.get("payload")))
        return payloads


async def record_safely(
    conversations: Conversations,
    sender: str,
    text: str,
    reply: dict[str, Any],
    *,
    reason: str,
    channel: str,
) -> None:
    """``conversations.record``; a failure is logged (never the text), the reply still goes."""
    try:
        await conversations.record(sender, text, reply, reason=reason, channel=channel)
    except Exception as error:  # noqa: BLE001 - the patient is answered either way
        logger.error("%s: a %s message was not stored (%s)", channel, reason, type(error).__name__)
