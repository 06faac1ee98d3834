"""Our Redis ticket lock on the real Redis (db 6); Rasa's stock store failing the same test."""

from __future__ import annotations

import asyncio
import time
import uuid

from rasa.core.lock_store import RedisLockStore

from bot.stores.lock_store import RedisTicketLockStore
from tests.integration.lock_harness import REDIS_URL, run_trial

TRIALS = 20


def ticket_store(**options: float) -> RedisTicketLockStore:
    return RedisTicketLockStore(REDIS_URL, key_prefix="tohtest", **options)


def stock_store() -> RedisLockStore:
    return RedisLockStore(host="127.0.0.1", port=6379, db=6, key_prefix="tohteststock")


def test_simultaneous_turns_on_three_replicas_each_store_once_one_at_a_time() -> None:
    trials = [run_trial(ticket_store) for _ in range(TRIALS)]
    failed = [t for t in trials if not t.ok]
    print(f"\nticket lock: {len(failed)}/{TRIALS} trials lost or overlapped turns")
    assert not failed, failed[:3]


def test_rasa_stock_redis_lock_store_loses_turns_in_the_same_test() -> None:
    trials = [run_trial(stock_store) for _ in range(TRIALS)]
    failed = [t for t in trials if not t.ok]
    lost = sum(t.lost + t.duplicated for t in trials)
    print(f"\nstock RedisLockStore: {len(failed)}/{TRIALS} trials failed, {lost} messages lost")
    assert failed, "Rasa's RedisLockStore passed every trial: the race test no longer bites"


async def test_turns_are_served_in_the_order_they_asked() -> None:
    replica_a, replica_b = ticket_store(), ticket_store()
    conversation = f"fifo-{uuid.uuid4().hex}"
    served: list[int] = []

    async def turn(number: int, store: RedisTicketLockStore) -> None:
        async with store.lock(conversation):
            served.append(number)
            await asyncio.sleep(0.01)

    async with replica_a.lock(conversation):
        tasks = []
        for number in range(6):
            tasks.append(asyncio.ensure_future(turn(number, (replica_a, replica_b)[number % 2])))
            await asyncio.sleep(0.02)  # each has its ticket before the next asks
    await asyncio.gather(*tasks)
    assert served == list(range(6))


async def test_a_waiter_is_woken_by_the_release_not_by_a_poll() -> None:
    holder, waiter = ticket_store(recheck=5.0), ticket_store(recheck=5.0)
    conversation = f"wake-{uuid.uuid4().hex}"
    acquired_at: list[float] = []

    async def wait_turn() -> None:
        async with waiter.lock(conversation):
            acquired_at.append(time.monotonic())

    async with holder.lock(conversation):
        task = asyncio.ensure_future(wait_turn())
        await asyncio.sleep(0.1)
        released_at = time.monotonic()
    await task
    assert acquired_at[0] - released_at < 0.2


async def test_a_dead_holders_ticket_expires_and_the_next_turn_goes_ahead() -> None:
    dead, alive = ticket_store(ttl=0.5, recheck=0.2), ticket_store(ttl=0.5, recheck=0.2)
    conversation = f"dead-{uuid.uuid4().hex}"
    await dead.issue(dead._keys(conversation))  # took the lock, then its replica died
    started = time.monotonic()
    async with alive.lock(conversation):
        waited = time.monotonic() - started
    assert 0.3 < waited < 1.5


async def test_a_live_holder_keeps_its_lock_past_the_ttl() -> None:
    holder, other = ticket_store(ttl=0.3, recheck=0.1), ticket_store(ttl=0.3, recheck=0.1)
    conversation = f"live-{uuid.uuid4().hex}"
    order: list[str] = []

    async def second() -> None:
        async with other.lock(conversation):
            order.append("second")

    async with holder.lock(conversation):
        task = asyncio.ensure_future(second())
        await asyncio.sleep(1.0)  # over three ttls: the heartbeat keeps the ticket alive
        order.append("first done")
    await task
    assert order == ["first done", "second"]


async def test_no_keys_are_left_behind() -> None:
    import redis.asyncio

    store = ticket_store()
    conversation = f"clean-{uuid.uuid4().hex}"
    async with store.lock(conversation):
        pass
    client = redis.asyncio.Redis.from_url(REDIS_URL)
    assert await client.keys(f"tohtest:ticketlock:{{{conversation}}}*") == []
    await client.close()
