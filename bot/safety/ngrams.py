"""Fitted TF-IDF vectorisers, compiled to score one message at a time without sklearn's overhead.

The learned screen sees one message per call. scikit-learn's ``TfidfVectorizer.transform``
builds and validates sparse matrices for it, and ``scipy.sparse.hstack`` plus a sparse × dense
product add more: about 6 ms a message, for a row with a few hundred non-zero entries. Here the
same row is computed directly (the vectoriser's own analyser, a dict lookup per n-gram, the
sublinear tf, idf and L2 norm in float64, as ``transform`` does), and only the weight rows of the
n-grams present are read (``SparseRow.dot``).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class SparseRow:
    """One feature row: the columns present and their values (float64)."""

    columns: np.ndarray
    values: np.ndarray

    def dot(self, weights: np.ndarray) -> np.ndarray:
        """``row @ weights`` for weights of shape (features, classes), in float64."""
        if not len(self.columns):
            return np.zeros(weights.shape[1], dtype=np.float64)
        return self.values @ weights[self.columns].astype(np.float64)


class CompiledTfidf:
    """A fitted ``TfidfVectorizer``'s transform of one text, its columns shifted by ``offset``."""

    def __init__(
        self,
        analyzer: Callable[[str], list[str]],
        vocabulary: Mapping[str, int],
        idf: np.ndarray | None,
        *,
        sublinear_tf: bool,
        l2_norm: bool,
        offset: int = 0,
    ) -> None:
        self._analyzer = analyzer
        self._vocabulary = dict(vocabulary)
        self._idf = None if idf is None else np.asarray(idf, dtype=np.float64)
        self._sublinear_tf = sublinear_tf
        self._l2_norm = l2_norm
        self.offset = offset

    @property
    def width(self) -> int:
        """Number of columns (the vocabulary's size)."""
        return len(self._vocabulary)

    @classmethod
    def from_vectorizer(cls, vectorizer: Any, offset: int = 0) -> CompiledTfidf:
        """Compile a fitted ``sklearn.feature_extraction.text.TfidfVectorizer``."""
        if vectorizer.norm not in ("l2", None):
            raise ValueError(f"unsupported TF-IDF norm {vectorizer.norm!r}")
        return cls(
            vectorizer.build_analyzer(),
            vectorizer.vocabulary_,
            vectorizer.idf_ if vectorizer.use_idf else None,
            sublinear_tf=bool(vectorizer.sublinear_tf),
            l2_norm=vectorizer.norm == "l2",
            offset=offset,
        )

    def row(self, text: str) -> SparseRow:
        """The TF-IDF row of ``text`` (as ``transform([text])[0]``), columns + ``offset``."""
        vocabulary = self._vocabulary
        counts = Counter(
            vocabulary[gram] for gram in self._analyzer(text) if gram in vocabulary
        )
        columns = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        values = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        if self._sublinear_tf:
            values = np.log(values) + 1.0
        if self._idf is not None:
            values *= self._idf[columns]
        if self._l2_norm and len(values):
            norm = np.sqrt(np.dot(values, values))
            values = values / norm if norm > 0 else values
        return SparseRow(columns + self.offset, values)


def concatenated(rows: list[SparseRow], scale: float = 1.0) -> SparseRow:
    """Side-by-side rows (their columns already offset) as one row, values times ``scale``."""
    if not rows:
        return SparseRow(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))
    return SparseRow(
        np.concatenate([row.columns for row in rows]),
        np.concatenate([row.values for row in rows]) * scale,
    )
