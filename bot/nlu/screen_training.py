"""Train the learned red-flag screen from its corpus, with the encoder the NLU pipeline uses.

Called by ``RedFlagScreen.train`` (and by ``scripts/evaluate_red_flags.py``). The corpus messages
are encoded here once; at run time the screen reads the vectors the featurizer already computed.
Calm NLU examples (those the rules find no live flag in) join the corpus as "none": patients'
ordinary questions are what the screen must learn to leave alone.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.nlu.featurizers import MessageVectors, message_vectors
from bot.nlu.minilm import SentenceEncoder
from bot.safety.catalog import Catalog
from bot.safety.corpus import NONE, LabelledMessage, deduplicated, load_corpus
from bot.safety.detector import RedFlagDetector
from bot.safety.learned import LearnedScreen, candidate_features, message_features
from bot.safety.training import RecallTargets, choose_thresholds, fit_screen

logger = logging.getLogger(__name__)


def training_messages(
    corpus: Path, calm_texts: Sequence[str], detector: RedFlagDetector
) -> list[LabelledMessage]:
    """The corpus plus the calm NLU examples the rules leave alone, without repeats."""
    messages = load_corpus([corpus])
    calm = [
        LabelledMessage(text=text, tier=NONE, flag="faq_question")
        for text in calm_texts
        if not detector.live(text)
    ]
    return deduplicated(messages + calm)


def train_learned_screen(
    catalog: Catalog,
    detector: RedFlagDetector,
    *,
    corpus: Path,
    validation: Path,
    calm_texts: Sequence[str],
    question_weight: float,
    regularisation: float,
    encoder: SentenceEncoder | None = None,
    targets: RecallTargets | None = None,
) -> LearnedScreen:
    """Fit the screen on ``corpus`` (+ calm texts), then choose thresholds on ``validation``."""
    encoder = encoder or SentenceEncoder.from_package(blas_threads=None)
    train = training_messages(corpus, calm_texts, detector)
    features = np.vstack(
        [
            message_features(v.whole, v.question, question_weight)
            for v in message_vectors(encoder, [m.text for m in train])
        ]
    )
    flag_tiers = {spec.id: spec.tier for spec in catalog.flags}
    _check_labels(train, flag_tiers)
    screen = fit_screen(
        features, [m.label for m in train], flag_tiers, regularisation=regularisation
    )
    held = load_corpus([validation])
    rows = validation_candidates(encoder, held, question_weight)
    ruled = [bool(detector.live(m.text)) for m in held]
    screen.thresholds = choose_thresholds(screen, rows, held, ruled, targets)
    logger.info("learned red-flag screen: %d messages, thresholds %s", len(train), screen.thresholds)
    return screen


def validation_candidates(
    encoder: SentenceEncoder, messages: Sequence[LabelledMessage], question_weight: float
) -> list[np.ndarray]:
    """Each message's feature rows as the screen scores them at run time."""
    vectors: list[MessageVectors] = message_vectors(encoder, [m.text for m in messages])
    return [
        candidate_features(v.whole, v.question, v.sentences, question_weight) for v in vectors
    ]


def _check_labels(messages: Sequence[LabelledMessage], flag_tiers: dict[str, str]) -> None:
    """Every escalating message names a catalog flag of its own tier."""
    for message in messages:
        if message.must_escalate and flag_tiers.get(message.flag) != message.tier:
            raise ValueError(
                f"corpus message {message.text[:60]!r}: flag {message.flag!r} is not a "
                f"{message.tier} flag of the catalog"
            )
