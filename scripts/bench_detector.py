"""Per-message cost of the red-flag screens over every message in tests/safety/cases.yml.

Usage (from the repo root):
    python scripts/bench_detector.py [--rounds 5]

Builds the project's pipeline (``bot.nlp.make_pipeline()``), warms up on every message, then times
``RedFlagDetector.live(text)`` (parse + detect) and ``live(text, doc)`` (detect only, the doc
already parsed, as inside Rasa). With a trained model (``--model``, default models/toh.tar.gz)
it also times what the learned screen adds per message: scoring the vectors the featurizer
already computed (n-grams + one matrix product; no second MiniLM pass). Each message's cost is its
median over the rounds; the summary is the median, p95 and max over messages, in milliseconds.
Targets: rules median < 5 ms, learned screen median <= 2 ms.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.nlp import make_pipeline  # noqa: E402
from bot.safety.catalog import load_catalog  # noqa: E402
from bot.safety.detector import RedFlagDetector, parsed_text  # noqa: E402
from bot.safety.learned import LearnedScreen  # noqa: E402


def messages() -> list[str]:
    cases = yaml.safe_load((ROOT / "tests" / "safety" / "cases.yml").read_text(encoding="utf-8"))
    return [case["text"] for case in cases["escalate"] + cases["calm"]]


def per_message_ms(run: Callable[[str], object], texts: list[str], rounds: int) -> list[float]:
    costs = []
    for text in texts:
        samples = []
        for _ in range(rounds):
            start = time.perf_counter()
            run(text)
            samples.append((time.perf_counter() - start) * 1000)
        costs.append(statistics.median(samples))
    return costs


def summary(label: str, costs: list[float]) -> str:
    ordered = sorted(costs)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"{label:<24} median {statistics.median(ordered):6.3f} ms   "
        f"p95 {p95:6.3f} ms   max {ordered[-1]:6.3f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--model", default=str(ROOT / "models" / "toh.tar.gz"))
    args = parser.parse_args()

    started = time.perf_counter()
    nlp = make_pipeline()
    detector = RedFlagDetector(load_catalog(ROOT / "content" / "red_flags.yml"), nlp)
    build_ms = (time.perf_counter() - started) * 1000
    texts = messages()
    docs = {text: nlp(parsed_text(text)) for text in texts}  # as SpacyNLP leaves it
    for text in texts:  # warm-up: typo cache, string store, matcher
        detector.live(text)

    full = per_message_ms(detector.live, texts, args.rounds)
    detect = per_message_ms(lambda t: detector.live(t, docs[t]), texts, args.rounds)
    print(f"{len(texts)} messages, {args.rounds} rounds each, pipeline + detector built in "
          f"{build_ms:.0f} ms")
    print(summary("parse + detect", full))
    print(summary("detect (doc given)", detect))
    verdict = "OK" if statistics.median(full) < 5 else "OVER TARGET"
    print(f"target median < 5 ms: {verdict}")
    if Path(args.model).is_file():
        bench_learned(Path(args.model), texts, args.rounds)


def learned_screen(model: Path, folder: Path) -> LearnedScreen:
    """The learned screen stored in a trained model archive."""
    with tarfile.open(model) as archive:
        members = [m for m in archive.getmembers() if "/learned/" in m.name]
        archive.extractall(folder, members=members)  # noqa: S202 - our own model file
    [meta] = list(folder.rglob("learned_screen.json"))
    return LearnedScreen.load(meta.parent)


def bench_learned(model: Path, texts: list[str], rounds: int) -> None:
    from bot.nlu.featurizers import message_vectors
    from bot.nlu.minilm import SentenceEncoder

    with tempfile.TemporaryDirectory() as folder:
        screen = learned_screen(model, Path(folder))
    vectors = dict(zip(texts, message_vectors(SentenceEncoder.from_package(), texts), strict=True))
    for text in texts:
        screen.score_text(text, vectors[text].whole, vectors[text].question)
    costs = per_message_ms(
        lambda t: screen.score_text(t, vectors[t].whole, vectors[t].question), texts, rounds
    )
    print(summary("learned screen (added)", costs))
    verdict = "OK" if statistics.median(costs) <= 2 else "OVER TARGET"
    print(f"target median <= 2 ms: {verdict}")


if __name__ == "__main__":
    main()
