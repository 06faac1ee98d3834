"""Side by side: our assistant vs a stock Rasa 3.6.21 FAQ bot built from our NLU data (issue 13).

Usage: .venv/bin/python scripts/bench_vs_stock.py [--scale 1.0] [--png docs/bench_vs_stock.png]

The stock baseline (scripts/stock_baseline/: Rasa's default `rasa init` pipeline and policies,
SQL tracker on SQLite, one plain rasa-sdk action reading the answer from our content store) is
laid out in build/stock/ and trained once per hash of its inputs (~10 min), then reused.
Both assistants run at once on free ports over throwaway SQLite files; requests alternate
between them (one by one in the sequential scenarios, batch by batch, ABBA, in the concurrent
ones) so a busy machine slows both alike. Prints each number and the ratio ours/stock, writes
build/bench_vs_stock.json and a PNG. Every loop is bounded; each request times out after 60 s.
Last, ours only: an edit of the `duration` answer published through the editorial workflow
(editor saves and submits, reviewer publishes, by the command line), and the seconds until the
first answer carries it (`edit_live_s`; the stock bot has no editorial workflow).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.channels.limits import NO_ABUSE_LIMITS  # noqa: E402
from bot.launch import BIN, StackPorts, start_stack, wait_until_up  # noqa: E402
from bot.nlu.evaluation import read_examples  # noqa: E402
from scripts.stock_baseline.project import trained_model, write_project  # noqa: E402
from tests.conftest import loaded_services  # noqa: E402

STOCK_DIR = ROOT / "build/stock"
TIMEOUT = 60.0


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def post(base_url: str, sender: str, text: str) -> bytes:
    """POST one message to the REST webhook; the body of the answer."""
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(
        f"{base_url}/webhooks/rest/webhook", body, {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        answer = response.read()
        if response.status != 200:
            raise RuntimeError(f"{base_url} answered {response.status}")
    return answer


def send(base_url: str, sender: str, text: str) -> float:
    """POST one message to the REST webhook; the round trip in milliseconds."""
    started = time.perf_counter()
    post(base_url, sender, text)
    return (time.perf_counter() - started) * 1000


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its descendants, in MiB (from /proc)."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            kids = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += next(int(line.split()[1]) for line in status.splitlines()
                      if line.startswith("VmRSS:"))
        pending.extend(int(k) for k in kids)
    return total / 1024


@dataclass
class Bot:
    """One running assistant: its URL, server processes and measurements."""

    name: str
    url: str
    stop: Callable[[], None]
    pids: dict[str, int]
    ready_s: float
    train_s: float | None = None
    results: dict[str, list[float]] = field(default_factory=dict)
    throughput: dict[str, float] = field(default_factory=dict)


def start_ours(folder: Path, content_url: str) -> Bot:
    """Our assistant via bot.launch (actions + Rasa), abuse limits lifted."""
    ports = StackPorts(rasa=free_port(), actions=free_port(), web=free_port())
    started = time.monotonic()
    stack = start_stack(
        ports, env={"DATABASE_URL": content_url, **NO_ABUSE_LIMITS},
        only=("actions", "rasa"), log_dir=folder,
    )
    ready = time.monotonic() - started
    pids = {name: process.pid for name, process in stack.processes.items()}
    return Bot("ours", stack.rasa_url, stack.stop, pids, ready)


def start_stock(folder: Path, content_url: str, model: Path, train_s: float) -> Bot:
    """The stock baseline: `rasa run actions` + `rasa run` in build/stock."""
    rasa_port, action_port = free_port(), free_port()
    env = {
        **os.environ, "RASA_TELEMETRY_ENABLED": "false", "STOCK_CONTENT_DB": content_url,
        "STOCK_ACTION_URL": f"http://localhost:{action_port}/webhook",
        "STOCK_TRACKER_DB": str(folder / "stock_tracker.sqlite3"),
    }
    rasa = str(BIN / "rasa")
    lines = {
        "actions": [rasa, "run", "actions", "--actions", "stock_actions", "--port",
                    str(action_port)],
        "rasa": [rasa, "run", "--model", str(model), "--port", str(rasa_port),
                 "--endpoints", "endpoints.yml", "--credentials", "credentials.yml"],
    }
    urls = {"actions": f"http://localhost:{action_port}/health",
            "rasa": f"http://localhost:{rasa_port}/webhooks/rest/"}
    processes: dict[str, subprocess.Popen[bytes]] = {}

    def stop() -> None:
        for process in processes.values():
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()

    started = time.monotonic()
    try:
        for name, line in lines.items():
            log = open(folder / f"stock-{name}.log", "wb")  # noqa: SIM115
            processes[name] = subprocess.Popen(line, cwd=STOCK_DIR, env=env, stdout=log,
                                               stderr=subprocess.STDOUT)
        for name, url in urls.items():
            wait_until_up(url, processes[name], 300)
    except BaseException:
        stop()
        raise
    ready = time.monotonic() - started
    pids = {name: process.pid for name, process in processes.items()}
    return Bot("stock", f"http://localhost:{rasa_port}", stop, pids, ready, train_s)


EDIT_MARKER = "This answer was checked today."
BENCH_PASSWORD = "a-bench-only-password-4821\n"


def replies(base_url: str, sender: str, text: str) -> str:
    """POST one message; the texts of the bot's replies, joined."""
    return " ".join(str(m.get("text") or "") for m in json.loads(post(base_url, sender, text)))


def edit_to_live(bot: Bot, database_url: str, item: str = "duration",
                 question: str = "how long does TOH last", timeout: float = 30.0) -> float:
    """Seconds from an edit's publication to the first answer carrying it (ours only).

    The edit goes through the editorial workflow as an editor and a reviewer would do it from
    the command line (save a draft, submit, publish: the four-eyes rule). New conversations ask
    the question every 50 ms from before the publication, so the answer is always freshly read
    (the worst case for a per-process cache); the clock starts when `publish` has returned.
    """
    env = {**os.environ, "DATABASE_URL": database_url}

    def cli(*args: str, stdin: str = "") -> str:
        done = subprocess.run([str(BIN / "python"), "-m", "bot", *args], input=stdin, text=True,
                              env=env, cwd=ROOT, capture_output=True, check=True)
        return done.stdout

    for name, role in (("bench-editor", "editor"), ("bench-reviewer", "reviewer")):
        cli("users", "create", "--username", name, "--role", role, "--password-stdin",
            stdin=BENCH_PASSWORD)
    text = json.loads(cli("content", "show", item, "--format", "json"))["text"]
    cli("content", "edit", item, "--as", "bench-editor", "--text-file", "-",
        "--note", "bench: edit to live", stdin=f"{text.rstrip()} {EDIT_MARKER}")
    cli("content", "submit", item, "--as", "bench-editor")
    live: list[float] = []

    def ask_until_live() -> None:
        started = time.monotonic()
        while not live and time.monotonic() - started < timeout:
            if EDIT_MARKER in replies(bot.url, f"edit-{uuid.uuid4().hex[:10]}", question):
                live.append(time.monotonic())
            time.sleep(0.05)

    with ThreadPoolExecutor(max_workers=1) as pool:
        asking = pool.submit(ask_until_live)
        time.sleep(0.5)
        cli("content", "publish", item, "--as", "bench-reviewer")
        published = time.monotonic()
        asking.result()
    if not live:
        raise RuntimeError(f"the edit of {item} was not live after {timeout:.0f} s")
    return max(live[0] - published, 0.0)


def new_conversations(bots: list[Bot], texts: list[str], count: int) -> None:
    """``count`` one-message conversations each, alternating bot by bot."""
    for i in range(count):
        for bot in bots if i % 2 == 0 else bots[::-1]:
            sample = bot.results.setdefault("new", [])
            sample.append(send(bot.url, f"new-{uuid.uuid4().hex[:10]}", texts[i % len(texts)]))


def long_conversation(bots: list[Bot], texts: list[str], turns: int) -> None:
    """One conversation of ``turns`` turns each, turn by turn alternating."""
    senders = {bot.name: f"long-{uuid.uuid4().hex[:10]}" for bot in bots}
    for i in range(turns):
        for bot in bots if i % 2 == 0 else bots[::-1]:
            sample = bot.results.setdefault("long", [])
            sample.append(send(bot.url, senders[bot.name], texts[i % len(texts)]))


def concurrent_batch(
    bot: Bot, texts: list[str], users: int, each: int
) -> tuple[list[float], float]:
    """``users`` conversations at once, ``each`` messages in turn; latencies and wall time."""
    def conversation(n: int) -> list[float]:
        sender = f"c{users}-{n}-{uuid.uuid4().hex[:8]}"
        return [send(bot.url, sender, texts[(n * each + k) % len(texts)]) for k in range(each)]

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=users) as pool:
        latencies = [ms for result in pool.map(conversation, range(users)) for ms in result]
    return latencies, time.perf_counter() - started


def concurrent(bots: list[Bot], texts: list[str], users: int, each: int, rounds: int) -> None:
    """Batches of ``users`` concurrent conversations, bots alternating ABBA, ``rounds`` each."""
    key = f"c{users}"
    wall = {bot.name: 0.0 for bot in bots}
    for r in range(rounds):
        for bot in bots if r % 2 == 0 else bots[::-1]:
            latencies, seconds = concurrent_batch(bot, texts, users, each)
            bot.results.setdefault(key, []).extend(latencies)
            wall[bot.name] += seconds
    for bot in bots:
        bot.throughput[key] = len(bot.results[key]) / wall[bot.name]


def pct(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def summary(bot: Bot) -> dict[str, float]:
    """The numbers the issue asks for, for one bot."""
    out: dict[str, float] = {
        "new_p50_ms": pct(bot.results["new"], 0.5), "new_p95_ms": pct(bot.results["new"], 0.95),
        "long_first10_ms": statistics.median(bot.results["long"][:10]),
        "long_last10_ms": statistics.median(bot.results["long"][-10:]),
    }
    for key in ("c8", "c32"):
        out[f"{key}_msg_per_s"] = bot.throughput[key]
        for share in (0.5, 0.95, 0.99):
            out[f"{key}_p{round(share * 100)}_ms"] = pct(bot.results[key], share)
    out["model_ready_s"] = bot.ready_s
    for name, pid in bot.pids.items():
        out[f"rss_{name}_mib"] = rss_mib(pid)
    out["rss_total_mib"] = sum(out[f"rss_{name}_mib"] for name in bot.pids)
    if bot.train_s is not None:
        out["train_s"] = bot.train_s
    return out


def report(ours: dict[str, float], stock: dict[str, float]) -> None:
    """Print a table: ours, stock, ours/stock."""
    print(f"{'measure':<22}{'ours':>12}{'stock':>12}{'ours/stock':>12}")
    for key in stock:
        mine = ours.get(key)
        ratio = f"{mine / stock[key]:.2f}" if mine is not None and stock[key] else "-"
        shown = f"{mine:.1f}" if mine is not None else "-"
        print(f"{key:<22}{shown:>12}{stock[key]:>12.1f}{ratio:>12}")


def plot(bots: list[Bot], png: Path, note: str) -> None:
    """Latency distributions per scenario and throughput, ours beside stock."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = ["new", "long", "c8", "c32"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5), gridspec_kw={"width_ratios": [3, 1]})
    data, labels, colours = [], [], []
    for key in keys:
        for bot in bots:
            data.append(bot.results[key])
            labels.append(f"{key}\n{bot.name}")
            colours.append("tab:blue" if bot.name == "ours" else "tab:orange")
    boxes = left.boxplot(data, labels=labels, showfliers=True, patch_artist=True, whis=(5, 95))
    for patch, colour in zip(boxes["boxes"], colours, strict=True):
        patch.set_facecolor(colour)
    left.set_yscale("log")
    left.set_ylabel("latency per message (ms, log)")
    left.set_title("latency: box p25–p75, whiskers p5–p95")
    width = 0.38
    for i, bot in enumerate(bots):
        values = [bot.throughput["c8"], bot.throughput["c32"]]
        right.bar([j + i * width for j in range(2)], values, width, label=bot.name,
                  color="tab:blue" if bot.name == "ours" else "tab:orange")
    right.set_xticks([width / 2, 1 + width / 2], ["8 at once", "32 at once"])
    right.set_ylabel("messages / s")
    right.set_title("throughput")
    right.legend()
    fig.suptitle(f"ours vs stock Rasa 3.6.21 — {note}", fontsize=9)
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=110)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="scenario size (1.0 = full)")
    parser.add_argument("--png", type=Path, default=ROOT / "docs/bench_vs_stock.png")
    parser.add_argument("--stock-epochs", type=int, default=None,
                        help="train the stock networks this many epochs instead of 100 "
                             "(same inference cost; a quick stand-in, say so with the numbers)")
    args = parser.parse_args()
    size = max(0.05, args.scale)
    write_project(STOCK_DIR, args.stock_epochs)
    model, train_s = trained_model(STOCK_DIR)
    texts = [e.text for e in read_examples(ROOT / "tests/nlu/heldout.yml")]
    bots: list[Bot] = []
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        ours_url = f"sqlite:///{folder}/ours.sqlite3"
        loaded_services(ours_url)
        shutil.copy(folder / "ours.sqlite3", folder / "stock_content.sqlite3")  # same answers
        try:
            bots.append(start_stock(folder, f"sqlite:///{folder}/stock_content.sqlite3", model,
                                    train_s))
            bots.insert(0, start_ours(folder, ours_url))
            for bot in bots:
                for text in texts[:5]:
                    send(bot.url, "warm-up", text)
            new_conversations(bots, texts, max(10, round(60 * size)))
            long_conversation(bots, texts, 100)
            concurrent(bots, texts, 8, max(3, round(10 * size)), 2)
            concurrent(bots, texts, 32, max(2, round(5 * size)), 2)
            ours, stock = summary(bots[0]), summary(bots[1])
            ours["edit_live_s"] = edit_to_live(bots[0], ours_url)
        finally:
            for bot in bots:
                bot.stop()
    report(ours, stock)
    print(f"{'edit_live_s':<22}{ours['edit_live_s']:>12.2f}{'-':>12}{'-':>12}  (ours only: "
          "published by the command line, first answer carrying it)")
    load = os.getloadavg()
    epochs = f" --stock-epochs {args.stock_epochs}" if args.stock_epochs else ""
    note = (f"scripts/bench_vs_stock.py --scale {size:g}{epochs}; {os.cpu_count()} cores, "
            f"load average {load[0]:.1f} at the end")
    print(note)
    out = ROOT / "build/bench_vs_stock.json"
    out.write_text(json.dumps({"ours": ours, "stock": stock, "note": note}, indent=1))
    plot(bots, args.png, note)
    print(f"wrote {out.relative_to(ROOT)} and {args.png}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
