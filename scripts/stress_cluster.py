"""Stress the cluster: conversations × bursts of simultaneous messages, with each lock store.

Usage: .venv/bin/python scripts/stress_cluster.py [--conversations 200] [--burst 5] [--rounds 2]
       [--parallel 10] [--replicas 2] [--lock-store both|ticket|rasa-redis] [--no-kill]

For each lock store it starts ``python -m bot.cluster`` (what ``make cluster`` runs) on spare
ports over a fresh PostgreSQL database (dropped afterwards) and ``REDIS_URL``
(default redis://127.0.0.1:6379/0), sends ``rounds`` bursts per conversation through the load
balancer, kills one replica between the first two rounds (the supervisor restarts it), then
counts what the conversation store kept. ``rasa-redis`` is Rasa OSS's own ``RedisLockStore``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import temporary_postgres_database  # noqa: E402
from tests.e2e.stress import (  # noqa: E402
    StressReport,
    check_store,
    new_senders,
    send_round,
    start_cluster,
)

LOCK_STORES = {"ticket": "", "rasa-redis": "rasa-redis"}


def run(kind: str, args: argparse.Namespace, redis_url: str) -> StressReport:
    """One full stress run against a fresh cluster using lock store ``kind``."""
    report = StressReport()
    with temporary_postgres_database() as database_url:
        cluster = start_cluster(
            database_url,
            redis_url,
            replicas=args.replicas,
            run_dir=ROOT / "build" / "stress" / kind,
            extra_env={"LOCK_STORE": LOCK_STORES[kind]},
        )
        try:
            senders = new_senders(args.conversations, label=kind)
            for round_index in range(args.rounds):
                if round_index == 1 and not args.no_kill:
                    pid = cluster.kill_replica(0)
                    print(f"  killed replica 1 (pid {pid}) between bursts", flush=True)
                started = time.monotonic()
                report.answers += asyncio.run(
                    send_round(
                        cluster.url, senders, round_index, burst=args.burst, parallel=args.parallel
                    )
                )
                print(f"  round {round_index + 1}: {time.monotonic() - started:.0f} s", flush=True)
            time.sleep(3)  # turns answered "unavailable" after a timeout may still be finishing
            check_store(database_url, report)
        finally:
            cluster.stop()
    return report


def main() -> int:
    """Run the stress test for the chosen lock stores and print the numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--burst", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--parallel", type=int, default=10, help="conversations bursting at once")
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--lock-store", choices=["both", *LOCK_STORES], default="both")
    parser.add_argument("--no-kill", action="store_true", help="do not kill a replica")
    args = parser.parse_args()
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    kinds = list(LOCK_STORES) if args.lock_store == "both" else [args.lock_store]
    failed = False
    for kind in kinds:
        print(f"{kind} lock store, {args.replicas} replicas:", flush=True)
        report = run(kind, args, redis_url)
        print(f"  {report.summary()}", flush=True)
        failed |= kind == "ticket" and not report.ok
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
