"""Measure the trained model on held-out phrasings: topic accuracy and out-of-scope kept out."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.replies import FAQ_INTENT_PREFIX, closest_topics, related_topic, topic_of_intent

FALLBACK_INTENT = "nlu_fallback"
# The calm (must-not-escalate) safety sets, from the repository root: the suite and the blind set.
CALM_SETS = ("tests/safety/cases.yml", "tests/safety/calm_blind.yml")


@dataclass(frozen=True)
class Example:
    """One held-out phrasing and the intent it should get."""

    text: str
    intent: str


@dataclass
class Report:
    """Predictions over a held-out set."""

    pairs: list[tuple[Example, str]] = field(default_factory=list)
    # Per pair: the intents one tap away (suggestion buttons, or the related-topic button).
    offered: list[tuple[str, ...]] = field(default_factory=list)

    def add(self, example: Example, parsed: dict) -> None:
        """Record one parse result: the intent answered and the topics offered as buttons."""
        intent = parsed["intent"]["name"]
        ranking = parsed.get("intent_ranking") or []
        if intent == FALLBACK_INTENT:
            topics = closest_topics(ranking)
        else:
            answered = topic_of_intent(intent)
            related = related_topic(ranking, answered) if answered else None
            topics = [related] if related else []
        self.pairs.append((example, intent))
        self.offered.append(tuple(f"{FAQ_INTENT_PREFIX}{topic}" for topic in topics))

    @property
    def related_button_share(self) -> float:
        """Share of FAQ answers that come with a related-topic button (on the web)."""
        answered = [
            offered
            for (_, p), offered in zip(self.pairs, self.offered, strict=True)
            if p.startswith(FAQ_INTENT_PREFIX)
        ]
        return sum(bool(offered) for offered in answered) / max(len(answered), 1)

    @property
    def own_topic_within_one_tap(self) -> int:
        """How many got their own topic answered, or offered as a button beside the reply."""
        return sum(
            e.intent == p or e.intent in offered
            for (e, p), offered in zip(self.pairs, self.offered, strict=True)
        )

    def _topic_pairs(self) -> list[tuple[Example, str]]:
        return [(e, p) for e, p in self.pairs if e.intent.startswith(FAQ_INTENT_PREFIX)]

    def _oos_pairs(self) -> list[tuple[Example, str]]:
        return [(e, p) for e, p in self.pairs if e.intent == "out_of_scope"]

    @property
    def topic_accuracy(self) -> float:
        """Share of FAQ phrasings classified as exactly their topic."""
        pairs = self._topic_pairs()
        return sum(e.intent == p for e, p in pairs) / max(len(pairs), 1)

    @property
    def out_of_scope_kept_out(self) -> float:
        """Share of out-of-scope phrasings that got no FAQ answer."""
        pairs = self._oos_pairs()
        return sum(not p.startswith(FAQ_INTENT_PREFIX) for _, p in pairs) / max(len(pairs), 1)

    def misses(self) -> list[tuple[Example, str]]:
        """Topic phrasings classified wrongly and out-of-scope ones answered as a topic."""
        wrong_topic = [(e, p) for e, p in self._topic_pairs() if e.intent != p]
        leaked = [(e, p) for e, p in self._oos_pairs() if p.startswith(FAQ_INTENT_PREFIX)]
        return wrong_topic + leaked

    def summary(self) -> str:
        """A short printable report."""
        counts = Counter(e.intent for e, _ in self.pairs)
        lines = [
            f"examples: {len(self.pairs)} ({len(counts)} intents)",
            f"topic accuracy: {self.topic_accuracy:.1%} over {len(self._topic_pairs())}",
            f"out-of-scope kept out: {self.out_of_scope_kept_out:.1%} "
            f"over {len(self._oos_pairs())}",
            f"FAQ answers with a related-topic button (web): {self.related_button_share:.1%}",
        ]
        lines += [f"  MISS {e.intent:<24} -> {p:<24} {e.text!r}" for e, p in self.misses()]
        return "\n".join(lines)


def phrasing_key(text: str) -> str:
    """A phrasing compared ignoring case and punctuation (training vs exam sets)."""
    return re.sub(r"[^a-z0-9 ]", "", text.lower()).strip()


def read_examples(path: Path) -> list[Example]:
    """Examples from a Rasa NLU YAML file (``- intent: x`` / ``examples: |``)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    examples = []
    for block in data.get("nlu", []):
        for line in str(block.get("examples", "")).splitlines():
            text = line.strip()[2:].strip() if line.strip().startswith("- ") else ""
            if text:
                examples.append(Example(text, block["intent"]))
    return examples


def read_calm_examples(path: Path) -> list[Example]:
    """The must-not-escalate messages of a safety set, each expecting its FAQ topic's intent."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [Example(c["text"], f"{FAQ_INTENT_PREFIX}{c['topic']}") for c in data["calm"]]


def calm_summary(name: str, report: Report) -> str:
    """One line: how many calm messages got their own topic, were escalated, fell back."""
    predicted = Counter(
        "escalated" if p.startswith("escalate_") else p for _, p in report.pairs
    )
    own = sum(e.intent == p for e, p in report.pairs)
    return (
        f"{name}: own topic {own}/{len(report.pairs)} ({report.topic_accuracy:.1%}), "
        f"escalated {predicted['escalated']}, unsure (topic buttons) {predicted[FALLBACK_INTENT]}; "
        f"answered or one tap away (web) {report.own_topic_within_one_tap}/{len(report.pairs)}"
    )


async def evaluate(agent: object, examples: Iterable[Example]) -> Report:
    """Parse every example with a loaded Rasa ``Agent`` and collect predictions."""
    report = Report()
    for example in examples:
        report.add(example, await agent.parse_message(example.text))  # type: ignore[attr-defined]
    return report


def plot_confusion(report: Report, path: Path) -> Path:
    """Write a confusion-matrix PNG of the report."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    truth = [e.intent for e, _ in report.pairs]
    predicted = [p for _, p in report.pairs]
    labels = sorted(set(truth) | set(predicted))
    figure, axes = plt.subplots(figsize=(16, 14))
    ConfusionMatrixDisplay.from_predictions(
        truth, predicted, labels=labels, ax=axes, xticks_rotation="vertical", colorbar=False
    )
    axes.set_title("Held-out NLU: true intent (rows) vs predicted (columns)")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return path
