"""The exams stay exams: no sentence of the blind red-flag set, the validation set, the held-out
NLU set or the CLINC150 exam appears in what the models are trained on (compared sentence by
sentence, ignoring case and punctuation, not only as whole messages)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from bot.nlu.evaluation import read_examples, sentence_keys
from bot.safety.corpus import load_corpus

ROOT = Path(__file__).resolve().parents[2]
BLIND_DIR = ROOT / "tests" / "safety" / "blind"
# Every frozen blind red-flag set: redflags_blind.yml, then _v2 ... in order.
BLIND_SETS = sorted(
    BLIND_DIR.glob("redflags_blind*.yml"),
    key=lambda path: int(path.stem.partition("_v")[2] or 1),  # numbered: _v9 before _v10
)
VALIDATION = ROOT / "data" / "red_flags" / "validation.yml"
TRAIN = ROOT / "data" / "red_flags" / "train"
HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"
CLINC_EXAM = ROOT / "tests" / "nlu" / "clinc_exam.yml"
@lru_cache(maxsize=1)
def training_keys() -> frozenset[str]:
    """The sentence keys of everything the models are trained on (read once per session)."""
    return frozenset(sentence_keys(training_texts()))


def training_texts() -> list[str]:
    nlu = [e.text for path in (ROOT / "data" / "nlu").glob("*.yml") for e in read_examples(path)]
    return nlu + [m.text for m in load_corpus([TRAIN])]


def _corpus_texts(path: Path):
    return lambda: [m.text for m in load_corpus([path])]


@pytest.mark.parametrize(
    ("exam", "texts"),
    [
        *((path.name, _corpus_texts(path)) for path in BLIND_SETS),
        ("validation set", _corpus_texts(VALIDATION)),
        ("held-out NLU set", lambda: [e.text for e in read_examples(HELDOUT)]),
        ("CLINC150 exam", lambda: [e.text for e in read_examples(CLINC_EXAM)]),
    ],
)
def test_no_exam_sentence_is_in_the_training_data(exam: str, texts) -> None:
    shared = sentence_keys(texts()) & training_keys()
    assert not shared, f"{exam}: {len(shared)} sentences in training data: {sorted(shared)[:5]}"


def test_every_frozen_blind_set_is_checked() -> None:
    names = [path.name for path in BLIND_SETS]
    assert names[0] == "redflags_blind.yml"
    assert names[1:] == [f"redflags_blind_v{n}.yml" for n in range(2, len(names) + 1)]
    assert len(names) >= 6


@pytest.mark.parametrize("blind_set", BLIND_SETS, ids=lambda path: path.name)
def test_a_blind_set_shares_no_sentence_with_the_validation_set(blind_set: Path) -> None:
    blind = sentence_keys([m.text for m in load_corpus([blind_set])])
    validation = sentence_keys([m.text for m in load_corpus([VALIDATION])])
    assert not blind & validation
