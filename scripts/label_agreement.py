"""How far the calm messages' FAQ topic labels can be trusted, and the model against each label set.

Compares our labels (tests/safety/cases.yml, calm_blind.yml) with an independent second opinion
(tests/safety/calm_second_opinion.yml): how often two annotators pick the same answer, and the
model's own-topic rate against our labels, against the adjudicated labels, and on the messages
both annotators agree on. Why: issue 3's "95% get their FAQ answer" is only as good as the labels.

Usage: .venv/bin/python scripts/label_agreement.py [--model models/toh.tar.gz]
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
    FAQ_INTENT_PREFIX,
    evaluate,
    read_calm_examples,
)

SECOND_OPINION = Path("tests/safety/calm_second_opinion.yml")


def share(count: int, total: int) -> str:
    """``count/total (percent)``."""
    return f"{count}/{total} ({count / max(total, 1):.1%})"


def read_second_opinion(path: Path) -> dict[str, dict[str, str]]:
    """The second opinion per message text."""
    return {entry["text"]: entry for entry in yaml.safe_load(path.read_text())["labels"]}


def report_set(name: str, ours: list[tuple[str, str, str]], second: dict[str, dict]) -> list[str]:
    """Lines for one calm set; ``ours`` holds (text, our topic, the model's intent)."""
    total = len(ours)
    agree = [text for text, topic, _ in ours if second[text]["best"] == topic]
    acceptable = [
        text
        for text, topic, _ in ours
        if topic in (second[text]["best"], second[text].get("also_ok"))
    ]
    adjudicated = {text: second[text].get("adjudicated", topic) for text, topic, _ in ours}
    model_ours = sum(predicted == FAQ_INTENT_PREFIX + topic for _, topic, predicted in ours)
    model_adjudicated = sum(
        predicted == FAQ_INTENT_PREFIX + adjudicated[text] for text, _, predicted in ours
    )
    agreed = set(agree)
    model_agreed = sum(
        predicted == FAQ_INTENT_PREFIX + topic for text, topic, predicted in ours if text in agreed
    )
    disputed = total - len(agree)
    kept = sum(adjudicated[text] == topic for text, topic, _ in ours if text not in agreed)
    return [
        f"{name}:",
        f"  annotators pick the same answer: {share(len(agree), total)}; "
        f"ours is the other's best or also-ok: {share(len(acceptable), total)}",
        f"  disputed: {disputed}; the third annotator kept our label in {kept}",
        f"  model's own topic vs our labels: {share(model_ours, total)}; "
        f"vs adjudicated labels: {share(model_adjudicated, total)}; "
        f"on messages both annotators agree on: {share(model_agreed, len(agree))}",
    ]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="models/toh.tar.gz")
    args = parser.parse_args()
    agent = Agent.load(args.model)
    second = read_second_opinion(SECOND_OPINION)
    for path in CALM_SETS:
        examples = read_calm_examples(Path(path))
        report = asyncio.run(evaluate(agent, examples))
        ours = [
            (example.text, example.intent[len(FAQ_INTENT_PREFIX):], predicted)
            for example, predicted in report.pairs
        ]
        print("\n".join(report_set(path, ours, second)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
