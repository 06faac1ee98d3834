"""A nurse's reply by SMS: Twilio's REST API and the SMS channel's opt-outs, called blocking.

The web app serves requests in worker threads with no event loop, so each reply runs the async
``TwilioMessages`` (retries, masked logs) to completion on a loop of its own.
"""
from __future__ import annotations

import asyncio

from bot.channels.sms_state import SmsState
from bot.channels.twilio_api import TwilioAccount, TwilioMessages


class TwilioPatientSms:
    """``bot.handoff.service.PatientSms`` on Twilio and the ``sms_contacts`` table."""

    def __init__(self, account: TwilioAccount, state: SmsState) -> None:
        self._account = account
        self._state = state

    def opted_out(self, conversation: str) -> bool:
        """True if the patient sent STOP (an SMS conversation id is the contact's pseudonym)."""
        return self._state.is_opted_out(conversation)

    def send(self, phone: str, body: str, *, log_id: str) -> bool:
        """Send one SMS and wait for Twilio's answer; True if it was accepted."""
        return asyncio.run(self._send(phone, body, log_id))

    async def _send(self, phone: str, body: str, log_id: str) -> bool:
        messages = TwilioMessages(self._account)
        try:
            return await messages.send(phone, body, log_id=log_id)
        finally:
            await messages.close()
