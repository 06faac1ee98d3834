"""Train the learned red-flag screen and choose its thresholds on a validation set, for recall.

Thresholds are chosen for the screen as it runs: rules OR model. A validation message the rules
already escalate needs nothing from the model; for the others, each threshold is set just low
enough that the model catches the target share of them (times a safety ``margin``, so text the
validation set never showed still clears it), never below ``floor``.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from bot.safety.corpus import ESCALATION_TIERS, LabelledMessage
from bot.safety.learned import LearnedScreen, Thresholds


@dataclass(frozen=True)
class RecallTargets:
    """Share of validation messages (not already caught by the rules) the model must catch."""

    crisis: float = 1.0
    emergency: float = 1.0
    escalate: float = 0.99
    ask: float = 1.0
    margin: float = 0.85
    floor: float = 0.08
    soon: float = 0.5


def fit_screen(
    features: np.ndarray,
    labels: Sequence[str],
    flag_tiers: Mapping[str, str],
    *,
    regularisation: float = 4.0,
    seed: int = 42,
) -> LearnedScreen:
    """A multinomial logistic regression over ``features`` (one row per message).

    Classes are weighted by inverse frequency, so a flag with 80 messages counts as much as
    "none" with thousands.
    """
    from sklearn.linear_model import LogisticRegression  # only when training

    model = LogisticRegression(
        C=regularisation, max_iter=3000, class_weight="balanced", random_state=seed
    )
    model.fit(features, list(labels))
    return LearnedScreen(model.classes_, model.coef_, model.intercept_, flag_tiers)


def choose_thresholds(
    screen: LearnedScreen,
    candidates: Sequence[np.ndarray],
    messages: Sequence[LabelledMessage],
    rules_escalate: Sequence[bool],
    targets: RecallTargets | None = None,
) -> Thresholds:
    """Thresholds meeting ``targets`` on the validation ``messages`` (rules OR model)."""
    targets = targets or RecallTargets()
    scores = [screen.scores(rows)[0] for rows in candidates]
    missed = [
        (message, score)
        for message, score, ruled in zip(messages, scores, rules_escalate, strict=True)
        if message.must_escalate and not ruled
    ]

    def pick(tiers: Sequence[str], key: str, target: float) -> float:
        values = [s[key] for m, s in missed if m.tier in tiers]
        return _threshold(values, target, targets.margin, targets.floor)

    escalate = pick(ESCALATION_TIERS, "escalate", targets.escalate)
    return Thresholds(
        escalate=escalate,
        ask=min(pick(ESCALATION_TIERS, "escalate", targets.ask), escalate),
        crisis=pick(("crisis",), "crisis", targets.crisis),
        emergency=pick(("emergency",), "emergency", targets.emergency),
        soon=targets.soon,
    )


def _threshold(values: Sequence[float], target: float, margin: float, floor: float) -> float:
    """The highest threshold catching ``target`` of ``values``, times ``margin``, at least ``floor``.

    With no values to catch, 0.5 (times the margin).
    """
    if not values:
        return max(0.5 * margin, floor)
    ordered = np.sort(np.asarray(values))
    allowed_misses = int(np.floor((1.0 - target) * len(ordered)))
    return max(float(ordered[allowed_misses]) * margin, floor)
