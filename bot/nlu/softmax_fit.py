"""Multinomial logistic regression fitted with dense features kept dense (training speed).

The intent classifier and the learned red-flag screen both learn a softmax over word and
character n-gram counts (sparse, ~250 non-zero values a row) side by side with MiniLM vectors
(dense, 384-768 values a row). scikit-learn takes them as one sparse matrix, so the dense half
is multiplied as sparse entries: most of the ~12 million stored values, on one core, twice per
L-BFGS step. That was 250 s of a 7-minute `make train` for the intent classifier alone.

``fit_softmax`` minimises scikit-learn's own objective for ``LogisticRegression(solver="lbfgs",
multi_class="multinomial")`` (scikit-learn 1.1: the weighted sum of cross-entropies plus
``||W||² / 2C``, intercept not penalised, optional "balanced" class weights) with the same
optimiser (SciPy's L-BFGS-B, ``gtol=tol``), but multiplies the sparse block with SciPy and the
dense block with BLAS. Same model up to the optimiser's tolerance; a test compares it with
scikit-learn's on the same data.

The matrix products run in single precision (the softmax and the loss in double), the sparse ones
on every core in row blocks (SciPy releases the GIL in them; BLAS already uses every core):
on the intent classifier's and the screen's data, ~20% less time with the same prediction for
every training row (see ``docs/performance.md``).
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy import optimize, sparse


@dataclass(frozen=True)
class SoftmaxFit:
    """A fitted model in scikit-learn's layout."""

    classes: np.ndarray
    coef: np.ndarray
    """(classes, sparse columns + dense columns): the sparse block's weights first."""
    intercept: np.ndarray
    n_iter: int


def fit_softmax(
    sparse_block: sparse.spmatrix,
    dense_block: np.ndarray,
    labels: Sequence[str],
    *,
    C: float,
    max_iter: int,
    tol: float = 1e-4,
    balanced: bool = False,
    dtype: type[np.floating] = np.float32,
) -> SoftmaxFit:
    """Fit on rows ``[sparse_block | dense_block]`` with ``labels`` (three classes or more)."""
    classes, y = np.unique(np.asarray(labels), return_inverse=True)
    n, k = len(y), len(classes)
    if k < 3:
        raise ValueError("fit_softmax needs three classes or more")
    counts = np.bincount(y, minlength=k)
    weights = (n / (k * counts))[y] if balanced else np.ones(n)
    S = sparse.csr_matrix(sparse_block, dtype=dtype)
    D: np.ndarray = np.ascontiguousarray(dense_block, dtype=dtype)
    n_sparse = S.shape[1]
    onehot = np.zeros((n, k))
    onehot[np.arange(n), y] = 1.0
    rows = np.arange(n)

    workers = max(1, min(4, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        by_rows = _RowBlocks(S, pool, workers)
        by_columns = _RowBlocks(S.T.tocsr(), pool, workers)

        def loss_and_gradient(w: np.ndarray) -> tuple[float, np.ndarray]:
            W: np.ndarray = w[:-k].reshape(-1, k).astype(dtype)
            products = by_rows @ W[:n_sparse] + D @ W[n_sparse:]
            logits = products.astype(np.float64) + w[-k:]
            logits -= logits.max(axis=1, keepdims=True)
            log_norm = np.log(np.exp(logits).sum(axis=1))
            penalty = 0.5 / C * float(w[:-k] @ w[:-k])
            loss = float(weights @ (log_norm - logits[rows, y])) + penalty
            residual = (np.exp(logits - log_norm[:, None]) - onehot) * weights[:, None]
            low = residual.astype(dtype)
            grad_w = np.vstack([by_columns @ low, D.T @ low]) + w[:-k].reshape(-1, k) / C
            return loss, np.concatenate([grad_w.ravel(), residual.sum(axis=0)])

        start = np.zeros((n_sparse + D.shape[1] + 1) * k)
        result = optimize.minimize(
            loss_and_gradient, start, method="L-BFGS-B", jac=True,
            options={"gtol": tol, "maxiter": max_iter},
        )
    W = result.x[:-k].reshape(-1, k)
    return SoftmaxFit(classes, np.ascontiguousarray(W.T), result.x[-k:].copy(), int(result.nit))


class _RowBlocks:
    """A CSR matrix cut into row blocks, multiplied on a thread pool (``blocks @ dense``)."""

    def __init__(self, matrix: sparse.csr_matrix, pool: ThreadPoolExecutor, parts: int) -> None:
        step = -(-matrix.shape[0] // parts)
        self._blocks = [matrix[i:i + step] for i in range(0, matrix.shape[0], step)]
        self._pool = pool

    def __matmul__(self, dense: np.ndarray) -> np.ndarray:
        return np.vstack(list(self._pool.map(lambda block: block @ dense, self._blocks)))
