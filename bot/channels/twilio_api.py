"""Sending SMS through Twilio's REST API (``Messages.json``) without blocking the event loop.

Transient failures (429, 5xx, connection errors, timeouts) are retried with exponential backoff
(and ``Retry-After`` when Twilio sends one); after ``attempts`` tries the message is given up and
logged. Logs name the recipient by pseudonym only; Twilio's error text is masked too, since it
may quote the number.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
from dataclasses import dataclass, field

import aiohttp

from bot.privacy import mask_phone

logger = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.twilio.com"
# Stand-ins for unset credentials: with them nothing is sent (``TwilioAccount.dry_run``).
PLACEHOLDER_SID = "AC" + "x" * 32
PLACEHOLDER_TOKEN = "placeholder-auth-token"
PLACEHOLDER_NUMBER = "+15550100000"
RETRY_STATUSES = frozenset({408, 429})
MAX_RETRY_AFTER = 30.0
_PLACEHOLDER_SID = re.compile(r"^(AC)?[0xX.\u2026]*$")


def is_placeholder(account_sid: str) -> bool:
    """True for a missing or made-up account SID (``ACxxxxxxxx…``, ``AC000…``)."""
    return bool(_PLACEHOLDER_SID.match(account_sid.strip()))


@dataclass(frozen=True)
class TwilioAccount:
    """Where and as whom to send."""

    account_sid: str
    auth_token: str = field(repr=False)
    number: str = field(repr=False)
    api_base: str = DEFAULT_API_BASE

    @property
    def messages_url(self) -> str:
        """The account's ``Messages.json`` resource."""
        return f"{self.api_base.rstrip('/')}/2010-04-01/Accounts/{self.account_sid}/Messages.json"

    @property
    def dry_run(self) -> bool:
        """Placeholder credentials against the real API: log instead of sending."""
        return is_placeholder(self.account_sid) and self.api_base.rstrip("/") == DEFAULT_API_BASE


def account_or_placeholders(
    account_sid: str, auth_token: str, number: str, api_base: str = ""
) -> TwilioAccount:
    """The account, each blank value replaced by its placeholder."""
    return TwilioAccount(
        account_sid=account_sid or PLACEHOLDER_SID,
        auth_token=auth_token or PLACEHOLDER_TOKEN,
        number=number or PLACEHOLDER_NUMBER,
        api_base=api_base or DEFAULT_API_BASE,
    )


class TwilioMessages:
    """Sends one SMS at a time, on one aiohttp session per event loop."""

    def __init__(
        self,
        account: TwilioAccount,
        *,
        attempts: int = 4,
        base_delay: float = 0.5,
        timeout: float = 10.0,
    ) -> None:
        self.account = account
        self.attempts = attempts
        self.base_delay = base_delay
        self.timeout = timeout
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def send(self, to: str, body: str, *, log_id: str) -> bool:
        """Send ``body`` to ``to``; True once Twilio accepted it. ``log_id`` names it in logs."""
        if self.account.dry_run:
            logger.info(
                "sms %s: placeholder Twilio credentials, not sending %d chars", log_id, len(body)
            )
            return False
        form = {"To": to, "From": self.account.number, "Body": body}
        for attempt in range(1, self.attempts + 1):
            retry_after = await self._try(form, log_id=log_id, attempt=attempt)
            if retry_after is None:
                return True
            if retry_after < 0 or attempt == self.attempts:
                break
            await asyncio.sleep(retry_after)
        logger.error("sms %s: message not sent, gave up after %d attempt(s)", log_id, attempt)
        return False

    async def _try(self, form: dict[str, str], *, log_id: str, attempt: int) -> float | None:
        """One POST: None if accepted, else seconds to wait before retrying (-1: do not retry)."""
        try:
            async with self._client().post(self.account.messages_url, data=form) as response:
                if response.status < 300:
                    return None
                detail = await _error_detail(response)
                transient = response.status in RETRY_STATUSES or response.status >= 500
                logger.warning(
                    "sms %s: Twilio answered %d %s (attempt %d)",
                    log_id,
                    response.status,
                    detail,
                    attempt,
                )
                return (
                    self._backoff(attempt, response.headers.get("Retry-After")) if transient else -1
                )
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            logger.warning(
                "sms %s: %s reaching Twilio (attempt %d)", log_id, type(error).__name__, attempt
            )
            return self._backoff(attempt, None)

    def _backoff(self, attempt: int, retry_after: str | None) -> float:
        delay = self.base_delay * 2 ** (attempt - 1) * (1 + random.random() / 4)
        try:
            return min(max(delay, float(retry_after or 0)), MAX_RETRY_AFTER)
        except ValueError:
            return delay

    def _client(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            self._session = aiohttp.ClientSession(
                auth=aiohttp.BasicAuth(self.account.account_sid, self.account.auth_token),
                timeout=aiohttp.ClientTimeout(total=self.timeout),
            )
            self._loop = loop
        return self._session

    async def close(self) -> None:
        """Close the HTTP session (on server stop)."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None


async def _error_detail(response: aiohttp.ClientResponse) -> str:
    """Twilio's error code and masked message, e.g. ``(code 21211: Invalid 'To' ***99)``."""
    try:
        payload = await response.json(content_type=None)
    except (ValueError, aiohttp.ClientError):
        return ""
    if not isinstance(payload, dict):
        return ""
    return f"(code {payload.get('code')}: {mask_phone(str(payload.get('message', '')))})"
