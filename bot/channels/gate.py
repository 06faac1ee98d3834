"""What a patient channel does with a message before (or instead of) a Rasa turn.

In order:

1. ``clean_inbound``: nothing readable → the ``empty_message`` line (nothing stored).
2. A button payload (``/faq_duration``) is an intent only if the bot offered it (or it is one the
   page sends by itself: ``/greet``, ``/help``); otherwise it is plain text.
3. The message counts against the abuse limits (``bot.channels.limits``).
4. If it is over a limit, longer than ``MAX_CHARS``, or clearly not English, the channel screens
   the **whole** text for red flags first: a live red flag goes to Rasa (which escalates) whatever
   the limits say. Otherwise the patient gets ``rate_limited`` / ``conversation_cap`` (not
   stored), ``too_long`` or ``other_language`` (stored in the conversation).
5. Anything else goes to Rasa as it is; Rasa's own screen reads it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.channels.conversations import Conversations
from bot.channels.inbound import BUTTON_PAYLOAD, Inbound, clean_inbound
from bot.channels.language import looks_foreign
from bot.channels.limits import AbuseLimits
from bot.channels.screen import RedFlagGate

logger = logging.getLogger(__name__)

EMPTY = "empty_message"
TOO_LONG = "too_long"
OTHER_LANGUAGE = "other_language"
PAYLOADS_ALWAYS_ALLOWED = frozenset({"/greet", "/help"})


@dataclass(frozen=True)
class Decision:
    """Either ``text`` for a Rasa turn, or the channel's own ``line`` (a content item id)."""

    text: str = ""
    line: str | None = None
    store: bool = False  # record the message and the line in the conversation
    red_flag: bool = False  # the channel's screen found a live red flag


class InboundGate:
    """Decides, for one patient message, between a Rasa turn and one of the channel's lines."""

    def __init__(self, *, limits: AbuseLimits, red_flags: RedFlagGate | None = None) -> None:
        """``limits``: the process's abuse limits; ``red_flags``: the whole-text screen."""
        self.limits = limits
        self.red_flags = red_flags or RedFlagGate()

    async def decide(
        self,
        raw: object,
        *,
        channel: str,
        sender: str,
        ip: str | None = None,
        offered: Conversations | None = None,
        conversation: str | None = None,
    ) -> Decision:
        """The decision for ``raw`` from ``sender`` (a pseudonym), ``ip`` (a pseudonym or None).

        ``offered`` reads the buttons the bot offered in ``conversation``; without it, no
        payload except the always-allowed ones is taken as an intent.
        """
        inbound = clean_inbound(raw)
        if inbound.empty:
            return Decision(line=EMPTY)
        inbound = await self._payload_or_text(inbound, offered, conversation)
        limited = await self.limits.check(channel, sender, ip)
        foreign = looks_foreign(inbound.text)
        if not (limited or inbound.truncated or foreign):
            return Decision(text=inbound.text)
        try:
            escalation = await self.red_flags.escalation_text_async(inbound.screen_text)
        except Exception as error:  # noqa: BLE001 - cannot screen: let Rasa's own screen read it
            logger.error("%s: red-flag screen failed (%s)", channel, type(error).__name__)
            return Decision(text=inbound.text)
        if escalation is not None:
            return Decision(text=escalation, red_flag=True)
        if limited:
            logger.info("%s: %s", channel, limited)
            return Decision(line=limited)
        return Decision(
            text=inbound.text, line=TOO_LONG if inbound.truncated else OTHER_LANGUAGE, store=True
        )

    async def _payload_or_text(
        self, inbound: Inbound, offered: Conversations | None, conversation: str | None
    ) -> Inbound:
        if not BUTTON_PAYLOAD.match(inbound.text) or inbound.text in PAYLOADS_ALWAYS_ALLOWED:
            return inbound
        if offered is not None and conversation is not None:
            try:
                if inbound.text in await offered.offered_payloads(conversation):
                    return inbound
            except Exception as error:  # noqa: BLE001 - unreadable: take it as plain text
                logger.error("offered buttons unreadable (%s)", type(error).__name__)
        return Inbound(text=inbound.text.lstrip("/"), was_command=True)
