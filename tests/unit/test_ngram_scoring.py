"""The learned screen's one-message path gives sklearn's numbers: compiled TF-IDF, fused product."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.safety.learned import LearnedScreen
from bot.safety.ngrams import CompiledTfidf
from bot.safety.training import fit_screen

FLAG_TIERS = {"fall_injury": "emergency", "fever": "urgent", "self_harm": "crisis"}
CORPUS = {
    "fall_injury": ["I fell and cannot move my leg", "she fell down the stairs, leg wont move",
                    "fell hard on my hip and can't stand up", "my dad fell and cant get up"],
    "fever": ["I have a fever of 39", "running a high fever since last night",
              "fever and chills with my hip pain", "temp 102 and shivering"],
    "self_harm": ["I don't see any reason to live", "I want to end it all",
                  "how many pills to not wake up", "no reason to keep going anymore"],
    "none": ["how long does TOH last", "can I drive with transient osteoporosis",
             "does it fall under Medicare", "hay fever season is bad", "the bill fell on us",
             "what is the cost of an MRI", "is it permanent", "fell asleep early"],
    "not_improving": ["the pain is not improving", "my hip is not getting better at all",
                      "still the same pain after weeks", "no better than last month"],
}
UNSEEN = ["Fell off a ladder!! leg wont move", "fever 37.0 no worries", "", "   ",
          "résumé naïve café", "xyzzy qwerty", "how long how long how long does it last",
          "I fell. I fell again.\nThen I couldn't stand"]


def vectors(texts: list[str], seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    rows = rng.normal(size=(len(texts), 8)).astype(np.float32)
    return list(rows / np.linalg.norm(rows, axis=1, keepdims=True))


@pytest.fixture(scope="module")
def screen() -> LearnedScreen:
    texts = [t for examples in CORPUS.values() for t in examples]
    labels = [label for label, examples in CORPUS.items() for _ in examples]
    return fit_screen(texts, vectors(texts, 1), vectors(texts, 2), labels, FLAG_TIERS)


def test_a_compiled_vectoriser_gives_the_transform_row(screen: LearnedScreen) -> None:
    for vectorizer in screen.vectorizers:
        compiled = CompiledTfidf.from_vectorizer(vectorizer, offset=5)
        for text in UNSEEN + CORPUS["fever"]:
            expected = vectorizer.transform([text]).toarray()[0]
            row = compiled.row(text)
            got = np.zeros(compiled.width)
            got[row.columns - 5] = row.values
            np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


def test_one_message_scores_match_the_batch_path(screen: LearnedScreen) -> None:
    texts = UNSEEN + [t for examples in CORPUS.values() for t in examples]
    wholes, questions = vectors(texts, 3), vectors(texts, 4)
    batch = screen.scores(screen.features(texts, wholes, questions))
    for text, whole, question, expected in zip(texts, wholes, questions, batch, strict=True):
        got = screen.score_text(text, whole, question)
        assert got.flags == expected.flags
        assert got.tiers == pytest.approx(expected.tiers, abs=1e-12)


def test_the_loaded_screen_scores_as_the_trained_one(screen: LearnedScreen, tmp_path: Path) -> None:
    screen.save(tmp_path)
    loaded = LearnedScreen.load(tmp_path)
    whole, question = vectors(["x"], 5)[0], vectors(["x"], 6)[0]
    for text in UNSEEN:
        assert loaded.score_text(text, whole, question) == screen.score_text(text, whole, question)
