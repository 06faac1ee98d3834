"""The learned red-flag screen, and how its view and the rules' view make one decision.

The screen is a multinomial logistic regression with one class per red flag, one for "not
improving" and one for "none". Its features are the MiniLM embedding the NLU pipeline already
computed for the message (whole message, then its question sentence, weighted) beside TF-IDF
word and character n-grams of the text, which carry the small words embeddings blur ("no",
"last year", "hay"). It is trained on ``data/red_flags/train`` and its thresholds are chosen for
recall on ``data/red_flags/validation.yml`` (``bot.safety.training``).

``decide`` combines it with the rules (``bot.safety.detector``):

* the rules fire on a crisis or emergency flag → escalate, whatever the model says (they never
  wait); the model may raise the rules' tier, never lower it;
* the rules fire on an urgent flag → escalate, unless the model is nearly sure the message is calm
  ("falls under Medicare", "hay fever"): then ask one yes/no question instead (anything but a
  clear "no" then escalates), or give the gentler "tell your care team" line when the model reads
  it as only "not improving" ("no better after 8 weeks");
* the model's crisis or emergency probability reaches its threshold → escalate at once;
* its probability of any red flag reaches ``escalate`` → escalate with its likeliest tier;
* between ``ask`` and ``escalate`` → ask one yes/no question, unless the likeliest tier is crisis
  or emergency, which never wait;
* "not improving" reaches ``soon`` → the gentler "tell your care team" line.

No Rasa, no spaCy; scikit-learn only to fit the TF-IDF vectorisers. A message at run time is
scored without it (``bot.safety.ngrams``: the same numbers, ~20× faster than ``transform``).
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.safety.corpus import ESCALATION_TIERS, NONE_LABEL, SOON, SOON_LABEL
from bot.safety.ngrams import CompiledTfidf, concatenated

MODEL_FILE = "learned_screen.npz"
META_FILE = "learned_screen.json"
VECTORIZERS_FILE = "learned_screen_ngrams.joblib"
NEVER_WAIT = ("crisis", "emergency")
TIER_ORDER = {"emergency": 0, "crisis": 1, "urgent": 2}


@dataclass(frozen=True)
class Thresholds:
    """Probability thresholds (see the module docstring)."""

    escalate: float = 0.5
    ask: float = 0.25
    crisis: float = 0.3
    emergency: float = 0.4
    soon: float = 0.5
    calm: float = 0.02
    """Below this probability of any red flag, an urgent rule match asks instead."""


@dataclass(frozen=True)
class Scores:
    """The learned screen's view of one message."""

    tiers: Mapping[str, float]
    """Probability per tier (``emergency``, ``crisis``, ``urgent``, ``soon``)."""
    flags: tuple[tuple[str, str], ...]
    """``(flag, tier)`` from likeliest down (flags with probability ≥ 0.05)."""

    @property
    def escalate(self) -> float:
        """Probability of any escalation tier."""
        return float(sum(self.tiers[t] for t in ESCALATION_TIERS))

    @property
    def likeliest_tier(self) -> str:
        """The escalation tier with the highest probability."""
        return max(ESCALATION_TIERS, key=lambda tier: self.tiers[tier])


@dataclass(frozen=True)
class Decision:
    """What to do with a message, from the rules and the learned screen together."""

    tier: str | None = None
    """Escalate now at this tier (``emergency``, ``crisis``, ``urgent``), or None."""
    ask: bool = False
    """Ask one yes/no question first (urgent only)."""
    soon: bool = False
    """Add the "tell your care team soon" line."""
    model_flags: tuple[str, ...] = ()
    """The learned screen's flags behind the decision, likeliest first."""


def decide(
    rules_tier: str | None,
    scores: Scores | None,
    t: Thresholds,
    ruled_out: frozenset[str] = frozenset(),
) -> Decision:
    """One decision from the rules' most severe live tier and the learned screen's scores.

    ``ruled_out``: flags the rules found only denied or in the past ("no chest pain",
    "fainted once as a teenager"). When the rules find nothing live and every
    flag behind the model's escalation is one of them, the patient has said the opposite of the
    red flag in words the rules read precisely, and the model's escalation is dropped.
    """
    if scores is None:
        return Decision(tier=rules_tier)
    model_tier = _model_tier(scores, t)
    flags = _flags_of(scores, model_tier) if model_tier else ()
    if model_tier and not rules_tier and flags and set(flags) <= ruled_out:
        model_tier, flags = None, ()
    if rules_tier in NEVER_WAIT or (rules_tier and scores.escalate >= t.calm):
        # Safety first: the model's low crisis and emergency thresholds may also raise the
        # rules' tier ("no reason to keep going. cant walk" is a crisis, not only a walking
        # problem), at the price of some over-triage.
        return Decision(tier=_most_severe(rules_tier, model_tier), model_flags=flags)
    if model_tier:
        return Decision(tier=model_tier, model_flags=flags)
    if rules_tier and scores.tiers[SOON] >= t.soon:
        # An urgent rule match the model is nearly sure is only "not improving yet" ("no
        # better after 8 weeks"): the gentler line, not a question about getting worse.
        return Decision(soon=True)
    if rules_tier or scores.escalate >= t.ask:
        return Decision(ask=True, model_flags=_flags_of(scores, "urgent"))
    return Decision(soon=scores.tiers[SOON] >= t.soon)


def _model_tier(scores: Scores, t: Thresholds) -> str | None:
    if scores.tiers["emergency"] >= t.emergency:
        return "emergency"
    if scores.tiers["crisis"] >= t.crisis:
        return "crisis"
    if scores.escalate >= t.escalate:
        return scores.likeliest_tier
    if scores.escalate >= t.ask and scores.likeliest_tier in NEVER_WAIT:
        return scores.likeliest_tier
    return None


def _flags_of(scores: Scores, tier: str) -> tuple[str, ...]:
    """The likeliest flags of ``tier`` (of any tier when none of it stands out)."""
    of_tier = tuple(flag for flag, flag_tier in scores.flags if flag_tier == tier)
    return of_tier or tuple(flag for flag, _ in scores.flags)


def _softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of float64 scores."""
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def _most_severe(a: str | None, b: str | None) -> str | None:
    tiers = [tier for tier in (a, b) if tier]
    return min(tiers, key=TIER_ORDER.__getitem__) if tiers else None


class LearnedScreen:
    """A trained screen: n-gram vectorisers, weights, classes, flags' tiers, thresholds."""

    def __init__(
        self,
        classes: Sequence[str],
        coef: np.ndarray,
        intercept: np.ndarray,
        flag_tiers: Mapping[str, str],
        vectorizers: Sequence[Any] = (),
        *,
        question_weight: float = 0.5,
        ngram_weight: float = 2.0,
        thresholds: Thresholds | None = None,
    ) -> None:
        self.classes = tuple(classes)
        self.coef = np.asarray(coef, dtype=np.float32)
        self.intercept = np.asarray(intercept, dtype=np.float32)
        self.flag_tiers = dict(flag_tiers)
        self.vectorizers = tuple(vectorizers)
        self.question_weight = question_weight
        self.ngram_weight = ngram_weight
        self.thresholds = thresholds or Thresholds()
        self._tiers = [self.tier_of(label) for label in self.classes]
        self._compiled = self._compile() if self.coef.size else None

    def tier_of(self, label: str) -> str | None:
        """The tier a class stands for (None for ``none``)."""
        if label == SOON_LABEL:
            return SOON
        return None if label == NONE_LABEL else self.flag_tiers.get(label)

    def features(
        self, texts: Sequence[str], wholes: Sequence[np.ndarray], questions: Sequence[np.ndarray]
    ) -> Any:
        """Feature rows (sparse): embeddings, then the n-gram counts of each text."""
        import scipy.sparse as sparse

        dense, ngrams = self.feature_blocks(texts, wholes, questions)
        return sparse.hstack([sparse.csr_matrix(dense), ngrams], format="csr")

    def feature_blocks(
        self, texts: Sequence[str], wholes: Sequence[np.ndarray], questions: Sequence[np.ndarray]
    ) -> tuple[np.ndarray, Any]:
        """The two halves of ``features``: the embeddings (dense), the n-gram counts (sparse)."""
        import scipy.sparse as sparse

        dense = np.vstack(
            [
                np.concatenate([w, q * self.question_weight])
                for w, q in zip(wholes, questions, strict=True)
            ]
        ).astype(np.float32)
        ngrams = sparse.hstack(
            [v.transform(list(texts)) * self.ngram_weight for v in self.vectorizers],
            format="csr",
        )
        return dense, ngrams

    def probabilities(self, features: Any) -> np.ndarray:
        """Class probabilities, one row per feature row (softmax of the linear scores)."""
        return _softmax(np.asarray(features @ self.coef.T) + self.intercept)

    def scores(self, features: Any) -> list[Scores]:
        """Each row's probability per tier and its likeliest red flags."""
        return [self._row_scores(row) for row in self.probabilities(features)]

    def _row_scores(self, probs: np.ndarray) -> Scores:
        tiers = {tier: 0.0 for tier in (*ESCALATION_TIERS, SOON)}
        for tier, p in zip(self._tiers, probs, strict=True):
            if tier:
                tiers[tier] += float(p)
        order = np.argsort(-probs)
        flags = tuple(
            (self.classes[i], str(self._tiers[i])) for i in order
            if self._tiers[i] in ESCALATION_TIERS and probs[i] >= 0.05
        )
        return Scores(tiers=tiers, flags=flags)

    def score_text(self, text: str, whole: np.ndarray, question: np.ndarray) -> Scores:
        """The scores of one message (as ``scores(features(...))``, without sklearn or scipy)."""
        if self._compiled is None:
            return self.scores(self.features([text], [whole], [question]))[0]
        ngrams, dense_weights, weights = self._compiled
        dense = np.concatenate([whole, question * self.question_weight]).astype(np.float32)
        row = concatenated([v.row(text) for v in ngrams], self.ngram_weight)
        logits = dense.astype(np.float64) @ dense_weights + row.dot(weights) + self.intercept
        return self._row_scores(_softmax(logits[None, :])[0])

    def _compile(self) -> tuple[list[CompiledTfidf], np.ndarray, np.ndarray]:
        """The vectorisers compiled at their column offsets, and the weights column-major.

        The weights stay float32 (as stored) and are read in float64, as scipy's product does.
        """
        dense_width = self.coef.shape[1] - sum(len(v.vocabulary_) for v in self.vectorizers)
        ngrams, offset = [], dense_width
        for vectorizer in self.vectorizers:
            ngrams.append(CompiledTfidf.from_vectorizer(vectorizer, offset))
            offset += ngrams[-1].width
        weights = np.ascontiguousarray(self.coef.T)
        return ngrams, weights[:dense_width].astype(np.float64), weights

    # --- persistence -------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        """Write the weights, the vectorisers and the classes, tiers and thresholds."""
        import joblib

        np.savez_compressed(folder / MODEL_FILE, coef=self.coef, intercept=self.intercept)
        joblib.dump(list(self.vectorizers), folder / VECTORIZERS_FILE)
        meta = {
            "classes": list(self.classes),
            "flag_tiers": self.flag_tiers,
            "question_weight": self.question_weight,
            "ngram_weight": self.ngram_weight,
            "thresholds": asdict(self.thresholds),
        }
        (folder / META_FILE).write_text(json.dumps(meta, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> LearnedScreen:
        """The screen ``save`` wrote to ``folder``."""
        import joblib

        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        with np.load(folder / MODEL_FILE) as arrays:
            coef, intercept = arrays["coef"], arrays["intercept"]
        return cls(
            meta["classes"], coef, intercept, meta["flag_tiers"],
            joblib.load(folder / VECTORIZERS_FILE),
            question_weight=meta["question_weight"],
            ngram_weight=meta["ngram_weight"],
            thresholds=Thresholds(**meta["thresholds"]),
        )
