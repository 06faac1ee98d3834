"""Abuse limits: fixed-window counts, which line applies, and what a Redis outage does."""

from __future__ import annotations

import logging

import pytest

from bot.channels.limits import (
    CONVERSATION_CAP,
    DAY,
    MINUTE,
    NO_ABUSE_LIMITS,
    RATE_LIMITED,
    AbuseLimits,
    LimitPolicy,
    MemoryCounter,
    RedisCounter,
    counter_for,
    policy_of,
)


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_counts_restart_in_each_window() -> None:
    clock = Clock(120.0)
    counter = MemoryCounter(clock)
    assert [counter.hit("a", MINUTE) for _ in range(3)] == [1, 2, 3]
    assert counter.hit("b", MINUTE) == 1
    clock.now += MINUTE
    assert counter.hit("a", MINUTE) == 1


def test_the_sender_limit_applies_per_sender() -> None:
    limits = AbuseLimits(MemoryCounter(Clock()), LimitPolicy(per_sender_per_minute=2))
    assert [limits.check_now("rest", "s1") for _ in range(3)] == [None, None, RATE_LIMITED]
    assert limits.check_now("rest", "s2") is None
    assert limits.check_now("sms", "s1") is None  # channels count apart


def test_the_ip_limit_covers_every_sender_of_an_address() -> None:
    limits = AbuseLimits(MemoryCounter(Clock()), LimitPolicy(per_ip_per_minute=2))
    got = [limits.check_now("rest", f"s{n}", "ip1") for n in range(3)]
    assert got == [None, None, RATE_LIMITED]
    assert limits.check_now("rest", "s9", "ip2") is None


def test_the_conversation_cap_lasts_the_day_and_then_lifts() -> None:
    clock = Clock(DAY * 100.0)
    policy = LimitPolicy(per_sender_per_minute=100, turns_per_day=3)
    limits = AbuseLimits(MemoryCounter(clock), policy)
    assert [limits.check_now("rest", "s1") for _ in range(4)] == [None] * 3 + [CONVERSATION_CAP]
    clock.now += MINUTE
    assert limits.check_now("rest", "s1") == CONVERSATION_CAP
    clock.now += DAY
    assert limits.check_now("rest", "s1") is None


def test_the_rate_line_wins_over_the_cap() -> None:
    policy = LimitPolicy(per_sender_per_minute=1, turns_per_day=1)
    limits = AbuseLimits(MemoryCounter(Clock()), policy)
    limits.check_now("rest", "s1")
    assert limits.check_now("rest", "s1") == RATE_LIMITED


def test_without_redis_url_counts_stay_in_memory() -> None:
    assert isinstance(counter_for(None), MemoryCounter)
    assert isinstance(counter_for("redis://127.0.0.1:6379/11"), RedisCounter)


class BrokenRedis:
    """A client whose every call fails, as when Redis is down."""

    def __init__(self) -> None:
        self.down = True
        self.counts: dict[str, int] = {}

    def pipeline(self) -> BrokenRedis:
        self.queued: list[str] = []
        return self

    def incr(self, name: str) -> None:
        self.queued.append(name)

    def expire(self, name: str, seconds: int) -> None:
        pass

    def execute(self) -> list[int]:
        if self.down:
            raise ConnectionError("Redis is down")
        name = self.queued[0]
        self.counts[name] = self.counts.get(name, 0) + 1
        return [self.counts[name], True]


def test_a_redis_outage_counts_in_memory_and_logs_once_each_way(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    client = BrokenRedis()
    counter = RedisCounter(client, clock=Clock())
    assert [counter.hit("a", MINUTE) for _ in range(3)] == [1, 2, 3]  # limits still hold
    client.down = False
    assert counter.hit("a", MINUTE) == 1  # back on Redis without a restart
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        "abuse limits: Redis unreachable (ConnectionError), counting in memory",
        "abuse limits: Redis answers again, counting there",
    ]


def test_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.config import load_settings

    monkeypatch.setenv("RATE_LIMIT_PER_SENDER", "5")
    monkeypatch.setenv("RATE_LIMIT_PER_IP", "50")
    monkeypatch.setenv("CONVERSATION_TURNS_PER_DAY", "500")
    assert policy_of(load_settings(env_file=None)) == LimitPolicy(5, 50, 500)
    for name in NO_ABUSE_LIMITS:
        monkeypatch.delenv(name)
    assert policy_of(load_settings(env_file=None)) == LimitPolicy()
