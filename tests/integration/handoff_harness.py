"""An SMS conversation handed to the care team, without a trained model.

- ``RecordingBot`` stands in for Rasa's agent (``BotDouble``), but stores each turn with the real
  redacting SQL tracker store (so the inbox reads a real ``events`` table) and answers through the
  real ``ReplyService`` of ``Services`` (so an escalation or a request for a person opens the real
  case): text with "fever" escalates (urgent), text with "nurse" asks for a person.
- ``SmsPhone`` is the patient's phone: signed Twilio webhooks into a real ``SmsInput`` served on a
  free port, whose replies go to a ``FakeTwilio``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from twilio.request_validator import RequestValidator

from bot.channels.sms import SmsInput
from bot.channels.twilio_api import TwilioAccount, TwilioMessages
from bot.replies import Reply
from bot.stores.rasa_stores import RedactingSQLTrackerStore, tracker_store_kwargs
from bot.wiring import Services
from tests.integration.channel_harness import (
    BotDouble,
    build_content_db,
    content_services_at,
    fresh_gate,
    serve,
)
from tests.integration.fake_twilio import FakeTwilio

SID = "AC" + "7" * 32
TOKEN = "handoff-test-auth-token"
OUR_NUMBER = "+15550100199"
CONTACT_KEY = "handoff-test-contact-key-" + "c" * 24
FEVER = {"entity": "red_flag", "value": "fever", "tier": "urgent", "escalation": "esc_infection",
         "label": "a fever"}


def handoff_services(path: Path, twilio: FakeTwilio) -> Services:
    """A migrated SQLite store with content/, whose Twilio account is ``twilio``."""
    build_content_db(path)
    return content_services_at(
        path, tracker_database_url=f"sqlite:///{path}", contact_key=CONTACT_KEY,
        twilio_account_sid=SID, twilio_auth_token=TOKEN, twilio_number=OUR_NUMBER,
        twilio_api_base=twilio.base_url,
    )


class RecordingBot(BotDouble):
    """Rasa's agent for hand-off tests (see the module's docstring)."""

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self._replies = services.replies()
        self._url = services.settings.tracker_database_url

    async def handle_message(self, message: UserMessage) -> None:
        """Answer, store the turn as Rasa would (redacted), send the answer."""
        self.received.append(message)
        sender, channel, text = message.sender_id, message.output_channel.name(), message.text or ""
        if "fever" in text:
            reply = self._replies.escalation([FEVER], "urgent", channel=channel, sender_id=sender)
        elif "nurse" in text:
            reply = self._replies.hand_off(sender, channel)
        else:
            reply = self._replies.message("not_understood", channel)
        await self._store(sender, text, channel, reply)
        await message.output_channel.send_response(sender, reply.as_message())

    async def _store(self, sender: str, text: str, channel: str, reply: Reply) -> None:
        store = RedactingSQLTrackerStore(domain=Domain.empty(), **tracker_store_kwargs(self._url))
        tracker = await store.retrieve(sender) or DialogueStateTracker(sender, [])
        tracker.update(UserUttered(text, {"name": "escalate_urgent"}, input_channel=channel))
        tracker.update(BotUttered(reply.text, metadata={"content_id": reply.content_id}))
        await store.save(tracker)
        store.engine.dispose()


@dataclass
class SmsPhone:
    """A patient's phone texting one SMS channel, as Twilio relays it."""

    number: str
    base_url: str
    channel: SmsInput

    async def text(self, body: str) -> None:
        """Post one signed SMS to the webhook and wait until the channel has handled it."""
        url = f"{self.base_url}/webhooks/sms/webhook"
        form = {"From": self.number, "To": OUR_NUMBER, "Body": body, "AccountSid": SID}
        signature = RequestValidator(TOKEN).compute_signature(url, form)
        async with aiohttp.ClientSession() as http:
            async with http.post(url, data=form, headers={"X-Twilio-Signature": signature}) as sent:
                assert sent.status == 200
        await self.channel.drain(timeout=10)


@asynccontextmanager
async def sms_phone(services: Services, number: str) -> AsyncIterator[SmsPhone]:
    """The SMS channel on ``services`` with a ``RecordingBot``, and a phone to text it."""
    settings = services.settings
    account = TwilioAccount(SID, TOKEN, OUR_NUMBER, api_base=settings.twilio_api_base)
    channel = SmsInput(account, services_factory=lambda: services, turn_timeout=10,
                       sender=TwilioMessages(account, base_delay=0.01), gate=fresh_gate())
    bot = RecordingBot(services)
    channel.conversations = lambda _: bot
    async with serve([channel], bot) as base_url:
        yield SmsPhone(number, base_url, channel)
