"""Abuse limits on a real Redis (db 11): replicas share counts; an outage loosens, never silences.

Needs Redis at 127.0.0.1:6379: without it these tests fail, they do not skip.
"""

from __future__ import annotations

import uuid

import redis  # type: ignore[import-untyped]

from bot.channels.limits import DAY, MINUTE, RATE_LIMITED, AbuseLimits, LimitPolicy, RedisCounter
from tests.integration.channel_harness import free_port

REDIS_URL = "redis://127.0.0.1:6379/11"


def test_two_replicas_share_one_count() -> None:
    prefix = f"toh:test:{uuid.uuid4().hex}"
    policy = LimitPolicy(per_sender_per_minute=3)
    replica_a, replica_b = (
        AbuseLimits(RedisCounter.from_url(REDIS_URL, prefix=prefix), policy) for _ in range(2)
    )
    got = [replica.check_now("rest", "s1") for replica in (replica_a, replica_b) * 2]
    assert got == [None, None, None, RATE_LIMITED]
    client = redis.Redis.from_url(REDIS_URL)
    keys = client.keys(f"{prefix}:*")
    assert keys and all(0 < client.ttl(key) <= DAY + 1 for key in keys)  # counts expire
    client.delete(*keys)


def test_an_unreachable_redis_counts_in_memory() -> None:
    counter = RedisCounter.from_url(f"redis://127.0.0.1:{free_port()}/11")  # nothing listens
    assert [counter.hit("a", MINUTE) for _ in range(2)] == [1, 2]
