"""Red-flag recall through the trained model, on the blind set (and any other labelled set).

Every message is parsed by the model exactly as a patient's message is (NLU pipeline with the
rules and the learned screen), and the intent it ends up with is scored by
``bot.safety.evaluation``: recall per tier and per flag with the exact upper 95% bound of the
missed rate, calm messages escalated, and every miss listed. `make eval` runs it.

Usage: .venv/bin/python scripts/evaluate_red_flags.py [--model models/toh.tar.gz] [--sets FILE ...]
(default set: the blind set, tests/safety/blind/redflags_blind.yml)
"""
from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rasa.core.agent import Agent  # noqa: E402

from bot.nlu.evaluation import quiet_rasa_logs  # noqa: E402
from bot.safety.corpus import load_corpus  # noqa: E402
from bot.safety.evaluation import outcome_of, report_for  # noqa: E402

BLIND_SET = "tests/safety/blind/redflags_blind.yml"


async def outcomes(agent: Agent, texts: list[str]) -> list[str]:
    """The intent each text ends up with."""
    return [outcome_of(await agent.parse_message(text)) for text in texts]


def main() -> int:
    quiet_rasa_logs()
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="models/toh.tar.gz")
    parser.add_argument("--sets", nargs="*", default=[BLIND_SET])
    args = parser.parse_args()
    agent = Agent.load(args.model)
    for name in args.sets:
        messages = load_corpus([Path(name)])
        found = asyncio.run(outcomes(agent, [m.text for m in messages]))
        print("\n".join(report_for(name, messages, found).lines()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
