"""The learned red-flag screen: a linear classifier over the message's sentence embeddings.

It sits beside the rules (``bot.safety.detector``): a message escalates when the rules **or**
this model fire. The model is a multinomial logistic regression over the same MiniLM embedding
the NLU pipeline computes for the message (whole message + its question sentence), with one class
per red flag, one for "not improving" and one for "none". A message is scored as a whole and
sentence by sentence (each sentence as if it were a message of its own), and each tier keeps its
highest probability, so a flag in the fifth sentence of a long story is not averaged away.

Decisions use thresholds chosen on a validation set for recall (``choose_thresholds``):

* crisis or emergency at or above their own (low) thresholds escalate at once;
* any escalation tier at or above ``escalate`` escalates with the most likely tier;
* between ``ask`` and ``escalate`` the assistant asks one yes/no question, unless the most likely
  tier is crisis or emergency, which never wait;
* ``soon`` (pain not improving) gets a gentler "tell your care team" line.

Pure numpy at run time (no scikit-learn import when screening), no Rasa, no spaCy.
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from bot.safety.corpus import ESCALATION_TIERS, NONE_LABEL, SOON, SOON_LABEL

MODEL_FILE = "learned_screen.npz"
META_FILE = "learned_screen.json"
NEVER_WAIT = ("crisis", "emergency")


@dataclass(frozen=True)
class Thresholds:
    """Probability thresholds of the learned screen (see the module docstring)."""

    escalate: float = 0.5
    ask: float = 0.3
    crisis: float = 0.3
    emergency: float = 0.4
    soon: float = 0.5


@dataclass(frozen=True)
class Assessment:
    """What the learned screen makes of one message."""

    tier: str | None = None
    """Escalation tier to use now (``emergency``, ``crisis``, ``urgent``), or None."""
    ask: bool = False
    """Unsure: ask one yes/no question before escalating (urgent only)."""
    soon: bool = False
    """Pain not improving: add the "tell your care team soon" line."""
    flags: tuple[str, ...] = ()
    """Most likely red flags behind the decision, most likely first."""
    scores: Mapping[str, float] = field(default_factory=dict)
    """Highest probability per tier (and ``escalate``: of any escalation tier) over the parts."""


class LearnedScreen:
    """A trained linear screen: weights, classes, each flag's tier and the thresholds."""

    def __init__(
        self,
        classes: Sequence[str],
        coef: np.ndarray,
        intercept: np.ndarray,
        flag_tiers: Mapping[str, str],
        thresholds: Thresholds | None = None,
    ) -> None:
        self.classes = tuple(classes)
        self.coef = np.asarray(coef, dtype=np.float32)
        self.intercept = np.asarray(intercept, dtype=np.float32)
        self.flag_tiers = dict(flag_tiers)
        self.thresholds = thresholds or Thresholds()
        self._tier_masks = {
            tier: np.array([self.tier_of(c) == tier for c in self.classes])
            for tier in (*ESCALATION_TIERS, SOON)
        }

    def tier_of(self, label: str) -> str | None:
        """The tier a class stands for (None for ``none``)."""
        if label == SOON_LABEL:
            return SOON
        return None if label == NONE_LABEL else self.flag_tiers.get(label)

    @property
    def dimension(self) -> int:
        """Length of the feature vector the screen reads."""
        return int(self.coef.shape[1])

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """Class probabilities, one row per feature row (softmax of the linear scores)."""
        logits = np.atleast_2d(features).astype(np.float32) @ self.coef.T + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def scores(self, features: np.ndarray) -> tuple[dict[str, float], tuple[str, ...]]:
        """Each tier's highest probability over the parts, and the flags ranked by probability."""
        probs = self.probabilities(features)
        escalating = np.zeros(len(probs))
        scores = {}
        for tier, mask in self._tier_masks.items():
            per_part = probs[:, mask].sum(axis=1)
            scores[tier] = float(per_part.max())
            if tier in ESCALATION_TIERS:
                escalating += per_part
        scores["escalate"] = float(escalating.max())
        best = probs.max(axis=0)
        order = np.argsort(-best)
        flags = tuple(
            self.classes[i] for i in order
            if self.tier_of(self.classes[i]) in ESCALATION_TIERS and best[i] >= 0.05
        )
        return scores, flags

    def assess(self, features: np.ndarray) -> Assessment:
        """Decide for one message from its parts' feature rows (``candidate_features``)."""
        scores, flags = self.scores(features)
        t = self.thresholds
        tier = _tier_now(scores, t)
        ask = tier is None and scores["escalate"] >= t.ask
        soon = tier is None and not ask and scores[SOON] >= t.soon
        ranked = tuple(f for f in flags if tier is None or self.tier_of(f) == tier) or flags
        return Assessment(tier=tier, ask=ask, soon=soon, flags=ranked[:3], scores=scores)

    # --- persistence -------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        """Write the weights (``.npz``) and the classes, tiers and thresholds (``.json``)."""
        np.savez_compressed(folder / MODEL_FILE, coef=self.coef, intercept=self.intercept)
        meta = {
            "classes": list(self.classes),
            "flag_tiers": self.flag_tiers,
            "thresholds": asdict(self.thresholds),
        }
        (folder / META_FILE).write_text(json.dumps(meta, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> LearnedScreen:
        """The screen saved by ``save`` in ``folder``."""
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        with np.load(folder / MODEL_FILE) as arrays:
            coef, intercept = arrays["coef"], arrays["intercept"]
        return cls(
            meta["classes"], coef, intercept, meta["flag_tiers"], Thresholds(**meta["thresholds"])
        )


def _tier_now(scores: Mapping[str, float], t: Thresholds) -> str | None:
    """The tier to escalate to at once, or None."""
    if scores["emergency"] >= t.emergency:
        return "emergency"
    if scores["crisis"] >= t.crisis:
        return "crisis"
    if scores["escalate"] >= t.escalate:
        return max(ESCALATION_TIERS, key=lambda tier: scores[tier])
    if scores["escalate"] >= t.ask:
        likeliest = max(ESCALATION_TIERS, key=lambda tier: scores[tier])
        return likeliest if likeliest in NEVER_WAIT else None
    return None


def message_features(whole: np.ndarray, question: np.ndarray, question_weight: float) -> np.ndarray:
    """The feature row of one text: its embedding, then its question part's, weighted."""
    return np.concatenate([whole, question * question_weight]).astype(np.float32)


def candidate_features(
    whole: np.ndarray,
    question: np.ndarray,
    sentences: Sequence[np.ndarray],
    question_weight: float,
) -> np.ndarray:
    """Rows to score for one message: the whole message, then each sentence on its own."""
    rows = [message_features(whole, question, question_weight)]
    rows += [message_features(s, s, question_weight) for s in sentences]
    return np.vstack(rows)
