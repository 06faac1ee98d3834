"""The SMS channel: Twilio's webhook in, Twilio's REST API out (``POST /webhooks/sms/webhook``).

Why not Rasa's ``TwilioInput``: it checks no ``X-Twilio-Signature``, sends with Twilio's blocking
client on the event loop, and holds the webhook open while Rasa thinks. Here:

1. the webhook checks the signature (403 if missing or wrong) against ``webhook_url`` (the public
   URL Twilio calls, behind proxies) or else the request's own URL, answers at once with empty
   TwiML, and handles the message in a background task;
2. STOP/START/HELP keywords are answered by us; an opted-out number gets nothing more;
3. a reply that picks one of the choices we sent last becomes that button's payload: its number
   ("2"), its title ("yes") or, alone, its first letter ("Y"); see ``sms_text.chosen`` (state
   shared by every replica, see ``sms_state``); other text goes through the channel's
   ``InboundGate``
   (``bot.channels.gate``): an empty body gets ``empty_message``, a typed ``/faq_...`` is plain
   text, a long or non-English one with no red flag anywhere in it gets ``too_long`` /
   ``other_language`` (stored in the conversation), one over the per-number limits gets
   ``rate_limited`` / ``conversation_cap``; a webhook body over ``MAX_BODY_BYTES`` is a 413;
4. Rasa's messages for the turn (``sms_text`` wording: the output channel is named ``sms``) are
   collected, cut to two segments each, buttons turned into "Reply 1 for ..., 2 for ..." (or
   "Reply Y for Yes or N for No."), and sent through ``TwilioMessages`` (retries, no blocking).
   A question with choices joins the turn's previous SMS when both fit in two segments (after
   an FAQ answer, "Was this helpful?" then costs no extra message). A turn with no message gets
   ``unavailable``.
5. A turn that handed the patient to the care team (an escalation, a request for a person: see
   ``bot.replies.HANDOFF_KINDS``) keeps the number on the hand-off case, encrypted, so a nurse
   can text back from the inbox.

The conversation id Rasa sees is the pseudonym of the phone number: trackers and logs never hold
the number; only the output channel of the turn knows where to send.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request, RequestParameters
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from bot.channels import sms_text
from bot.channels.conversations import Conversations, RasaConversations, record_safely
from bot.channels.gate import Decision, InboundGate
from bot.channels.sms_state import SmsState
from bot.channels.turns import UNAVAILABLE, OnNewMessage, PatientTurns, shared_services
from bot.channels.twilio_api import (
    PLACEHOLDER_TOKEN,
    TwilioAccount,
    TwilioMessages,
    account_or_placeholders,
)
from bot.config import Settings, get_settings
from bot.handoff.service import keep_contact
from bot.replies import HANDOFF_KINDS
from bot.wiring import Services

logger = logging.getLogger(__name__)

CHANNEL = "sms"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
SIGNATURE_HEADER = "X-Twilio-Signature"
DEFAULT_TURN_TIMEOUT = 120.0  # the webhook is already answered: give Rasa time
MAX_BODY_BYTES = 64 * 1024  # Twilio posts at most 1,600 characters of text
ConversationsOf = Callable[[Request], Conversations]


def rasa_conversations(request: Request) -> Conversations:
    """The conversations of the Rasa agent serving ``request``."""
    return RasaConversations(lambda: request.app.ctx.agent)


@dataclass(frozen=True)
class IncomingSms:
    """One SMS as Twilio posted it."""

    phone: str
    body: str
    message_sid: str | None


class SmsOutput(OutputChannel):
    """Collects one turn's messages as ready-to-send SMS bodies (sent after the turn)."""

    def __init__(self) -> None:
        self.bodies: list[str] = []
        self.choices: list[sms_text.Choice] | None = None  # the last list of choices, if any
        self.handed_off = False  # a message of the turn handed the patient to the care team

    @classmethod
    def name(cls) -> str:
        """``sms``: the NLG and ``ReplyService`` pick ``sms_text`` by this name."""
        return CHANNEL

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """One SMS, cut to two segments."""
        if text and text.strip():
            self.bodies.append(sms_text.cut(text))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        """The text with the buttons as a list of choices, remembered for the patient's reply."""
        choices = [sms_text.Choice(str(b["title"]), str(b["payload"]))
                   for b in buttons if b.get("title") and b.get("payload")]
        if not choices:
            await self.send_text_message(recipient_id, text)
            return
        bodies = sms_text.with_choices(text or "", [choice.title for choice in choices])
        joined = sms_text.appended(self.bodies[-1], bodies[0]) if self.bodies else None
        if joined is not None and len(bodies) == 1:  # the question goes in the answer's SMS
            self.bodies[-1] = joined
        else:
            self.bodies.extend(bodies)
        self.choices = choices

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        """Custom payloads are for web clients: never text raw JSON to a patient."""
        self.handed_off = self.handed_off or json_message.get("kind") in HANDOFF_KINDS
        logger.debug("sms: custom payload not sent by SMS")


class SmsInput(InputChannel):
    """Twilio SMS in and out, with signature checks and carrier keywords."""

    def __init__(
        self,
        account: TwilioAccount,
        *,
        webhook_url: str | None = None,
        services_factory: Callable[[], Services] = shared_services,
        sender: TwilioMessages | None = None,
        turn_timeout: float | None = DEFAULT_TURN_TIMEOUT,
        gate: InboundGate | None = None,
        conversations: ConversationsOf = rasa_conversations,
    ) -> None:
        self.account = account
        self.webhook_url = webhook_url or None
        self.turns = PatientTurns(
            CHANNEL, turn_timeout=turn_timeout, services_factory=services_factory, gate=gate
        )
        self.conversations = conversations
        self._sender = sender or TwilioMessages(account)
        self._validator = RequestValidator(account.auth_token)
        self._state: SmsState | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @classmethod
    def name(cls) -> str:
        """Mounts the webhook at ``/webhooks/sms/webhook``."""
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Build from credentials.yml; blanks fall back to settings, then to placeholders."""
        return cls.from_settings(credentials or {}, get_settings())

    @classmethod
    def from_settings(
        cls, credentials: dict[str, Any], settings: Settings, **options: Any
    ) -> SmsInput:
        """``credentials`` keys: account_sid, auth_token, twilio_number, webhook_url.

        ``options`` go to the constructor (``services_factory``, ``turn_timeout``…).
        """
        account = account_or_placeholders(
            _given(credentials, "account_sid", settings.twilio_account_sid),
            _given(credentials, "auth_token", settings.twilio_auth_token),
            _given(credentials, "twilio_number", settings.twilio_number),
            settings.twilio_api_base,
        )
        if account.dry_run:
            logger.warning("sms: placeholder Twilio credentials, replies are logged, not sent")
        if account.auth_token == PLACEHOLDER_TOKEN:
            logger.warning("sms: placeholder auth token, anyone can sign webhook calls: dev only")
        webhook_url = _given(credentials, "webhook_url", settings.twilio_webhook_url)
        return cls(account, webhook_url=webhook_url, **options)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """A health route and Twilio's webhook."""
        webhook = Blueprint(f"{CHANNEL}_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if len(request.body or b"") > MAX_BODY_BYTES:
                return response.text("request body too large", status=413)
            form = twilio_form(request)
            if not self.signed_by_twilio(request, form):
                logger.warning("sms: refused a webhook call with a missing or wrong signature")
                return response.text("forbidden", status=403)
            inbound = inbound_of(form)
            if inbound is None:
                return response.text("missing From", status=400)
            conversations = self.conversations(request)
            self._in_background(self.handle(inbound, on_new_message, conversations))
            return response.text(EMPTY_TWIML, content_type="text/xml")

        @webhook.listener("before_server_stop")
        async def finish(*_: Any) -> None:
            await self.drain()
            await self._sender.close()

        return webhook

    def signed_by_twilio(self, request: Request, form: RequestParameters) -> bool:
        """True if ``X-Twilio-Signature`` is Twilio's signature of this URL and form."""
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature:
            return False
        url = self.webhook_url or request.url
        return bool(self._validator.validate(url, form, signature))

    async def drain(self, timeout: float | None = None) -> None:
        """Wait for the messages being handled in the background."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)

    def _in_background(self, job: Any) -> None:
        task = asyncio.get_running_loop().create_task(job)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("sms: handling failed (%s)", type(task.exception()).__name__)

    async def handle(
        self,
        inbound: IncomingSms,
        on_new_message: OnNewMessage,
        conversations: Conversations | None = None,
    ) -> None:
        """Everything after the webhook answered: keywords, choices, Rasa, sending."""
        contact = self.contact_of(inbound.phone)
        keyword = sms_text.keyword_of(inbound.body)
        if keyword is sms_text.Keyword.STOP:
            await self._set_opted_out(contact, True)
            await self._send(inbound.phone, contact, [await self._line("sms_stop")])
        elif keyword is sms_text.Keyword.START:
            await self._set_opted_out(contact, False)
            await self._send(inbound.phone, contact, [await self._line("sms_start")])
        elif await self._opted_out(contact):
            logger.info("sms %s: opted out, message not answered", contact)
        elif keyword is sms_text.Keyword.HELP:
            await self._send(inbound.phone, contact, [await self._line("sms_help")])
        else:
            await self._converse(inbound, contact, on_new_message, conversations)

    async def _converse(
        self,
        inbound: IncomingSms,
        contact: str,
        on_new_message: OnNewMessage,
        conversations: Conversations | None,
    ) -> None:
        text = await self._chosen_payload(contact, inbound.body)
        if text is None:
            # No ``offered``: on SMS a payload comes only as a choice, never typed.
            decision = await self.turns.gate.decide(inbound.body, channel=CHANNEL, sender=contact)
            if decision.line is not None:
                await self._own_line(inbound.phone, contact, decision, conversations)
                return
            text = decision.text
        output = SmsOutput()
        message = UserMessage(
            text, output, contact, input_channel=CHANNEL, message_id=inbound.message_sid
        )
        own_lines = await self.turns.converse(on_new_message, message, label=f"{CHANNEL} {contact}")
        if own_lines is not None:
            await self._send(inbound.phone, contact, [sms_text.cut(x.text) for x in own_lines])
            return
        await self._remember_choices(contact, output.choices or [])
        if output.handed_off:
            await self._keep_for_care_team(contact, inbound.phone)
        if await self._opted_out(contact):  # STOP arrived while Rasa was thinking
            return
        await self._send(inbound.phone, contact, output.bodies or [await self._line(UNAVAILABLE)])

    async def _own_line(
        self,
        phone: str,
        contact: str,
        decision: Decision,
        conversations: Conversations | None,
    ) -> None:
        assert decision.line is not None
        reply = await self.turns.lines.reply(decision.line, CHANNEL)
        if decision.store and conversations is not None:
            await record_safely(
                conversations, contact, decision.text, reply, reason=decision.line, channel=CHANNEL
            )
        await self._send(phone, contact, [sms_text.cut(str(reply["text"]))])

    def contact_of(self, phone: str) -> str:
        """The pseudonym that stands for ``phone`` everywhere (Rasa, state, logs)."""
        return self.turns.pseudonym(phone)

    async def _send(self, phone: str, contact: str, bodies: list[str]) -> None:
        for body in bodies:
            await self._sender.send(phone, body, log_id=contact)

    async def _line(self, item_id: str) -> str:
        return sms_text.cut(await self.turns.line(item_id))

    def _store(self) -> SmsState:
        if self._state is None:
            services = self.turns.services_factory()
            self._state = SmsState(services.session_factory)
        return self._state

    async def _opted_out(self, contact: str) -> bool:
        try:
            return await asyncio.to_thread(self._store().is_opted_out, contact)
        except Exception as error:  # noqa: BLE001
            # Fail open: the patient just texted us, and a reply may say "call 911".
            logger.error("sms %s: opt-out state unreadable (%s)", contact, type(error).__name__)
            return False

    async def _set_opted_out(self, contact: str, opted_out: bool) -> None:
        try:
            await asyncio.to_thread(self._store().set_opted_out, contact, opted_out)
            logger.info("sms %s: %s", contact, "opted out" if opted_out else "opted in")
        except Exception as error:  # noqa: BLE001
            logger.error("sms %s: opt-out not stored (%s)", contact, type(error).__name__)

    async def _keep_for_care_team(self, contact: str, phone: str) -> None:
        services = self.turns.services_factory()
        try:
            await asyncio.to_thread(keep_contact, uow=services.handoff_uow(), conversation=contact,
                                    phone=phone, cipher=services.contact_cipher())
        except Exception as error:  # noqa: BLE001 - the reply still goes out
            logger.error("sms %s: number not kept for the care team (%s)", contact,
                         type(error).__name__)

    async def _chosen_payload(self, contact: str, body: str) -> str | None:
        try:
            return await asyncio.to_thread(self._store().take_choice, contact, body)
        except Exception as error:  # noqa: BLE001 - then "2" goes to Rasa as text
            logger.error("sms %s: choices unreadable (%s)", contact, type(error).__name__)
            return None

    async def _remember_choices(self, contact: str, choices: list[sms_text.Choice]) -> None:
        try:
            await asyncio.to_thread(self._store().offer_choices, contact, choices)
        except Exception as error:  # noqa: BLE001 - the reply still goes out
            logger.error("sms %s: choices not stored (%s)", contact, type(error).__name__)


def twilio_form(request: Request) -> RequestParameters:
    """The posted form with blank fields kept.

    Twilio signs every field it posts, ``Body=`` included (an MMS with no text); Sanic's
    ``request.form`` drops blank values, so the signature of such a message would never match.
    """
    content_type = request.headers.get("content-type", "").lower()
    if not content_type.startswith("application/x-www-form-urlencoded"):
        return RequestParameters()
    fields = parse_qs(request.body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return RequestParameters(fields)


def inbound_of(form: RequestParameters) -> IncomingSms | None:
    """The SMS in Twilio's form fields; None without a sender."""
    phone = (form.get("From") or "").strip()
    if not phone:
        return None
    body = form.get("Body") or ""
    return IncomingSms(phone=phone, body=body, message_sid=form.get("MessageSid") or None)


def _given(credentials: dict[str, Any], key: str, fallback: str) -> str:
    """A credentials value, unless blank or an unexpanded ``${VAR}``; else ``fallback``."""
    value = credentials.get(key)
    text = str(value).strip() if value is not None else ""
    if not text or text.startswith("${"):
        return fallback
    return text
