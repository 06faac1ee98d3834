"""Abuse limits on the patient channels: per sender, per IP, and turns per conversation per day.

Counting sits behind ``Counter`` (fixed windows): ``MemoryCounter`` for one process (and the
tests), ``RedisCounter`` when ``REDIS_URL`` is set so every replica shares the counts. Keys hold
pseudonyms, never a phone number or an IP in clear. If Redis stops answering, the process counts
in memory until it answers again (one log line each way): limits loosen, patients are answered.

A message over a limit is still screened for red flags by the channel before the polite
``rate_limited`` / ``conversation_cap`` line is sent (see ``bot.channels.gate``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from bot.config import Settings

logger = logging.getLogger(__name__)

# The environment that turns the limits off, for benchmarks and end-to-end tests, which send
# hundreds of messages a minute from 127.0.0.1.
NO_ABUSE_LIMITS = {
    "RATE_LIMIT_PER_SENDER": "1000000",
    "RATE_LIMIT_PER_IP": "1000000",
    "CONVERSATION_TURNS_PER_DAY": "1000000",
}
RATE_LIMITED = "rate_limited"
CONVERSATION_CAP = "conversation_cap"
MINUTE = 60
DAY = 24 * 60 * 60


class Counter(Protocol):
    """Counts hits of a key in fixed windows."""

    def hit(self, key: str, window: int) -> int:
        """Count one hit of ``key``; the number of hits in the current ``window`` seconds."""


class MemoryCounter:
    """Fixed-window counts in this process's memory (old windows are dropped as it goes)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        """``clock`` gives seconds (tests pass their own)."""
        self._clock = clock
        self._counts: dict[tuple[str, int, int], int] = {}

    def hit(self, key: str, window: int) -> int:
        """Count one hit of ``key`` in the current window."""
        slot = int(self._clock() // window)
        if len(self._counts) > 100_000:
            self._counts = {k: v for k, v in self._counts.items() if k[2] >= slot - 1}
        entry = (key, window, slot)
        self._counts[entry] = self._counts.get(entry, 0) + 1
        return self._counts[entry]


class RedisCounter:
    """Fixed-window counts in Redis (``INCR`` + ``EXPIRE``), shared by every replica."""

    def __init__(
        self,
        client: Any,
        *,
        prefix: str = "toh:limits",
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``client``: a ``redis.Redis``; ``prefix`` starts every key."""
        self._client = client
        self._prefix = prefix
        self._clock = clock
        self._fallback = MemoryCounter(clock)
        self._down = False

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> RedisCounter:
        """A counter on the Redis at ``url`` (connects on first hit; short timeouts)."""
        import redis  # type: ignore[import-untyped]

        client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        return cls(client, **kwargs)

    def hit(self, key: str, window: int) -> int:
        """Count in Redis; in memory while Redis is unreachable."""
        slot = int(self._clock() // window)
        name = f"{self._prefix}:{window}:{slot}:{key}"
        try:
            pipe = self._client.pipeline()
            pipe.incr(name)
            pipe.expire(name, window + 1)
            count = int(pipe.execute()[0])
        except Exception as error:  # noqa: BLE001 - a Redis outage must not silence patients
            if not self._down:
                name_of = type(error).__name__
                logger.error("abuse limits: Redis unreachable (%s), counting in memory", name_of)
                self._down = True
            return self._fallback.hit(key, window)
        if self._down:
            logger.warning("abuse limits: Redis answers again, counting there")
            self._down = False
        return count


@dataclass(frozen=True)
class LimitPolicy:
    """How much one sender, one IP and one conversation may send."""

    per_sender_per_minute: int = 20
    per_ip_per_minute: int = 120  # a clinic waiting room shares one address
    turns_per_day: int = 200


def policy_of(settings: Settings) -> LimitPolicy:
    """The limits set in ``settings`` (environment: ``RATE_LIMIT_PER_SENDER`` and so on)."""
    return LimitPolicy(
        per_sender_per_minute=settings.rate_limit_per_sender,
        per_ip_per_minute=settings.rate_limit_per_ip,
        turns_per_day=settings.conversation_turns_per_day,
    )


class AbuseLimits:
    """Counts a message against every limit; says which polite line applies, if any."""

    def __init__(self, counter: Counter, policy: LimitPolicy | None = None) -> None:
        """``counter``: where counts live; ``policy``: the limits."""
        self.counter = counter
        self.policy = policy or LimitPolicy()

    def check_now(self, channel: str, sender: str, ip: str | None = None) -> str | None:
        """Count one message; ``rate_limited``, ``conversation_cap`` or None (blocking).

        ``sender`` and ``ip`` must already be pseudonyms.
        """
        policy = self.policy
        over_rate = self.counter.hit(f"{channel}:s:{sender}", MINUTE) > policy.per_sender_per_minute
        if ip is not None:
            over_rate |= self.counter.hit(f"{channel}:ip:{ip}", MINUTE) > policy.per_ip_per_minute
        turns = self.counter.hit(f"{channel}:day:{sender}", DAY)
        if over_rate:
            return RATE_LIMITED
        return CONVERSATION_CAP if turns > policy.turns_per_day else None

    async def check(self, channel: str, sender: str, ip: str | None = None) -> str | None:
        """``check_now`` in a worker thread (Redis is a network call)."""
        return await asyncio.to_thread(self.check_now, channel, sender, ip)


def counter_for(redis_url: str | None) -> Counter:
    """Redis when ``REDIS_URL`` is set, else this process's memory."""
    if redis_url:
        return RedisCounter.from_url(redis_url)
    return MemoryCounter()
