"""What every patient channel does around one Rasa turn: run it safely, never answer with silence.

- ``run_turn`` hands a message to Rasa and never raises: a failure or a turn that takes too long
  is logged (by exception type, never with the patient's text) and reported as ``False``.
- ``ChannelLines`` fetches the lines a channel sends on its own (``empty_message``,
  ``unavailable``, ``sms_help``…) from the content store, with a fixed fallback when the store is
  unreachable. The store is connected on first use, not at import.
- ``PatientTurns`` is what each patient channel (REST, SMS) holds to do both: its
  timeout, the process's services, its lines, its ``InboundGate`` (bad input, abuse limits,
  whole-text red-flag screen) and a log label that never shows who is writing.
  ``converse`` also notices a turn cut off from its conversation (the database is down) and
  gives the lines to send instead: the red flag's escalation, if any, and ``unavailable``.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import Any

from rasa.core.channels.channel import UserMessage

from bot.channels.gate import InboundGate
from bot.channels.inbound import unavailable_text
from bot.channels.limits import AbuseLimits, Counter, counter_for, policy_of
from bot.channels.outage import EscalationMemory, OwnLine
from bot.privacy import pseudonym
from bot.replies import ReplyService
from bot.stores.turn_health import watch_turn
from bot.wiring import Services

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]

# Said when the content store cannot be read; the store's reviewed wording wins whenever it can.
FALLBACK_LINES = {
    "empty_message": "Sorry, I did not get any text. Please send your question.",
    "sms_help": "TOH education line. Education only, not medical advice. "
    "In an emergency, call 911. Reply STOP to stop.",
    "sms_stop": "You will get no more messages from us. Reply START to resume.",
    "sms_start": "You are subscribed again. Reply HELP for help or STOP to stop.",
    "too_long": "Your message was very long. Please ask one short question at a time. "
    "If this is urgent, call 911.",
    "other_language": "Sorry, I can only answer in English. If this is an emergency, call 911. "
    "/ Lo siento, solo puedo responder en inglés. Si es una emergencia, llame al 911.",
    "rate_limited": "Please wait a minute, then ask again. If this is urgent, call 911.",
    "conversation_cap": "We have talked a lot today. Please call your clinic for more help. "
    "If this is urgent, call 911.",
}
UNAVAILABLE = "unavailable"
DEFAULT_TURN_TIMEOUT = 30.0

_orphans: set[asyncio.Future[Any]] = set()


@lru_cache(maxsize=1)
def shared_services() -> Services:
    """One ``Services`` for every channel of this process, built on first use."""
    return Services()


@lru_cache(maxsize=4)
def shared_counter(redis_url: str | None) -> Counter:
    """One abuse-limit counter per process (per Redis URL), built on first use."""
    return counter_for(redis_url)


async def run_turn(
    on_new_message: OnNewMessage, message: UserMessage, *, timeout: float | None, label: str
) -> bool:
    """Run one Rasa turn; True if it finished without error within ``timeout`` seconds.

    A turn that times out keeps running in the background (cancelling Rasa mid-turn could leave
    a conversation half-written); its late output goes wherever its output channel sends it.

    Args:
        on_new_message: Rasa's handler for a ``UserMessage``.
        message: the ``UserMessage`` to handle.
        timeout: seconds to wait for the turn; None waits for ever.
        label: how to name the turn in logs (channel and pseudonym, never the text).

    """
    task = asyncio.ensure_future(on_new_message(message))
    try:
        await asyncio.wait_for(asyncio.shield(task), timeout)
        return True
    except asyncio.TimeoutError:
        logger.warning("%s: turn still running after %ss, answering without it", label, timeout)
        _keep_until_done(task, label)
    except asyncio.CancelledError:
        if not task.cancelled():
            raise  # we were cancelled ourselves (server shutting down): let it propagate
        logger.error("%s: turn was cancelled", label)
    except Exception as error:  # noqa: BLE001 - any failure in Rasa must still get an answer
        _log_failure(label, error)
    return False


def _log_failure(label: str, error: BaseException) -> None:
    # The exception's message may quote the patient's text: log its type and where it happened.
    logger.error("%s: turn failed (%s)", label, type(error).__name__)
    logger.debug("%s: raised at\n%s", label, "".join(traceback.format_tb(error.__traceback__)))


def _keep_until_done(task: asyncio.Future[Any], label: str) -> None:
    _orphans.add(task)

    def _done(finished: asyncio.Future[Any]) -> None:
        _orphans.discard(finished)
        if not finished.cancelled() and finished.exception() is not None:
            _log_failure(label, finished.exception())  # type: ignore[arg-type]

    task.add_done_callback(_done)


class ChannelLines:
    """Content lines a channel sends by itself, read from the store at send time."""

    def __init__(self, services_factory: Callable[[], Services] = shared_services) -> None:
        """``services_factory`` returns the process's ``Services``; called on first use only."""
        self._services_factory = services_factory
        self._replies: ReplyService | None = None

    def _reply_service(self) -> ReplyService:
        if self._replies is None:
            self._replies = self._services_factory().replies()
        return self._replies

    def _fetch(self, item_id: str, channel: str) -> str:
        return self._reply_service().message(item_id, channel).text

    def reply_now(self, item_id: str, channel: str) -> dict[str, Any]:
        """The line as a message (``text``, ``content_id``, ``content_version``), blocking."""
        try:
            reply = self._reply_service().message(item_id, channel)
        except Exception:  # noqa: BLE001 - text_now logs it and falls back
            return {"text": self.text_now(item_id, channel)}
        return reply.as_message()

    async def reply(self, item_id: str, channel: str) -> dict[str, Any]:
        """``reply_now`` in a worker thread."""
        return await asyncio.to_thread(self.reply_now, item_id, channel)

    def text_now(self, item_id: str, channel: str) -> str:
        """The line's text for ``channel`` (blocking; run it off the event loop)."""
        if item_id == UNAVAILABLE:
            return unavailable_text(lambda: self._fetch(UNAVAILABLE, channel))
        try:
            return self._fetch(item_id, channel)
        except Exception as error:  # noqa: BLE001 - the store being down must not silence us
            logger.error("content line %s unavailable (%s)", item_id, type(error).__name__)
            return FALLBACK_LINES.get(item_id) or unavailable_text()

    async def text(self, item_id: str, channel: str) -> str:
        """The line's text for ``channel``, read in a worker thread."""
        return await asyncio.to_thread(self.text_now, item_id, channel)


class PatientTurns:
    """One channel's turn settings and its own lines, shared by every patient channel."""

    def __init__(
        self,
        channel: str,
        *,
        turn_timeout: float | None = DEFAULT_TURN_TIMEOUT,
        services_factory: Callable[[], Services] = shared_services,
        gate: InboundGate | None = None,
    ) -> None:
        """``turn_timeout``: seconds before answering ``unavailable`` (None: wait for ever).

        ``gate``: the bad-input and abuse-limit gate; by default built on first use, counting
        in Redis when ``REDIS_URL`` is set.
        """
        self.channel = channel
        self.timeout = turn_timeout
        self.services_factory = services_factory
        self.lines = ChannelLines(services_factory)
        self._gate = gate
        self.escalations = EscalationMemory(services_factory)

    @property
    def gate(self) -> InboundGate:
        """The gate every message of this channel passes (built on first use)."""
        if self._gate is None:
            settings = self.services_factory().settings
            limits = AbuseLimits(shared_counter(settings.redis_url), policy_of(settings))
            self._gate = InboundGate(limits=limits)
        return self._gate

    def pseudonym(self, sender: str) -> str:
        """The keyed hash that stands for ``sender`` in logs (and, for SMS, everywhere)."""
        return pseudonym(sender, self.services_factory().settings.hash_salt)

    async def run(self, on_new_message: OnNewMessage, message: UserMessage, *, label: str) -> bool:
        """``run_turn`` with this channel's timeout; ``label`` must not identify the patient."""
        return await run_turn(on_new_message, message, timeout=self.timeout, label=label)

    async def run_for(self, on_new_message: OnNewMessage, message: UserMessage) -> bool:
        """``run`` labelled with the channel and the pseudonym of the message's sender."""
        label = f"{self.channel} {self.pseudonym(message.sender_id or '')}"
        return await self.run(on_new_message, message, label=label)

    async def converse(
        self, on_new_message: OnNewMessage, message: UserMessage, *, label: str | None = None
    ) -> list[OwnLine] | None:
        """Run the turn; None if its own replies stand, else the lines to send instead.

        The turn's replies are dropped when the conversation store failed during it: Rasa then
        answers from a blank conversation kept only in memory.
        """
        health = watch_turn()  # the turn's task inherits this context and reports into it
        if label is None:
            finished = await self.run_for(on_new_message, message)
        else:
            finished = await self.run(on_new_message, message, label=label)
        if not health.store_failed:
            if finished:
                asyncio.get_running_loop().run_in_executor(None, self.escalations.refresh_if_stale)
            return None
        return await self.outage_lines(message.text or "")

    async def outage_lines(self, text: str) -> list[OwnLine]:
        """The escalation for a red flag in ``text`` (from memory), then ``unavailable``."""
        escalation = await asyncio.to_thread(self.escalations.escalation_for, text, self.channel)
        unavailable = OwnLine(await self.line(UNAVAILABLE))
        return [escalation, unavailable] if escalation else [unavailable]

    async def line(self, item_id: str) -> str:
        """The channel's own line ``item_id``, read from the store."""
        return await self.lines.text(item_id, self.channel)
