"""The web REST channel: ``POST /webhooks/rest/webhook`` with ``{"sender", "message"}``.

Same URL, request and answer (a JSON list of messages) as Rasa's ``RestInput``, with the patient
channel rules on top:

- a body over ``MAX_BODY_BYTES`` is refused with a JSON 413; a body that is not a JSON object
  with a ``sender`` gets a JSON 400 (415 when it is not JSON and not sent as JSON);
- the message goes through the channel's ``InboundGate`` (``bot.channels.gate``): an empty one is
  answered with ``empty_message``, a long or non-English one (with no red flag anywhere in it)
  with ``too_long`` / ``other_language`` (stored in the conversation), one over an abuse limit
  with ``rate_limited`` / ``conversation_cap``; a typed ``/faq_...`` is an intent only if the
  bot offered that button;
- ``input_channel`` is always ``rest``, whatever the client says (actions pick the wording by it);
- the patient's text is never logged (Rasa's ``RestInput`` logs it when a turn fails);
- a turn that produced no message (action server down, Rasa error, timeout) is answered with
  ``unavailable``: never silence, never a 500; so is a turn cut off from the conversation
  store, after the escalation of any red flag in the text.
- ``?stream=true`` is not offered: the contract is one JSON list per request.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.conversations import Conversations, RasaConversations, record_safely
from bot.channels.gate import Decision, InboundGate
from bot.channels.inbound import unavailable_text
from bot.channels.outage import OwnLine
from bot.channels.turns import (
    DEFAULT_TURN_TIMEOUT,
    UNAVAILABLE,
    OnNewMessage,
    PatientTurns,
    shared_services,
)
from bot.wiring import Services

logger = logging.getLogger(__name__)

CHANNEL = "rest"
MAX_SENDER_CHARS = 255  # Rasa's SQL tracker store keys conversations by a 255-char sender id
MAX_BODY_BYTES = 64 * 1024  # a message is at most 2,000 characters; this leaves room for JSON
ConversationsOf = Callable[[Request], Conversations]


def rasa_conversations(request: Request) -> Conversations:
    """The conversations of the Rasa agent serving ``request``."""
    return RasaConversations(lambda: request.app.ctx.agent)


class WholeMessageCollector(CollectingOutputChannel):
    """Collects each bot message whole, as the contract promises: the item's text verbatim.

    Rasa's collector splits text at blank lines and sends ``custom`` as a separate message;
    this one keeps text, buttons, the escalation marker (``custom``) and the content id and
    version together, so a page can show an escalation as one alert and log what was shown.
    """

    KEPT = ("buttons", "custom", "content_id", "content_version")

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Keep the message as one entry."""
        entry: dict[str, Any] = {"recipient_id": recipient_id}
        if message.get("text"):
            entry["text"] = message["text"]
        entry.update({key: message[key] for key in self.KEPT if message.get(key) is not None})
        if len(entry) > 1:
            self.messages.append(entry)


class BadRequest(ValueError):
    """The request cannot be a patient message; the text is safe to show the client."""

    def __init__(self, message: str, status: int = 400) -> None:
        """``status``: the HTTP status to answer with (400, 413 or 415)."""
        super().__init__(message)
        self.status = status


class PatientRestInput(RestInput):
    """Rasa's REST channel with cleaning, no text in logs and a reply to every message."""

    def __init__(
        self,
        *,
        turn_timeout: float | None = DEFAULT_TURN_TIMEOUT,
        services_factory: Callable[[], Services] = shared_services,
        gate: InboundGate | None = None,
        conversations: ConversationsOf = rasa_conversations,
    ) -> None:
        self.turns = PatientTurns(
            CHANNEL, turn_timeout=turn_timeout, services_factory=services_factory, gate=gate
        )
        self.conversations = conversations

    @classmethod
    def name(cls) -> str:
        """Keeps the webhook at ``/webhooks/rest/webhook``."""
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Optional key: ``turn_timeout`` (seconds before answering ``unavailable``)."""
        credentials = credentials or {}
        return cls(turn_timeout=float(credentials.get("turn_timeout") or DEFAULT_TURN_TIMEOUT))

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """A health route and the webhook."""
        webhook = Blueprint(f"patient_{CHANNEL}_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                sender, raw, metadata = parse_body(request)
            except BadRequest as error:
                return response.json({"error": str(error)}, status=error.status)
            client = client_address(request)
            try:
                messages = await self.answer(
                    on_new_message,
                    sender,
                    raw,
                    metadata,
                    ip=client,
                    conversations=self.conversations(request),
                )
            except Exception as error:  # noqa: BLE001 - never a 500 to a patient
                logger.error("%s: answering failed (%s)", CHANNEL, type(error).__name__)
                messages = [{"recipient_id": sender, "text": unavailable_text()}]
            return response.json(messages)

        return webhook

    async def answer(
        self,
        on_new_message: OnNewMessage,
        sender: str,
        raw: object,
        metadata: dict[str, Any] | None = None,
        *,
        ip: str | None = None,
        conversations: Conversations | None = None,
    ) -> list[dict[str, Any]]:
        """The messages answering one patient message: Rasa's, or one of our own lines."""
        decision = await self.turns.gate.decide(
            raw,
            channel=CHANNEL,
            sender=self.turns.pseudonym(sender),
            ip=self.turns.pseudonym(ip) if ip else None,
            offered=conversations,
            conversation=sender,
        )
        if decision.line is not None:
            return [await self._own_line(sender, decision, conversations)]
        collector = WholeMessageCollector()
        message = UserMessage(
            decision.text, collector, sender, input_channel=CHANNEL, metadata=metadata
        )
        own_lines = await self.turns.converse(on_new_message, message)
        if own_lines is not None:
            return [_own_message(sender, line) for line in own_lines]
        messages = list(collector.messages)  # a timed-out turn may still append: answer a copy
        return messages or [await self._line(sender, UNAVAILABLE)]

    async def _own_line(
        self, sender: str, decision: Decision, conversations: Conversations | None
    ) -> dict[str, Any]:
        assert decision.line is not None
        reply = await self.turns.lines.reply(decision.line, CHANNEL)
        if decision.store and conversations is not None:
            await record_safely(
                conversations, sender, decision.text, reply, reason=decision.line, channel=CHANNEL
            )
        return {"recipient_id": sender, **reply}

    async def _line(self, sender: str, item_id: str) -> dict[str, Any]:
        return {"recipient_id": sender, "text": await self.turns.line(item_id)}


_warned_about_proxy: list[bool] = []


def client_address(request: Request) -> str | None:
    """The patient's IP for the per-IP limit; None when only a proxy's address is known.

    Behind a proxy, set ``SANIC_PROXIES_COUNT`` (Sanic reads it) so Sanic trusts the proxy's
    ``X-Forwarded-For``. Without it the socket peer is the proxy, shared by every patient: the
    per-IP limit is then skipped (the per-sender limits still apply), with one warning.
    """
    if request.remote_addr:
        return str(request.remote_addr)
    if "x-forwarded-for" in request.headers or "forwarded" in request.headers:
        if not _warned_about_proxy:
            _warned_about_proxy.append(True)
            logger.warning("rest: behind a proxy without SANIC_PROXIES_COUNT: no per-IP limit")
        return None
    return request.ip or None
def _own_message(sender: str, line: OwnLine) -> dict[str, Any]:
    message: dict[str, Any] = {"recipient_id": sender, "text": line.text}
    if line.custom:
        message["custom"] = line.custom
    return message


def parse_body(request: Request) -> tuple[str, object, dict[str, Any] | None]:
    """``(sender, message, metadata)`` from the JSON body; ``BadRequest`` if it is not usable."""
    if len(request.body or b"") > MAX_BODY_BYTES:
        raise BadRequest(f"the body is larger than {MAX_BODY_BYTES} bytes", status=413)
    try:
        # Bytes that are not UTF-8 become U+FFFD: the rest of the message is still read.
        body = json.loads((request.body or b"").decode("utf-8", errors="replace"))
    except ValueError as error:
        raise _not_json(request) from error
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    sender = body.get("sender")
    if isinstance(sender, int) and not isinstance(sender, bool):
        sender = str(sender)
    if not isinstance(sender, str) or not sender.strip():
        raise BadRequest("'sender' is required")
    if len(sender) > MAX_SENDER_CHARS:
        raise BadRequest(f"'sender' is longer than {MAX_SENDER_CHARS} characters")
    metadata = body.get("metadata")
    return sender, body.get("message"), metadata if isinstance(metadata, dict) else None


def _not_json(request: Request) -> BadRequest:
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type and "json" not in content_type:
        return BadRequest("send a JSON object as application/json", status=415)
    return BadRequest("the body must be a JSON object")
