"""The question part of a patient's message (what the classifier also reads on its own)."""

from __future__ import annotations

import pytest

from bot.nlu.segments import question_part, sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("No fever or chills. How long does TOH last?", "How long does TOH last?"),
        ("My mom has TOH! Can she drive? She asked me to check.", "Can she drive?"),
        ("Is it bad? Will it come back? thanks", "Will it come back?"),
        ("I saw the doctor today\nwhat does the MRI show", "what does the MRI show"),
        ("Temp was 36.8 this morning; can I go to work", "can I go to work"),
        ("ok. thanks. what causes it", "what causes it"),
    ],
)
def test_the_question_is_the_last_asking_sentence(text: str, expected: str) -> None:
    assert question_part(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "how long does TOH last?",
        "Temp 38.5 and my hip hurts",  # a decimal point is not a sentence end
        "",
        "   ",
        "?!",
    ],
)
def test_one_sentence_is_its_own_question(text: str) -> None:
    assert question_part(text) == text


def test_sentences_drop_punctuation_only_pieces() -> None:
    assert sentences("Hi. ... How long? !") == ["Hi.", "How long?"]
