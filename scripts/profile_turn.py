"""Where the milliseconds of one turn go (issue 13, part 2): timers per stage + pyinstrument.

Usage: .venv/bin/python scripts/profile_turn.py [--turns 40] [--long 60] [--model models/toh.tar.gz]

Loads the trained model in this process as `rasa run` does (our endpoints.yml: content NLG,
SQL tracker store on a throwaway SQLite file) and starts the real action server on a free port.
Then it times, per turn, every prediction-graph node (tokeniser, featurisers, MiniLM, the
classifier, the red-flag screen, the policies), and inside them the MiniLM passes, the
red-flag rules' own spaCy parse and the learned screen; outside them the tracker store's
retrieve/save, the NLG's content lookups and the HTTP call to the action server. Phase 1 sends
one message in each of ``--turns`` new conversations (profiled by pyinstrument as well:
build/profile_turn.txt and .html); phase 2 one conversation of ``--long`` turns (first vs last
10). The REST channel and Sanic are not in the loop (bench_vs_stock.py measures end to end).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.channels.limits import NO_ABUSE_LIMITS  # noqa: E402
from bot.config import get_settings  # noqa: E402
from bot.launch import StackPorts, stack_environment, start_stack  # noqa: E402
from bot.nlu.evaluation import read_examples  # noqa: E402
from scripts.bench_vs_stock import free_port  # noqa: E402
from tests.conftest import loaded_services  # noqa: E402

TIMES: dict[str, list[tuple[float, float]]] = defaultdict(list)  # (wall ms, CPU ms)


def timed(owner: Any, attribute: str, label: str | Callable[..., str]) -> None:
    """Replace ``owner.attribute`` (sync or async) by a wrapper recording its milliseconds."""
    original = getattr(owner, attribute)

    def key(args: tuple[Any, ...]) -> str:
        return label(*args) if callable(label) else label

    if asyncio.iscoroutinefunction(original):
        @functools.wraps(original)
        async def wrapper_async(*args: Any, **kwargs: Any) -> Any:
            started, cpu = time.perf_counter(), time.process_time()
            try:
                return await original(*args, **kwargs)
            finally:
                TIMES[key(args)].append(((time.perf_counter() - started) * 1000,
                                         (time.process_time() - cpu) * 1000))

        setattr(owner, attribute, wrapper_async)
        return

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started, cpu = time.perf_counter(), time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            TIMES[key(args)].append(((time.perf_counter() - started) * 1000,
                                     (time.process_time() - cpu) * 1000))

    setattr(owner, attribute, wrapper)


def instrument() -> None:
    """Put timers on every stage named in issue 13."""
    from rasa.core.actions.action import RemoteAction
    from rasa.engine.graph import GraphNode

    from bot.nlg import ContentNLG
    from bot.nlu.minilm import SentenceEncoder
    from bot.safety.detector import RedFlagDetector
    from bot.safety.learned import LearnedScreen
    from bot.stores.rasa_stores import EnvSQLTrackerStore

    timed(GraphNode, "__call__", lambda node, *_: f"graph: {node._node_name}")
    timed(SentenceEncoder, "_run", "  MiniLM pass (SentenceEncoder._run)")
    timed(RedFlagDetector, "live", "  red-flag rules (RedFlagDetector.live)")
    timed(RedFlagDetector, "_parse", "    rules' own spaCy parse (_parse)")
    timed(LearnedScreen, "score_text", "  learned screen (score_text)")
    timed(EnvSQLTrackerStore, "retrieve", "tracker store retrieve")
    timed(EnvSQLTrackerStore, "retrieve_full_tracker", "tracker store retrieve_full_tracker")
    timed(EnvSQLTrackerStore, "save", "tracker store save")
    timed(ContentNLG, "generate", "NLG generate (content lookups)")
    timed(RemoteAction, "run", "action server HTTP call (RemoteAction.run)")


def table(times: dict[str, list[tuple[float, float]]], turns: int, title: str) -> list[str]:
    """Per stage: CPU and wall ms per turn, calls per turn, median wall and CPU ms per call.

    CPU is this process's (``time.process_time``): on a busy machine wall clock includes
    waiting for a core; the action server's CPU is not in it (only in the HTTP call's wall).
    """
    lines = [f"### {title} ({turns} turns)", "",
             "| stage | CPU ms per turn | wall ms per turn | calls per turn | median per call "
             "(wall / CPU ms) |", "|---|---:|---:|---:|---:|"]
    for name in sorted(times, key=lambda n: -sum(c for _, c in times[n])):
        walls, cpus = [w for w, _ in times[name]], [c for _, c in times[name]]
        lines.append(f"| {name} | {sum(cpus) / turns:.1f} | {sum(walls) / turns:.1f} | "
                     f"{len(walls) / turns:.1f} | {statistics.median(walls):.2f} / "
                     f"{statistics.median(cpus):.2f} |")
    return lines


def action_lookup_ms(rounds: int = 30) -> float:
    """Median ms of the action's own content lookup (``replies().topic``), run in this process.

    The action server does the same blocking call inside its event loop; the rest of
    ``RemoteAction.run`` is the HTTP hop (JSON of the whole tracker there and back).
    """
    from bot.topics import FAQ_TOPICS
    from bot.wiring import Services

    replies, samples = Services().replies(), []
    for i in range(rounds):
        started = time.perf_counter()
        replies.topic(FAQ_TOPICS[i % len(FAQ_TOPICS)], "rest")
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def process_cpu_ms(pid: int) -> float:
    """CPU time (user + system) a process and its children have used so far, in ms (``/proc``)."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            pending += [int(k) for k in
                        Path(f"/proc/{current}/task/{current}/children").read_text().split()]
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total * 1000 / os.sysconf("SC_CLK_TCK")


async def run(
    model: Path, turns: int, long: int, texts: list[str], actions_pid: int
) -> list[str]:
    """Load the agent, then the two phases; returns the report's lines."""
    from pyinstrument import Profiler
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.INFO)  # as `rasa run` (its default LOG_LEVEL)
    configure_structlog(logging.INFO)
    agent = await load_agent(
        model_path=str(model), endpoints=AvailableEndpoints.read_endpoints("endpoints.yml")
    )
    for text in texts[:5]:
        await agent.handle_text(text, sender_id="warm-up")
    instrument()
    report: list[str] = []
    TIMES.clear()
    profiler = Profiler(interval=0.0005, async_mode="enabled")
    started, cpu = time.perf_counter(), time.process_time()
    actions_cpu = process_cpu_ms(actions_pid)
    with profiler:
        for i in range(turns):
            await agent.handle_text(texts[i % len(texts)], sender_id=f"p-{uuid.uuid4().hex[:8]}")
    wall = (time.perf_counter() - started) * 1000 / turns
    cpu = (time.process_time() - cpu) * 1000 / turns
    actions_cpu = (process_cpu_ms(actions_pid) - actions_cpu) / turns
    report += table(TIMES, turns, "new conversation, one message")
    report += ["", f"whole turn (agent.handle_text): {wall:.1f} ms mean wall clock, "
               f"{cpu:.1f} ms CPU of this process; the action server's process: "
               f"{actions_cpu:.1f} ms CPU per turn", ""]
    (ROOT / "build").mkdir(exist_ok=True)
    (ROOT / "build/profile_turn.txt").write_text(profiler.output_text(unicode=True, show_all=False))
    (ROOT / "build/profile_turn.html").write_text(profiler.output_html())
    if profiler.last_session:  # `pyinstrument --load build/profile_turn.pyisession --show-all`
        profiler.last_session.save(str(ROOT / "build/profile_turn.pyisession"))
    sender, walls, cpus = f"long-{uuid.uuid4().hex[:8]}", [], []
    first: dict[str, list[tuple[float, float]]] = {}
    for i in range(long):
        if i == 10:
            first = {name: list(values) for name, values in TIMES.items()}
        if i in (0, long - 10):
            TIMES.clear()
        t0, c0 = time.perf_counter(), time.process_time()
        await agent.handle_text(texts[i % len(texts)], sender_id=sender)
        walls.append((time.perf_counter() - t0) * 1000)
        cpus.append((time.process_time() - c0) * 1000)
    report += table(first, 10, f"first 10 turns of a {long}-turn conversation") + [""]
    report += table(TIMES, 10, f"last 10 turns of a {long}-turn conversation")
    report += ["", f"whole turn, median of first 10: {statistics.median(walls[:10]):.1f} ms wall "
               f"({statistics.median(cpus[:10]):.1f} ms CPU), of last 10: "
               f"{statistics.median(walls[-10:]):.1f} ms wall "
               f"({statistics.median(cpus[-10:]):.1f} ms CPU)"]
    report += ["", f"the action's content lookup alone (replies().topic, in process): "
               f"{action_lookup_ms():.2f} ms median"]
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=40)
    parser.add_argument("--long", type=int, default=60)
    parser.add_argument("--model", type=Path, default=ROOT / "models/toh.tar.gz")
    args = parser.parse_args()
    texts = [e.text for e in read_examples(ROOT / "tests/nlu/heldout.yml")]
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/profile.sqlite3"
        loaded_services(url)
        ports = StackPorts(rasa=free_port(), actions=free_port(), web=free_port())
        extra = {"DATABASE_URL": url, **NO_ABUSE_LIMITS}
        os.environ.update(stack_environment(ports, extra))
        get_settings.cache_clear()  # read DATABASE_URL again
        stack = start_stack(ports, env=extra, only=("actions",), log_dir=Path(folder))
        try:
            pid = stack.processes["actions"].pid
            lines = asyncio.run(run(args.model, args.turns, max(20, args.long), texts, pid))
        finally:
            stack.stop()
    print("\n".join(lines))
    print("\npyinstrument tree: build/profile_turn.txt (and .html)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
