"""Benchmark the assistant: train time, model-ready time, resident memory, REST latency.

Usage: .venv/bin/python scripts/bench_assistant.py [--messages 300] [--train]
Starts its own action + Rasa servers on spare ports over a throwaway SQLite store.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.channels.limits import NO_ABUSE_LIMITS  # noqa: E402
from bot.launch import StackPorts, start_stack  # noqa: E402
from bot.nlu.evaluation import read_examples  # noqa: E402
from tests.conftest import loaded_services  # noqa: E402
from tests.e2e.conftest import RestClient  # noqa: E402


def time_training(out: Path) -> float:
    started = time.monotonic()
    subprocess.run(
        [str(ROOT / ".venv/bin/rasa"), "train", "--force", "--out", str(out), "--quiet"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.monotonic() - started


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its children, in MiB."""
    out = subprocess.run(["ps", "-o", "rss=", "--ppid", str(pid)], capture_output=True, text=True)
    own = subprocess.run(["ps", "-o", "rss=", "-p", str(pid)], capture_output=True, text=True)
    kib = sum(int(x) for x in (out.stdout + own.stdout).split())
    return kib / 1024


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--train", action="store_true", help="also time a full training")
    args = parser.parse_args()
    if args.train:
        with tempfile.TemporaryDirectory() as folder:
            print(f"train time: {time_training(Path(folder)):.1f} s (rasa train --force)")
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite3"
        loaded_services(url)
        ports = StackPorts(rasa=16005, actions=16055, web=16080)
        started = time.monotonic()
        stack = start_stack(
            ports,
            env={"DATABASE_URL": url, **NO_ABUSE_LIMITS},  # 300 messages from one address
            only=("actions", "rasa"),
            log_dir=Path(folder),
        )
        print(
            f"model-ready time: {time.monotonic() - started:.1f} s "
            "(servers started to REST webhook answering)"
        )
        try:
            client = RestClient(stack.rasa_url)
            texts = [e.text for e in read_examples(ROOT / "tests/nlu/heldout.yml")]
            client.send("warm-up", "hello")
            latencies = []
            for i in range(args.messages):
                sender = f"bench-{uuid.uuid4().hex[:6]}" if i % 5 == 0 else "bench-steady"
                t0 = time.perf_counter()
                client.send(sender, texts[i % len(texts)])
                latencies.append((time.perf_counter() - t0) * 1000)
            print(
                f"REST latency over {len(latencies)} messages: "
                f"p50 {statistics.median(latencies):.1f} ms, "
                f"p95 {percentile(latencies, 0.95):.1f} ms, max {max(latencies):.1f} ms"
            )
            for name, process in stack.processes.items():
                print(f"resident memory {name}: {rss_mib(process.pid):.0f} MiB")
        finally:
            stack.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
