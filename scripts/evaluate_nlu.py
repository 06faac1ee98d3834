"""Print the held-out NLU report and write a confusion matrix: `make eval`.

Usage: .venv/bin/python scripts/evaluate_nlu.py [--model models/toh.tar.gz]
                                                [--data tests/nlu/heldout.yml]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rasa.core.agent import Agent  # noqa: E402

from bot.nlu.evaluation import evaluate, plot_confusion, read_examples  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="models/toh.tar.gz")
    parser.add_argument("--data", default="tests/nlu/heldout.yml")
    parser.add_argument("--png", default="reports/heldout_confusion.png")
    args = parser.parse_args()
    agent = Agent.load(args.model)
    report = asyncio.run(evaluate(agent, read_examples(Path(args.data))))
    print(report.summary())
    print(f"confusion matrix: {plot_confusion(report, Path(args.png))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
