"""`make cluster` (``python -m bot.cluster``): two replicas behind nginx, bursts, a replica killed.

20 conversations each send bursts of 5 simultaneous messages through the load balancer (round
robin: a conversation's messages land on both replicas). Every message must be stored exactly
once, with a bot turn between any two user turns, no 5xx and no empty answer; killing a replica
between bursts loses nothing, the supervisor restarts it, and Ctrl-C stops everything.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import temporary_postgres_database
from tests.e2e.stress import ClusterProcess, StressReport, check_store, new_senders, send_round

pytestmark = pytest.mark.servers

CONVERSATIONS = 20
BURST = 5
REDIS_URL = "redis://127.0.0.1:6379/6"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ClusterProcess, str]]:
    from tests.e2e.stress import start_cluster

    with temporary_postgres_database() as database_url:
        run_dir = tmp_path_factory.mktemp("cluster")
        running = start_cluster(database_url, REDIS_URL, replicas=2, run_dir=run_dir)
        try:
            yield running, database_url
        finally:
            running.stop()


def burst_round(
    cluster: ClusterProcess, database_url: str, senders: list[str], rounds: range
) -> StressReport:
    report = StressReport()
    for round_index in rounds:
        report.answers += asyncio.run(
            send_round(cluster.url, senders, round_index, burst=BURST, parallel=10)
        )
    check_store(database_url, report)
    return report


def test_bursts_through_the_load_balancer_lose_nothing(cluster) -> None:
    running, database_url = cluster
    report = burst_round(running, database_url, new_senders(CONVERSATIONS), range(1))
    assert report.ok, report.summary()
    assert len(report.answers) == CONVERSATIONS * BURST


def test_killing_a_replica_between_bursts_loses_nothing(cluster) -> None:
    running, database_url = cluster
    senders = new_senders(CONVERSATIONS, label="kill")
    before = burst_round(running, database_url, senders, range(1))
    old_pid = running.kill_replica(0)
    during = burst_round(running, database_url, senders, range(1, 2))  # one replica serves
    running.wait_for_replica(0, old_pid)
    after = burst_round(running, database_url, senders, range(2, 3))
    for report in (before, during, after):
        assert report.ok, report.summary()
    log = (running.run_dir / "cluster.log").read_text()
    assert "rasa-1 exited" in log and "rasa-1 is back in the rotation" in log


def test_ctrl_c_stops_every_server(cluster) -> None:
    running, _ = cluster
    pids = [running.replica_pid(i) for i in range(2)]
    assert running.stop() == 0
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists() or _is_zombie(pid)
    assert not os.path.exists(running.run_dir / "nginx.pid")


def _is_zombie(pid: int) -> bool:
    return " Z " in Path(f"/proc/{pid}/stat").read_text()
