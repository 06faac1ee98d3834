"""Print the held-out NLU report, write a confusion matrix, score the CLINC150 exam (unrelated
questions kept out), and measure the calm safety messages (must not escalate) against their own
FAQ topic: `make eval`.

Usage: .venv/bin/python scripts/evaluate_nlu.py [--model models/toh.tar.gz]
                                                [--data tests/nlu/heldout.yml]
                                                [--clinc tests/nlu/clinc_exam.yml]
                                                [--calm tests/safety/cases.yml ...]
                                                [--sweep 0.25 0.35 0.5]

--sweep replays the model's own rankings with other FallbackClassifier thresholds (no retraining)
and prints one row per threshold.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rasa.core.agent import Agent  # noqa: E402

from bot.nlu.evaluation import (  # noqa: E402
    CALM_SETS,
    CLINC_EXAM,
    Report,
    calm_summary,
    evaluate,
    kept_out_summary,
    plot_confusion,
    quiet_rasa_logs,
    read_calm_examples,
    read_clinc_exam,
    read_examples,
    read_second_opinion,
    second_opinion_summary,
    with_fallback_threshold,
)


def ambiguity_threshold(config: Path) -> float:
    """The FallbackClassifier's ``ambiguity_threshold`` in ``config`` (kept during a sweep)."""
    pipeline = yaml.safe_load(config.read_text(encoding="utf-8"))["pipeline"]
    fallback = next(c for c in pipeline if c["name"] == "FallbackClassifier")
    return float(fallback.get("ambiguity_threshold", 0.1))


def sweep(
    reports: dict[str, tuple[Report, bool]], thresholds: list[float], ambiguity: float
) -> list[str]:
    """One row per threshold; per set (report, unrelated?): kept out if unrelated, else accuracy."""
    rows = ["threshold  " + "  ".join(f"{name:>16}" for name in reports)]
    for threshold in thresholds:
        cells = []
        for report, unrelated in reports.values():
            replayed = with_fallback_threshold(report, threshold, ambiguity)
            score = replayed.out_of_scope_kept_out if unrelated else replayed.topic_accuracy
            cells.append(f"{score:>16.1%}")
        rows.append(f"{threshold:>9.2f}  " + "  ".join(cells))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="models/toh.tar.gz")
    parser.add_argument("--data", default="tests/nlu/heldout.yml")
    parser.add_argument("--clinc", default=CLINC_EXAM)
    parser.add_argument("--second-opinion", default="tests/nlu/heldout_second_opinion.yml")
    parser.add_argument("--png", default="reports/heldout_confusion.png")
    parser.add_argument("--calm", nargs="*", default=list(CALM_SETS))
    parser.add_argument("--sweep", nargs="*", type=float, default=[])
    parser.add_argument("--config", default="config.yml")
    args = parser.parse_args()
    quiet_rasa_logs()
    agent = Agent.load(args.model)
    report = asyncio.run(evaluate(agent, read_examples(Path(args.data))))
    print(report.summary())
    if Path(args.second_opinion).is_file():
        print(second_opinion_summary(report, read_second_opinion(Path(args.second_opinion))))
    print(f"confusion matrix: {plot_confusion(report, Path(args.png))}")
    reports = {"held-out topics": (report, False), "held-out oos": (report, True)}
    for split, examples in read_clinc_exam(Path(args.clinc)).items():
        clinc = asyncio.run(evaluate(agent, examples))
        print(kept_out_summary(f"CLINC150 {split} ({args.clinc})", clinc))
        reports[f"CLINC {split}"] = (clinc, True)
    for path in args.calm:
        calm = asyncio.run(evaluate(agent, read_calm_examples(Path(path))))
        print(calm_summary(path, calm))
        reports[f"calm {Path(path).stem}"] = (calm, False)
    if args.sweep:
        print(
            "FallbackClassifier threshold replayed (ambiguity kept): topic accuracy on the"
            " held-out and calm sets, kept out on the unrelated ones"
        )
        print("\n".join(sweep(reports, args.sweep, ambiguity_threshold(Path(args.config)))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
