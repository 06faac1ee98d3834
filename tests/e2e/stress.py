"""Bursts of simultaneous messages per conversation through a load balancer, and what got stored.

Used by ``tests/e2e/test_cluster.py`` (20 conversations) and ``scripts/stress_cluster.py``
(``make bench``: 200 conversations). Each conversation sends ``burst`` different messages at
once; afterwards the conversation store must hold each of them exactly once, with a bot turn
between any two user turns, and every request must have had a non-empty answer without a 5xx.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from sqlalchemy import create_engine, text

from bot.channels.inbound import unavailable_text
from bot.config import REPO_ROOT
from bot.content.files import read_items

QUESTIONS = (
    "how long does TOH last",
    "can I drive with this",
    "is it the same as osteoarthritis",
    "do I need surgery",
    "what causes it",
    "can I go to work",
    "will it come back",
    "how is it diagnosed",
    "what medicines help",
    "can I put weight on my leg",
)


@dataclass
class Answer:
    """One HTTP exchange."""

    sender: str
    message: str
    status: int
    texts: list[str]
    seconds: float


@dataclass
class StressReport:
    """What the clients saw and what the store kept."""

    answers: list[Answer] = field(default_factory=list)
    lost: int = 0
    duplicated: int = 0
    back_to_back: int = 0
    conversations: int = 0

    @property
    def statuses(self) -> Counter[int]:
        """HTTP status counts."""
        return Counter(a.status for a in self.answers)

    @property
    def server_errors(self) -> int:
        """Answers with a 5xx status (or no HTTP answer at all: status 0)."""
        return sum(1 for a in self.answers if a.status >= 500 or a.status == 0)

    @property
    def empty(self) -> int:
        """200 answers without any text."""
        return sum(1 for a in self.answers if a.status == 200 and not any(a.texts))

    @property
    def unavailable(self) -> int:
        """Answers that were the "temporarily unavailable" line (a turn failed or timed out)."""
        lines = {unavailable_text(), _item_text("unavailable")}
        return sum(1 for a in self.answers if a.texts and a.texts[-1].strip() in lines)

    @property
    def ok(self) -> bool:
        """Nothing lost, duplicated or interleaved; no 5xx and no empty answer."""
        return not (
            self.lost or self.duplicated or self.back_to_back or self.server_errors or self.empty
        )

    def summary(self) -> str:
        """One line of numbers."""
        seconds = sorted(a.seconds for a in self.answers) or [0.0]
        p95 = seconds[int(0.95 * (len(seconds) - 1))]
        return (
            f"{self.conversations} conversations, {len(self.answers)} messages: "
            f"lost {self.lost}, stored twice {self.duplicated}, user turns back to back "
            f"{self.back_to_back}, 5xx {self.server_errors}, empty {self.empty}, "
            f"'unavailable' {self.unavailable}; HTTP {dict(sorted(self.statuses.items()))}; "
            f"latency p50 {statistics.median(seconds):.2f} s, "
            f"p95 {p95:.2f} s, max {seconds[-1]:.2f} s"
        )


def _item_text(item_id: str) -> str:
    return next(s for s in read_items(REPO_ROOT / "content") if s.id == item_id).text.strip()


def new_senders(count: int, label: str = "stress") -> list[str]:
    """Fresh conversation ids."""
    run = uuid.uuid4().hex[:8]
    return [f"{label}-{run}-{i}" for i in range(count)]


def burst_messages(sender_index: int, round_index: int, burst: int) -> list[str]:
    """``burst`` different messages (a numbered question each, so each is recognisable)."""
    return [
        f"{QUESTIONS[(sender_index + round_index * burst + i) % len(QUESTIONS)]} "
        f"(r{round_index}m{i})"
        for i in range(burst)
    ]


async def _send(session: aiohttp.ClientSession, url: str, sender: str, message: str) -> Answer:
    started = time.monotonic()
    try:
        async with session.post(url, json={"sender": sender, "message": message}) as response:
            body = await response.text()
            status = response.status
    except (aiohttp.ClientError, asyncio.TimeoutError):
        return Answer(sender, message, 0, [], time.monotonic() - started)
    texts = [m.get("text") or "" for m in json.loads(body)] if status == 200 else []
    return Answer(sender, message, status, texts, time.monotonic() - started)


async def send_round(
    base_url: str, senders: list[str], round_index: int, *, burst: int, parallel: int
) -> list[Answer]:
    """One burst per conversation; ``parallel`` conversations burst at the same time."""
    url = f"{base_url}/webhooks/rest/webhook"
    gate = asyncio.Semaphore(parallel)
    timeout = aiohttp.ClientTimeout(total=180)
    connector = aiohttp.TCPConnector(limit=parallel * burst + 10)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:

        async def conversation(index: int, sender: str) -> list[Answer]:
            async with gate:
                messages = burst_messages(index, round_index, burst)
                sends = [_send(session, url, sender, message) for message in messages]
                return list(await asyncio.gather(*sends))

        groups = await asyncio.gather(*(conversation(i, s) for i, s in enumerate(senders)))
    return [answer for group in groups for answer in group]


def check_store(database_url: str, report: StressReport) -> None:
    """Compare what was sent with the user and bot events the tracker store holds."""
    senders = sorted({a.sender for a in report.answers})
    sent: dict[str, Counter[str]] = {s: Counter() for s in senders}
    for answer in report.answers:
        sent[answer.sender][answer.message] += 1
    engine = create_engine(database_url, future=True)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT sender_id, type_name, data FROM events "
                    "WHERE sender_id = ANY(:senders) AND type_name IN ('user', 'bot') ORDER BY id"
                ),
                {"senders": senders},
            ).all()
    finally:
        engine.dispose()
    stored: dict[str, list[tuple[str, str]]] = {s: [] for s in senders}
    for sender, kind, data in rows:
        stored[sender].append((kind, json.loads(data).get("text") or ""))
    report.conversations = len(senders)
    for sender in senders:
        _compare(sent[sender], stored[sender], report)


def _compare(sent: Counter[str], events: list[tuple[str, str]], report: StressReport) -> None:
    kept = Counter(message for kind, message in events if kind == "user" and message in sent)
    report.lost += sum((sent - kept).values())
    report.duplicated += sum((kept - sent).values())
    kinds = [kind for kind, _ in events]
    pairs = zip(kinds, kinds[1:], strict=False)
    report.back_to_back += sum(1 for a, b in pairs if a == b == "user")


@dataclass
class ClusterProcess:
    """``python -m bot.cluster`` (what ``make cluster`` runs) on spare ports."""

    process: subprocess.Popen[bytes]
    rasa_port: int
    web_port: int
    replica_ports: tuple[int, ...]
    run_dir: Path

    @property
    def url(self) -> str:
        """The load balancer."""
        return f"http://localhost:{self.rasa_port}"

    def replica_pid(self, index: int) -> int:
        """The process id of Rasa replica ``index`` (0-based)."""
        wanted = ["--port", str(self.replica_ports[index])]
        for proc in Path("/proc").iterdir():
            try:
                argv = (proc / "cmdline").read_bytes().decode().split("\0")
            except (OSError, ValueError):
                continue
            if "run" in argv and any(argv[i : i + 2] == wanted for i in range(len(argv))):
                if any(a.endswith("/rasa") for a in argv[:2]):
                    return int(proc.name)
        raise LookupError(f"no Rasa replica on port {self.replica_ports[index]}")

    def kill_replica(self, index: int) -> int:
        """SIGKILL replica ``index`` (as a crash would) and wait until it is gone; its old pid.

        Gone means its port refuses connections: while a killed process is being torn down the
        kernel still queues connections on its socket, and resets them (a 502) once it is freed.
        """
        pid = self.replica_pid(index)
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while _listening(self.replica_ports[index]) and time.monotonic() < deadline:
            with contextlib.suppress(LookupError):
                if self.replica_pid(index) != pid:
                    break  # already restarted: it listens again
            time.sleep(0.1)
        return pid

    def wait_for_replica(self, index: int, old_pid: int, timeout: float = 300) -> None:
        """Wait until the supervisor has a new replica ``index`` answering."""
        deadline = time.monotonic() + timeout
        url = f"http://localhost:{self.replica_ports[index]}/webhooks/rest/"
        while time.monotonic() < deadline:
            with contextlib.suppress(LookupError, OSError):
                if self.replica_pid(index) != old_pid:
                    with urllib.request.urlopen(url, timeout=2) as response:
                        if response.status == 200:
                            return
            time.sleep(1)
        raise TimeoutError(f"replica {index} was not restarted within {timeout:.0f} s")

    def stop(self) -> int:
        """Ctrl-C, as an operator would; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait()


def _listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        return True
    return False


def start_cluster(
    database_url: str,
    redis_url: str,
    *,
    replicas: int = 2,
    run_dir: Path,
    extra_env: dict[str, str] | None = None,
    timeout: float = 600,
) -> ClusterProcess:
    """Start ``python -m bot.cluster`` on free ports and wait for the load balancer."""
    from bot.cluster import free_port

    ports = [free_port() for _ in range(4 + replicas)]
    rasa, web, actions, internal_web, *replica_ports = ports
    env = {
        **os.environ,
        **(extra_env or {}),
        "REPLICAS": str(replicas),
        "RASA_PORT": str(rasa),
        "WEB_PORT": str(web),
        "ACTIONS_PORT": str(actions),
        "INTERNAL_WEB_PORT": str(internal_web),
        "REPLICA_PORTS": ",".join(map(str, replica_ports)),
        "CLUSTER_RUN_DIR": str(run_dir),
        "DATABASE_URL": database_url,
        "TRACKER_DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
    }
    run_dir.mkdir(parents=True, exist_ok=True)
    log = open(run_dir / "cluster.log", "wb")  # noqa: SIM115 - the child keeps it
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cluster"], cwd=REPO_ROOT, env=env, stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    cluster = ClusterProcess(process, rasa, web, tuple(replica_ports), run_dir)
    deadline = time.monotonic() + timeout
    while b"is running" not in (run_dir / "cluster.log").read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            cluster.stop()
            raise RuntimeError(f"cluster did not start; see {run_dir / 'cluster.log'}")
        time.sleep(1)
    return cluster
