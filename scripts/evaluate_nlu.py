"""Print the held-out NLU report, write a confusion matrix, and measure the calm safety
messages (must not escalate) against their own FAQ topic: `make eval`.

Usage: .venv/bin/python scripts/evaluate_nlu.py [--model models/toh.tar.gz]
                                                [--data tests/nlu/heldout.yml]
                                                [--calm tests/safety/cases.yml ...]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rasa.core.agent import Agent  # noqa: E402

from bot.nlu.evaluation import (  # noqa: E402
    CALM_SETS,
    calm_summary,
    evaluate,
    plot_confusion,
    read_calm_examples,
    read_examples,
)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="models/toh.tar.gz")
    parser.add_argument("--data", default="tests/nlu/heldout.yml")
    parser.add_argument("--png", default="reports/heldout_confusion.png")
    parser.add_argument("--calm", nargs="*", default=list(CALM_SETS))
    args = parser.parse_args()
    agent = Agent.load(args.model)
    report = asyncio.run(evaluate(agent, read_examples(Path(args.data))))
    print(report.summary())
    print(f"confusion matrix: {plot_confusion(report, Path(args.png))}")
    for path in args.calm:
        calm = asyncio.run(evaluate(agent, read_calm_examples(Path(path))))
        print(calm_summary(path, calm))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
