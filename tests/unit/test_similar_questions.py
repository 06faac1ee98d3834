"""Unanswered questions grouped by similar wording (TF-IDF over character n-grams)."""
from __future__ import annotations

from typing import Any

import pytest

from bot.reporting.similar import QuestionGroup, group_similar, subject_words


def entries(*texts: str, counts: dict[str, int] | None = None) -> list[dict[str, Any]]:
    return [{"text": t, "count": (counts or {}).get(t, 1)} for t in texts]


def grouped(*texts: str) -> list[list[str]]:
    """The groups' wordings, each group and the list sorted (the order is tested below)."""
    return sorted(sorted(w["text"] for w in g.wordings) for g in group_similar(entries(*texts)))


@pytest.mark.parametrize("pair", [
    ("can I do pilates", "Pilattes with TOH"),  # a typo
    ("can I go swimming", "can I swim"),  # another form of the word
    ("hip replacement", "do I need a hip replacement"),
    ("can I drink alcohol", "is alcohol ok with TOH"),
])
def test_wordings_of_one_question_are_grouped(pair: tuple[str, str]) -> None:
    assert grouped(*pair) == [sorted(pair)]


@pytest.mark.parametrize("pair", [
    ("What about my cat?", "what about my dog"),  # 3 of 5 words shared: Jaccard would merge
    ("can I do pilates", "can I drink alcohol"),
    ("call me on [phone] about pilates", "text me at [phone] re my diet"),  # only a placeholder
    ("asdf qwer", "what about it"),
    ("hip replacement", "will my hip hurt on a plane"),
])
def test_different_questions_stay_apart(pair: tuple[str, str]) -> None:
    assert grouped(*pair) == sorted([[pair[0]], [pair[1]]])


def test_a_group_is_named_by_its_most_frequent_wording_and_counts_them_all() -> None:
    texts = entries("pilates?", "can I do pilates", "is pilates ok for me", "yoga",
                    counts={"is pilates ok for me": 4, "yoga": 2})
    assert group_similar(texts) == [
        QuestionGroup("is pilates ok for me", 6, [
            {"text": "is pilates ok for me", "count": 4}, {"text": "can I do pilates", "count": 1},
            {"text": "pilates?", "count": 1}]),
        QuestionGroup("yoga", 2, [{"text": "yoga", "count": 2}]),
    ]


def test_texts_without_a_subject_word_are_kept_apart_and_nothing_is_lost() -> None:
    assert grouped("???", "what about it?") == [["???"], ["what about it?"]]
    assert group_similar([]) == []


def test_the_subject_leaves_out_stop_words_toh_and_placeholders() -> None:
    assert subject_words("Call me on [phone]: is PILATES ok with TOH?") == "pilates"
