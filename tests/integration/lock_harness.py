"""Concurrent turns of one conversation through a lock store, as several replicas would run them.

Each replica is a thread with its own event loop and its own store (its own Redis connections).
A turn takes the conversation's lock, reads the "tracker" (a JSON list in Redis), waits a little
(the turn's work) and writes it back with its message appended: exactly what Rasa does with a
tracker. A correct lock keeps every message exactly once, one holder at a time.
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import redis
from rasa.core.lock_store import LockStore

REDIS_URL = "redis://127.0.0.1:6379/6"  # this worktree's Redis db (see CODE_RULES)


@dataclass
class Trial:
    """What one burst of concurrent turns left behind."""

    sent: list[str]
    stored: list[str]
    most_holders: int
    errors: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        """Messages sent but not stored."""
        return len(set(self.sent) - set(self.stored))

    @property
    def duplicated(self) -> int:
        """Messages stored more than once."""
        return len(self.stored) - len(set(self.stored))

    @property
    def ok(self) -> bool:
        """Every message once, never two holders, no error."""
        return not (self.lost or self.duplicated or self.errors) and self.most_holders == 1


class _Holders:
    def __init__(self) -> None:
        self.lock, self.now, self.most = threading.Lock(), 0, 0

    def enter(self) -> None:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)

    def leave(self) -> None:
        with self.lock:
            self.now -= 1


def run_trial(
    make_store: Callable[[], LockStore],
    *,
    replicas: int = 3,
    turns: int = 5,
    work: float = 0.02,
    poll: float = 0.05,
) -> Trial:
    """``turns`` simultaneous messages of one new conversation, spread over ``replicas``."""
    client = redis.Redis.from_url(REDIS_URL)
    conversation = f"race-{uuid.uuid4().hex}"
    tracker_key = f"toh-test:tracker:{conversation}"
    sent = [f"m{i}" for i in range(turns)]
    holders, errors = _Holders(), []
    start = threading.Barrier(replicas)

    async def turn(store: LockStore, message: str) -> None:
        async with store.lock(conversation, 30, poll):
            holders.enter()
            events = json.loads(client.get(tracker_key) or "[]")
            await asyncio.sleep(work)
            client.set(tracker_key, json.dumps([*events, message]))
            holders.leave()

    def replica(index: int) -> None:
        store = make_store()
        mine = sent[index::replicas]
        start.wait()

        async def all_turns() -> None:
            results = await asyncio.gather(*(turn(store, m) for m in mine), return_exceptions=True)
            errors.extend(type(r).__name__ for r in results if isinstance(r, BaseException))

        asyncio.run(all_turns())

    threads = [threading.Thread(target=replica, args=(i,)) for i in range(replicas)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stored = json.loads(client.get(tracker_key) or "[]")
    client.delete(tracker_key)
    return Trial(sent, stored, holders.most, errors)
