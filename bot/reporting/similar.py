"""Unanswered questions grouped by similar wording, so an editor sees which content is missing.

The report already merges texts that differ only in case, spacing and end punctuation. Here
"can I do pilates", "is pilates ok for me" and "Pilattes with TOH" become one group.

Why cosine similarity over character n-grams (scikit-learn's ``TfidfVectorizer``) and not
token-set Jaccard: patients type short questions on phones, so typos and word forms
("pilates"/"pilattes", "swim"/"swimming") share most of their character n-grams but no token,
and Jaccard counts every token alike, so "what about my cat" joins "what about my dog" (3 of 5
tokens). Stop words, "TOH" and the redaction placeholders (``[phone]``…) are dropped first: they
say nothing about the subject. No IDF weighting: fitted on one window's few texts it is noise,
and two texts' similarity would change with whatever else was asked that month; without it a
pair is grouped or not whatever the window. Groups are made by leader clustering: each text,
most frequent first, joins the group whose leading text it resembles most (cosine ≥ ``SIMILAR``)
or leads a new one; comparing with the leader only, a chain of small steps cannot pull unrelated
texts together.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

SIMILAR = 0.5  # cosine; see tests/unit/test_similar_questions.py for pairs either side
NGRAMS = (2, 4)
DOMAIN_STOP_WORDS = frozenset({"toh", "ok", "okay"})
PLACEHOLDER = re.compile(r"\[\w+\]")
WORD = re.compile(r"[a-z0-9']+")


@dataclass(frozen=True)
class QuestionGroup:
    """Similar unanswered texts: the most frequent wording, the total, and every wording."""

    text: str
    count: int
    wordings: list[dict[str, Any]] = field(default_factory=list)


def group_similar(
    unanswered: list[dict[str, Any]], *, threshold: float = SIMILAR
) -> list[QuestionGroup]:
    """Group ``{"text", "count"}`` entries by similar wording; largest group first.

    Args:
        unanswered: The report's unanswered texts (redacted), each with its count.
        threshold: The cosine similarity to a group's leading text needed to join it.

    Returns:
        The groups, by total count (then text); each lists its wordings, most frequent first.

    """
    entries = sorted(unanswered, key=lambda e: (-int(e["count"]), str(e["text"])))
    members: list[list[int]] = []
    vectors = _vectors([str(e["text"]) for e in entries])
    for index in range(len(entries)):
        leader = _similar_leader(vectors, index, [group[0] for group in members], threshold)
        if leader is None:
            members.append([index])
        else:
            members[leader].append(index)
    groups = [_group([entries[i] for i in group]) for group in members]
    return sorted(groups, key=lambda g: (-g.count, g.text))


def subject_words(text: str) -> str:
    """The words of ``text`` that can name its subject (lower case, no stop words)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    words = WORD.findall(PLACEHOLDER.sub(" ", text.lower()))
    return " ".join(w for w in words if w not in ENGLISH_STOP_WORDS | DOMAIN_STOP_WORDS)


def _vectors(texts: list[str]) -> Any:
    """L2-normalised n-gram rows (a sparse matrix), or None when no text has a subject word."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=NGRAMS, sublinear_tf=True,
                                 use_idf=False, preprocessor=subject_words)
    try:
        return vectorizer.fit_transform(texts)
    except ValueError:  # an empty vocabulary: nothing to compare
        return None


def _similar_leader(vectors: Any, index: int, leaders: list[int], threshold: float) -> int | None:
    """The position of the leader ``index`` resembles most, if at least ``threshold``."""
    if vectors is None or not leaders:
        return None
    similarity = (vectors[leaders] @ vectors[index].T).toarray().ravel()
    best = int(similarity.argmax())
    return best if similarity[best] >= threshold else None


def _group(entries: list[dict[str, Any]]) -> QuestionGroup:
    wordings: list[dict[str, Any]] = [{"text": str(e["text"]), "count": int(e["count"])}
                                      for e in entries]
    return QuestionGroup(wordings[0]["text"], sum(w["count"] for w in wordings), wordings)
