"""Train the learned red-flag screen and choose its thresholds on a validation set, for recall.

Thresholds are chosen for the screen as it runs: ``bot.safety.learned.decide`` over the rules and
the model together, simulated on every validation message. The crisis and emergency thresholds
are set low enough to catch every validation message of their tier the rules miss (times a safety
``margin``, never below ``floor``, never above the tier's ``ceiling``). The ``calm`` threshold
(below it an urgent rule match asks instead of escalating) is the highest on ``CALM_GRID`` that
asks about no crisis or emergency message of the validation set the rules read as urgent only.
Then, on a grid, the ``escalate``/``ask`` pair that keeps the missed share at or under
``max_missed`` with the fewest calm messages escalated (ties: fewest missed, then the lower
``ask``). A question counts as caught for urgent messages only: crisis and emergency never wait.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from bot.nlu.softmax_fit import fit_softmax
from bot.safety.corpus import NONE, LabelledMessage
from bot.safety.detector import RulesView
from bot.safety.learned import NEVER_WAIT, LearnedScreen, Scores, Thresholds, decide

GRID = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)
CALM_GRID = (0.15, 0.1, 0.05, 0.02, 0.01, 0.0)


@dataclass(frozen=True)
class RecallTargets:
    """What the thresholds must achieve on the validation set."""

    max_missed: float = 0.005
    margin: float = 0.85
    floor: float = 0.1
    soon: float = 0.5
    ceiling: Mapping[str, float] = field(
        default_factory=lambda: {"crisis": 0.1, "emergency": 0.25}
    )
    """The highest the crisis and emergency thresholds may go. The rules miss only a handful of
    validation messages in each tier, so the lowest of their scores is a noisy bar, and it rises
    whenever the rules learn to catch the hardest of them; a ceiling keeps it where the blind
    sets showed recall holds."""


@dataclass(frozen=True)
class Outcome:
    """Validation results for one set of thresholds."""

    thresholds: Thresholds
    missed: int
    calm_escalated: int
    calm_asked: int


def fit_screen(
    texts: Sequence[str],
    wholes: Sequence[np.ndarray],
    questions: Sequence[np.ndarray],
    labels: Sequence[str],
    flag_tiers: Mapping[str, str],
    *,
    regularisation: float = 4.0,
    seed: int = 42,
) -> LearnedScreen:
    """Fit the n-gram vectorisers and a multinomial logistic regression on the corpus.

    The regression is scikit-learn's ``LogisticRegression(C=regularisation)``, fitted by
    ``fit_softmax`` with the embeddings kept dense (the same model, several times faster).
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizers = [
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
        TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), min_df=3, sublinear_tf=True,
            max_features=40000,
        ),
    ]
    for vectorizer in vectorizers:
        vectorizer.fit(list(texts))
    screen = LearnedScreen((), np.zeros((0, 0)), np.zeros(0), flag_tiers, vectorizers)
    dense, ngrams = screen.feature_blocks(texts, wholes, questions)
    fit = fit_softmax(ngrams, dense, list(labels), C=regularisation, max_iter=3000)
    n_ngrams = ngrams.shape[1]
    coef = np.hstack([fit.coef[:, n_ngrams:], fit.coef[:, :n_ngrams]])  # as ``features``
    return LearnedScreen(
        [str(label) for label in fit.classes], coef, fit.intercept, flag_tiers, vectorizers,
        question_weight=screen.question_weight, ngram_weight=screen.ngram_weight,
    )


def choose_thresholds(
    scores: Sequence[Scores],
    messages: Sequence[LabelledMessage],
    rules: Sequence[RulesView],
    targets: RecallTargets | None = None,
) -> Outcome:
    """The thresholds meeting ``targets`` on the validation messages (see the module doc)."""
    targets = targets or RecallTargets()
    missed_by_rules = [
        (m, s) for m, s, r in zip(messages, scores, rules, strict=True)
        if m.must_escalate and r.tier is None
    ]
    base = Thresholds(
        crisis=_catch_all(
            [s.tiers["crisis"] for m, s in missed_by_rules if m.tier == "crisis"], targets, "crisis"
        ),
        emergency=_catch_all(
            [s.tiers["emergency"] for m, s in missed_by_rules if m.tier == "emergency"],
            targets, "emergency",
        ),
        soon=targets.soon,
        calm=_calm_threshold(scores, messages, rules),
    )
    outcomes = [
        simulate(replace(base, escalate=high, ask=low), scores, messages, rules)
        for high in GRID for low in GRID if low <= high
    ]
    allowed = int(np.floor(targets.max_missed * sum(m.must_escalate for m in messages)))
    good = [o for o in outcomes if o.missed <= allowed] or [min(outcomes, key=_by_missed)]
    return min(good, key=_fewest_calm_escalated_then_safest)


def simulate(
    thresholds: Thresholds,
    scores: Sequence[Scores],
    messages: Sequence[LabelledMessage],
    rules: Sequence[RulesView],
) -> Outcome:
    """How ``decide`` with ``thresholds`` treats the validation messages."""
    missed = escalated = asked = 0
    for message, score, view in zip(messages, scores, rules, strict=True):
        decision = decide(view.tier, score, thresholds, view.ruled_out)
        caught = decision.tier is not None or (decision.ask and message.tier == "urgent")
        missed += message.must_escalate and not caught
        escalated += message.tier == NONE and decision.tier is not None
        asked += message.tier == NONE and decision.ask
    return Outcome(thresholds, missed, escalated, asked)


def _calm_threshold(
    scores: Sequence[Scores], messages: Sequence[LabelledMessage], rules: Sequence[RulesView]
) -> float:
    """The highest ``calm`` on ``CALM_GRID`` that asks about no crisis or emergency message.

    Only messages the rules find at the urgent tier can be asked about: a crisis or emergency
    rule match escalates whatever the model says.
    """
    serious = [
        s.escalate for m, s, r in zip(messages, scores, rules, strict=True)
        if r.tier is not None and r.tier not in NEVER_WAIT and m.tier in NEVER_WAIT
    ]
    return next(c for c in CALM_GRID if all(value >= c for value in serious))


def _fewest_calm_escalated_then_safest(outcome: Outcome) -> Any:
    """Fewest calm escalated; ties: fewest missed, then the lower ``ask``, then higher ``escalate``.

    A question costs a calm patient one tap; a missed flag costs more.
    """
    return (outcome.calm_escalated, outcome.missed, outcome.thresholds.ask,
            -outcome.thresholds.escalate)


def _by_missed(outcome: Outcome) -> Any:
    return (outcome.missed, outcome.calm_escalated)


def _catch_all(values: Sequence[float], targets: RecallTargets, tier: str) -> float:
    """Just under the lowest of ``values`` (times the margin), between ``floor`` and ``ceiling``."""
    ceiling = targets.ceiling.get(tier, 1.0)
    if not values:
        return ceiling
    return min(max(float(min(values)) * targets.margin, targets.floor), ceiling)
