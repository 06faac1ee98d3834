"""A Redis ticket lock that several Rasa replicas can share without losing a turn.

Rasa OSS's ``RedisLockStore`` issues tickets by reading the lock's JSON, adding a ticket and
writing it back: two replicas that do this at once both get the same number (or overwrite each
other's queue), so two turns of one conversation run together and one user turn is lost.

Here every step that reads and writes runs as one Lua script, so Redis applies it atomically:

- ``issue``: ``INCR`` a per-conversation counter, queue the number (a sorted set, first in first
  out) and mark the ticket alive (a key with a time to live that its owner keeps refreshing);
- ``head``: the oldest ticket whose owner is still alive; dead owners' tickets are dropped, so a
  replica that died while holding or waiting for the lock blocks no one for longer than ``ttl``;
- ``release``: drop the ticket and wake the next owner by pushing to its own list.

A waiter blocks on its list (``BLPOP``), woken by the release of the ticket before it; the
``BLPOP`` timeout (``recheck`` seconds) is only there to notice a holder that died.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore

logger = logging.getLogger(__name__)

DEFAULT_TTL = 10.0  # seconds a ticket outlives its owner's last sign of life
DEFAULT_RECHECK = 1.0  # longest a waiter sleeps without looking (a dead holder's expiry)
_KEY_LIFETIME_MS = 24 * 3600 * 1000  # idle queue and counter keys vanish after a day

# Drops dead tickets from the head of the queue; returns the live head (or false).
_HEAD = """
local function head(queue, alive_prefix, wake_prefix, ttl_ms)
  while true do
    local first = redis.call('ZRANGE', queue, 0, 0)[1]
    if not first then return false end
    if redis.call('EXISTS', alive_prefix .. first) == 1 then return first end
    redis.call('ZREM', queue, first)
    redis.call('DEL', wake_prefix .. first)
    local next_one = redis.call('ZRANGE', queue, 0, 0)[1]
    if next_one then
      redis.call('RPUSH', wake_prefix .. next_one, 1)
      redis.call('PEXPIRE', wake_prefix .. next_one, ttl_ms)
    end
  end
end
"""
# KEYS: counter, queue; ARGV: alive prefix, ttl ms, key lifetime ms.
ISSUE = """
local number = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], number, number)
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('SET', ARGV[1] .. number, 1, 'PX', ARGV[2])
return number
"""
# KEYS: queue; ARGV: alive prefix, wake prefix, ttl ms, ticket. Returns 1 if ticket is served.
TRY = (
    _HEAD
    + """
if redis.call('EXISTS', ARGV[1] .. ARGV[4]) == 0 then return -1 end
local first = head(KEYS[1], ARGV[1], ARGV[2], ARGV[3])
if first == ARGV[4] then return 1 end
return 0
"""
)
# KEYS: queue, counter; ARGV: alive prefix, wake prefix, ttl ms, ticket.
RELEASE = (
    _HEAD
    + """
redis.call('ZREM', KEYS[1], ARGV[4])
redis.call('DEL', ARGV[1] .. ARGV[4], ARGV[2] .. ARGV[4])
local first = head(KEYS[1], ARGV[1], ARGV[2], ARGV[3])
if first then
  redis.call('RPUSH', ARGV[2] .. first, 1)
  redis.call('PEXPIRE', ARGV[2] .. first, ARGV[3])
else
  redis.call('DEL', KEYS[1], KEYS[2])
end
return 1
"""
)


class TicketExpired(LockError):
    """Our ticket expired while we waited (this process stalled for longer than ``ttl``)."""


@dataclass(frozen=True)
class _Keys:
    counter: str
    queue: str
    alive: str
    wake: str


class RedisTicketLockStore(LockStore):
    """First-in first-out ticket locks per conversation, shared through Redis."""

    def __init__(
        self,
        url: str,
        *,
        key_prefix: str = "toh",
        ttl: float = DEFAULT_TTL,
        recheck: float = DEFAULT_RECHECK,
    ) -> None:
        """Nothing connects until the first ``lock``.

        Args:
            url: ``redis://[:password@]host:port/db`` (``rediss://`` for TLS).
            key_prefix: prefix of every key this store writes.
            ttl: seconds after which the ticket of a silent (dead) owner is dropped.
            recheck: longest wait between two looks at the queue while blocked.

        """
        self.url = url
        self.key_prefix = f"{key_prefix}:ticketlock"
        self.ttl = ttl
        self.recheck = recheck
        self._client: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        super().__init__()

    def _redis(self) -> Any:
        """An asyncio Redis client bound to the running event loop."""
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            import redis.asyncio  # type: ignore[import-untyped]

            self._client = redis.asyncio.Redis.from_url(self.url, socket_timeout=10)
            self._loop = loop
        return self._client

    def _keys(self, conversation_id: str) -> _Keys:
        base = f"{self.key_prefix}:{{{conversation_id}}}"
        return _Keys(f"{base}:counter", f"{base}:queue", f"{base}:alive:", f"{base}:wake:")

    @property
    def _ttl_ms(self) -> int:
        return max(1, int(self.ttl * 1000))

    @contextlib.asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = DEFAULT_RECHECK,
    ) -> AsyncIterator[TicketLock]:
        """Hold the conversation's lock; turns are served in the order they asked.

        Args:
            conversation_id: the conversation to lock.
            lock_lifetime: longest time a holder keeps the lock alive (a stuck turn lets go).
            wait_time_in_seconds: ignored (kept for Rasa's signature); see ``recheck``.

        """
        keys = self._keys(conversation_id)
        ticket = await self.issue(keys)
        heartbeat = asyncio.ensure_future(self._keep_alive(keys, ticket, lock_lifetime))
        try:
            await self._wait_for_turn(keys, ticket)
            yield TicketLock(conversation_id)
        finally:
            heartbeat.cancel()
            await self._release(keys, ticket)

    async def issue(self, keys: _Keys) -> int:
        """A new ticket, queued last."""
        script = self._redis().register_script(ISSUE)
        args = [keys.alive, self._ttl_ms, _KEY_LIFETIME_MS]
        return int(await script(keys=[keys.counter, keys.queue], args=args))

    async def _try(self, keys: _Keys, ticket: int) -> bool:
        script = self._redis().register_script(TRY)
        served = int(
            await script(keys=[keys.queue], args=[keys.alive, keys.wake, self._ttl_ms, ticket])
        )
        if served < 0:
            raise TicketExpired(f"ticket {ticket} expired while waiting")
        return served == 1

    async def _wait_for_turn(self, keys: _Keys, ticket: int) -> None:
        while not await self._try(keys, ticket):
            await self._redis().blpop([f"{keys.wake}{ticket}"], timeout=self.recheck)

    async def _keep_alive(self, keys: _Keys, ticket: int, lifetime: float) -> None:
        """Refresh the ticket while its owner lives, for at most ``lifetime`` seconds."""
        deadline = time.monotonic() + max(lifetime, self.ttl)
        while time.monotonic() < deadline:
            await asyncio.sleep(self.ttl / 3)
            try:
                await self._redis().set(f"{keys.alive}{ticket}", 1, px=self._ttl_ms, xx=True)
            except Exception as error:  # noqa: BLE001 - try again; expiry is the safe outcome
                logger.warning("could not refresh a lock ticket (%s)", type(error).__name__)

    async def _release(self, keys: _Keys, ticket: int) -> None:
        script = self._redis().register_script(RELEASE)
        await script(
            keys=[keys.queue, keys.counter], args=[keys.alive, keys.wake, self._ttl_ms, ticket]
        )

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        """Not used: this store's state lives in Redis scripts, not in a ``TicketLock``."""
        raise NotImplementedError("RedisTicketLockStore only offers `lock()`")

    def delete_lock(self, conversation_id: str) -> None:
        """Not used (see ``get_lock``)."""
        raise NotImplementedError("RedisTicketLockStore only offers `lock()`")

    def save_lock(self, lock: TicketLock) -> None:
        """Not used (see ``get_lock``)."""
        raise NotImplementedError("RedisTicketLockStore only offers `lock()`")
