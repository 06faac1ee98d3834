"""The web REST channel: ``POST /webhooks/rest/webhook`` with ``{"sender", "message"}``.

Same URL, request and answer (a JSON list of messages) as Rasa's ``RestInput``, with the patient
channel rules on top:

- the message goes through ``clean_inbound``; an empty one is answered with ``empty_message``
  without calling Rasa;
- ``input_channel`` is always ``rest``, whatever the client says (actions pick the wording by it);
- the patient's text is never logged (Rasa's ``RestInput`` logs it when a turn fails);
- a turn that produced no message (action server down, Rasa error, timeout) is answered with
  ``unavailable``: never silence, never a 500; so is a turn cut off from the conversation
  store, after the escalation of any red flag in the text.
- ``?stream=true`` is not offered: the contract is one JSON list per request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.inbound import clean_inbound
from bot.channels.outage import OwnLine
from bot.channels.turns import (
    DEFAULT_TURN_TIMEOUT,
    UNAVAILABLE,
    OnNewMessage,
    PatientTurns,
    shared_services,
)
from bot.wiring import Services

CHANNEL = "rest"
MAX_SENDER_CHARS = 255  # Rasa's SQL tracker store keys conversations by a 255-char sender id


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


class PatientRestInput(RestInput):
    """Rasa's REST channel with cleaning, no text in logs and a reply to every message."""

    def __init__(
        self,
        *,
        turn_timeout: float | None = DEFAULT_TURN_TIMEOUT,
        services_factory: Callable[[], Services] = shared_services,
    ) -> None:
        self.turns = PatientTurns(
            CHANNEL, turn_timeout=turn_timeout, services_factory=services_factory
        )

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
                return response.json({"error": str(error)}, status=400)
            return response.json(await self.answer(on_new_message, sender, raw, metadata))

        return webhook

    async def answer(
        self,
        on_new_message: OnNewMessage,
        sender: str,
        raw: object,
        metadata: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """The messages answering one patient message: Rasa's, or one of our own lines."""
        inbound = clean_inbound(raw)
        if inbound.empty:
            return [await self._line(sender, "empty_message")]
        collector = WholeMessageCollector()
        message = UserMessage(
            inbound.text, collector, sender, input_channel=CHANNEL, metadata=metadata
        )
        own_lines = await self.turns.converse(on_new_message, message)
        if own_lines is not None:
            return [_own_message(sender, line) for line in own_lines]
        messages = list(collector.messages)  # a timed-out turn may still append: answer a copy
        return messages or [await self._line(sender, UNAVAILABLE)]

    async def _line(self, sender: str, item_id: str) -> dict[str, Any]:
        return {"recipient_id": sender, "text": await self.turns.line(item_id)}


def _own_message(sender: str, line: OwnLine) -> dict[str, Any]:
    message: dict[str, Any] = {"recipient_id": sender, "text": line.text}
    if line.custom:
        message["custom"] = line.custom
    return message


def parse_body(request: Request) -> tuple[str, object, dict[str, Any] | None]:
    """``(sender, message, metadata)`` from the JSON body; ``BadRequest`` if it is not usable."""
    try:
        body = request.json
    except Exception as error:  # noqa: BLE001 - Sanic raises its own error for bad JSON
        raise BadRequest("the body must be a JSON object") from error
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
