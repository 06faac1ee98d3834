"""Train the learned red-flag screen from its corpus, with the encoder the NLU pipeline uses.

Called by ``RedFlagScreen.train`` (and by ``scripts/evaluate_red_flags.py``). The corpus messages
are encoded here once; at run time the screen reads the vectors the featurizer already computed.
Calm NLU examples (those the rules find no live flag in) join the corpus as "none": patients'
ordinary questions are what the screen must learn to leave alone.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from bot.nlu.featurizers import MessageVectors, message_vectors
from bot.nlu.minilm import SentenceEncoder
from bot.safety.catalog import Catalog
from bot.safety.corpus import NONE, LabelledMessage, deduplicated, load_corpus
from bot.safety.detector import RedFlagDetector
from bot.safety.learned import LearnedScreen, Scores
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
    regularisation: float,
    encoder: SentenceEncoder | None = None,
    targets: RecallTargets | None = None,
    known_vectors: Mapping[str, MessageVectors] | None = None,
) -> LearnedScreen:
    """Fit the screen on ``corpus`` (+ calm texts), then choose thresholds on ``validation``.

    ``known_vectors``: texts the NLU pipeline has already encoded (its training examples), so
    they are not encoded again.
    """
    encoder = encoder or SentenceEncoder.from_package(blas_threads=None)
    flag_tiers = {spec.id: spec.tier for spec in catalog.flags}
    train = [
        _with_catalog_tier(m, flag_tiers)
        for m in training_messages(corpus, calm_texts, detector)
    ]
    vectors = vectors_of(encoder, [m.text for m in train], known_vectors or {})
    screen = fit_screen(
        [m.text for m in train], [v.whole for v in vectors], [v.question for v in vectors],
        [m.label for m in train], flag_tiers, regularisation=regularisation,
    )
    held = load_corpus([validation])
    rules = [detector.screen(m.text) for m in held]
    outcome = choose_thresholds(validation_scores(screen, encoder, held), held, rules, targets)
    screen.thresholds = outcome.thresholds
    logger.info(
        "learned red-flag screen: %d training messages; on validation %d missed, %d calm "
        "escalated, %d calm asked; %s", len(train), outcome.missed, outcome.calm_escalated,
        outcome.calm_asked, outcome.thresholds,
    )
    return screen


def vectors_of(
    encoder: SentenceEncoder, texts: Sequence[str], known: Mapping[str, MessageVectors]
) -> list[MessageVectors]:
    """Each text's vectors: the known ones as they are, the others encoded (in one batch)."""
    todo = sorted({text for text in texts if text not in known})
    encoded = dict(zip(todo, message_vectors(encoder, todo), strict=True))
    return [known[text] if text in known else encoded[text] for text in texts]


def validation_scores(
    screen: LearnedScreen, encoder: SentenceEncoder, messages: Sequence[LabelledMessage]
) -> list[Scores]:
    """The screen's scores for each message, from the vectors the pipeline would compute."""
    vectors = message_vectors(encoder, [m.text for m in messages])
    features = screen.features(
        [m.text for m in messages], [v.whole for v in vectors], [v.question for v in vectors]
    )
    return screen.scores(features)


def _with_catalog_tier(message: LabelledMessage, flag_tiers: dict[str, str]) -> LabelledMessage:
    """An escalating message takes its flag's tier from the catalog (writers' slips aside)."""
    if not message.must_escalate:
        return message
    tier = flag_tiers.get(message.flag)
    if tier is None:
        raise ValueError(f"corpus message {message.text[:60]!r}: unknown flag {message.flag!r}")
    return replace(message, tier=tier)
