"""The exams stay exams: no sentence of the blind red-flag set, the validation set, the held-out
NLU set or the CLINC150 exam appears in what the models are trained on (compared sentence by
sentence, ignoring case and punctuation, not only as whole messages)."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.nlu.evaluation import phrasing_key, read_examples
from bot.nlu.segments import sentences
from bot.safety.corpus import load_corpus

ROOT = Path(__file__).resolve().parents[2]
BLIND = ROOT / "tests" / "safety" / "blind" / "redflags_blind.yml"
BLIND_V2 = ROOT / "tests" / "safety" / "blind" / "redflags_blind_v2.yml"
BLIND_V3 = ROOT / "tests" / "safety" / "blind" / "redflags_blind_v3.yml"
BLIND_V4 = ROOT / "tests" / "safety" / "blind" / "redflags_blind_v4.yml"
BLIND_V5 = ROOT / "tests" / "safety" / "blind" / "redflags_blind_v5.yml"
BLIND_V6 = ROOT / "tests" / "safety" / "blind" / "redflags_blind_v6.yml"
VALIDATION = ROOT / "data" / "red_flags" / "validation.yml"
TRAIN = ROOT / "data" / "red_flags" / "train"
HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"
CLINC_EXAM = ROOT / "tests" / "nlu" / "clinc_exam.yml"
# Short sentences ("yes", "help me") are shared by chance; five words or more are not.
MIN_WORDS = 5


def sentence_keys(texts: list[str]) -> set[str]:
    keys = {phrasing_key(s) for text in texts for s in sentences(text)}
    return {k for k in keys if len(k.split()) >= MIN_WORDS}


def training_texts() -> list[str]:
    nlu = [e.text for path in (ROOT / "data" / "nlu").glob("*.yml") for e in read_examples(path)]
    return nlu + [m.text for m in load_corpus([TRAIN])]


@pytest.mark.parametrize(
    ("exam", "texts"),
    [
        ("blind red-flag set", lambda: [m.text for m in load_corpus([BLIND])]),
        ("second blind red-flag set", lambda: [m.text for m in load_corpus([BLIND_V2])]),
        ("third blind red-flag set", lambda: [m.text for m in load_corpus([BLIND_V3])]),
        ("fourth blind red-flag set", lambda: [m.text for m in load_corpus([BLIND_V4])]),
        ("fifth blind red-flag set", lambda: [m.text for m in load_corpus([BLIND_V5])]),
        ("sixth blind red-flag set", lambda: [m.text for m in load_corpus([BLIND_V6])]),
        ("validation set", lambda: [m.text for m in load_corpus([VALIDATION])]),
        ("held-out NLU set", lambda: [e.text for e in read_examples(HELDOUT)]),
        ("CLINC150 exam", lambda: [e.text for e in read_examples(CLINC_EXAM)]),
    ],
)
def test_no_exam_sentence_is_in_the_training_data(exam: str, texts) -> None:
    shared = sentence_keys(texts()) & sentence_keys(training_texts())
    assert not shared, f"{exam}: {len(shared)} sentences in training data: {sorted(shared)[:5]}"


@pytest.mark.parametrize("blind_set", [BLIND, BLIND_V2, BLIND_V3, BLIND_V4, BLIND_V5, BLIND_V6])
def test_a_blind_set_shares_no_sentence_with_the_validation_set(blind_set: Path) -> None:
    blind = sentence_keys([m.text for m in load_corpus([blind_set])])
    validation = sentence_keys([m.text for m in load_corpus([VALIDATION])])
    assert not blind & validation
