"""Measure the trained model on held-out phrasings: topic accuracy and out-of-scope kept out.

"Kept out" means the message got neither an FAQ answer nor an escalation (nor the red-flag screen's
question or its "tell your care team soon" line): unrelated questions must not be answered as TOH.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.nlu.segments import sentences
from bot.replies import (
    CARE_TEAM_SOON_INTENT,
    CHECK_INTENT,
    ESCALATION_INTENT_PREFIX,
    FAQ_INTENT_PREFIX,
    closest_topics,
    related_topic,
    topic_of_intent,
)
from bot.safety.evaluation import upper_bound

FALLBACK_INTENT = "nlu_fallback"
OUT_OF_SCOPE_INTENT = "out_of_scope"
# The calm (must-not-escalate) safety sets, from the repository root: the suite and the blind set.
CALM_SETS = ("tests/safety/cases.yml", "tests/safety/calm_blind.yml")
# The CLINC150 exam (issue 16): its test and out-of-scope test samples, never trained on.
CLINC_EXAM = "tests/nlu/clinc_exam.yml"
CLINC_SPLITS = ("test", "oos_test")
# Intents the red-flag screen sets over the classifier's (confidence 1, not the classifier's).
SCREEN_INTENTS = frozenset({CHECK_INTENT, CARE_TEAM_SOON_INTENT})


def is_screen_intent(intent: str) -> bool:
    """True for an intent the red-flag screen set (escalation, its question, its "soon" line)."""
    return intent.startswith(ESCALATION_INTENT_PREFIX) or intent in SCREEN_INTENTS


def kept_out(intent: str) -> bool:
    """True when an unrelated message got no FAQ answer and nothing from the red-flag screen."""
    return not intent.startswith(FAQ_INTENT_PREFIX) and not is_screen_intent(intent)


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

    # Per pair: the parse result it came from (to replay another fallback threshold).
    parsed: list[dict] = field(default_factory=list)

    def add(self, example: Example, parsed: dict) -> None:
        """Record one parse result: the intent answered and the topics offered as buttons."""
        self.parsed.append(parsed)
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
        return [(e, p) for e, p in self.pairs if e.intent == OUT_OF_SCOPE_INTENT]

    @property
    def topic_accuracy(self) -> float:
        """Share of FAQ phrasings classified as exactly their topic."""
        pairs = self._topic_pairs()
        return sum(e.intent == p for e, p in pairs) / max(len(pairs), 1)

    @property
    def out_of_scope_kept_out(self) -> float:
        """Share of out-of-scope phrasings kept out (no FAQ answer, no escalation)."""
        pairs = self._oos_pairs()
        return sum(kept_out(p) for _, p in pairs) / max(len(pairs), 1)

    def misses(self) -> list[tuple[Example, str]]:
        """Topic phrasings classified wrongly and out-of-scope ones not kept out."""
        wrong_topic = [(e, p) for e, p in self._topic_pairs() if e.intent != p]
        leaked = [(e, p) for e, p in self._oos_pairs() if not kept_out(p)]
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


@dataclass(frozen=True)
class SecondOpinion:
    """Another annotator's labels for a held-out set: the best topic, and one also fitting."""

    best: dict[str, str]
    also: dict[str, str]


def read_second_opinion(path: Path) -> SecondOpinion:
    """``tests/nlu/heldout_second_opinion.yml``: topic ids as intents (``faq_`` added)."""
    rows = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("labels") or []

    def intent(label: str) -> str:
        known = (OUT_OF_SCOPE_INTENT, "unclear")
        return label if label in known else f"{FAQ_INTENT_PREFIX}{label}"

    return SecondOpinion(
        best={r["text"]: intent(r["best"]) for r in rows},
        also={r["text"]: intent(r["also"]) for r in rows if r.get("also")},
    )


def second_opinion_summary(report: Report, opinion: SecondOpinion) -> str:
    """How often the two annotators agree, and the model on the topics both agree on."""
    pairs = [(e, p) for e, p in report._topic_pairs() if e.text in opinion.best]
    agreed = [(e, p) for e, p in pairs if opinion.best[e.text] == e.intent]
    either = sum(p in (e.intent, opinion.best[e.text], opinion.also.get(e.text)) for e, p in pairs)
    right = sum(e.intent == p for e, p in agreed)
    return "\n".join([
        f"second opinion: same best topic {len(agreed)}/{len(pairs)} "
        f"({len(agreed) / max(len(pairs), 1):.1%})",
        f"  topic accuracy where both agree: {right}/{len(agreed)} "
        f"({right / max(len(agreed), 1):.1%}, lower 95% bound "
        f"{1 - upper_bound(len(agreed) - right, len(agreed)):.1%})",
        f"  answered with a topic either annotator accepts: {either}/{len(pairs)} "
        f"({either / max(len(pairs), 1):.1%})",
    ])


def kept_out_summary(name: str, report: Report) -> str:
    """One line per exam of unrelated messages, then each one let in (what it got)."""
    pairs = report._oos_pairs()
    leaked = [(e, p) for e, p in pairs if not kept_out(p)]
    fallback = sum(p == FALLBACK_INTENT for _, p in pairs)
    lines = [
        f"{name}: kept out {len(pairs) - len(leaked)}/{len(pairs)} "
        f"({report.out_of_scope_kept_out:.1%}; unsure with topic buttons {fallback}), "
        f"FAQ answers {sum(p.startswith(FAQ_INTENT_PREFIX) for _, p in leaked)}, "
        f"red-flag screen {sum(is_screen_intent(p) for _, p in leaked)}"
    ]
    lines += [f"  LET IN -> {p:<24} {e.text!r}" for e, p in leaked]
    return "\n".join(lines)


def with_fallback_threshold(report: Report, threshold: float, ambiguity: float) -> Report:
    """The report the same model would give with another ``FallbackClassifier`` setting.

    Replays the classifier's own ranking (the fallback entry left out): below ``threshold``, or
    within ``ambiguity`` of the runner-up, the message falls back. The red-flag screen does not
    read the intent, so its overrides stay as they are.
    """
    replayed = Report()
    for (example, _), parsed in zip(report.pairs, report.parsed, strict=True):
        intent = parsed["intent"]["name"]
        if is_screen_intent(intent):
            replayed.add(example, parsed)
            continue
        ranking = [r for r in parsed.get("intent_ranking") or [] if r["name"] != FALLBACK_INTENT]
        if not ranking:
            replayed.add(example, parsed)
            continue
        top = ranking[0]
        second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
        unsure = top["confidence"] < threshold or top["confidence"] - second < ambiguity
        fallback = {"name": FALLBACK_INTENT, "confidence": threshold}
        intent_now = fallback if unsure else top
        ranking_now = [fallback, *ranking] if unsure else ranking
        replayed.add(example, {**parsed, "intent": intent_now, "intent_ranking": ranking_now})
    return replayed


def phrasing_key(text: str) -> str:
    """A phrasing compared ignoring case and punctuation (training vs exam sets)."""
    return re.sub(r"[^a-z0-9 ]", "", text.lower()).strip()


SHARED_SENTENCE_WORDS = 5
"""Short sentences ("yes", "help me") are shared by chance; five words or more are not."""


def sentence_keys(texts: Iterable[str]) -> set[str]:
    """The phrasing keys of the texts' sentences of ``SHARED_SENTENCE_WORDS`` words or more.

    An exam and the training data must not share one.
    """
    keys = {phrasing_key(s) for text in texts for s in sentences(text)}
    return {k for k in keys if len(k.split()) >= SHARED_SENTENCE_WORDS}


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


def read_clinc_exam(path: Path) -> dict[str, list[Example]]:
    """The CLINC150 exam by split (``test``, ``oos_test``: each block's ``metadata.split``)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    splits: dict[str, list[Example]] = {}
    for block in data.get("nlu", []):
        split = str((block.get("metadata") or {}).get("split", "unknown"))
        for line in str(block.get("examples", "")).splitlines():
            text = line.strip()[2:].strip() if line.strip().startswith("- ") else ""
            if text:
                splits.setdefault(split, []).append(Example(text, block["intent"]))
    return splits


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


def quiet_rasa_logs() -> None:
    """Rasa's structlog debug lines would print every message parsed: warnings and above only."""
    import logging

    import structlog

    logging.disable(logging.INFO)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
