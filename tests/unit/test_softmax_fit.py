"""The fast softmax fit learns scikit-learn's model: same objective, same optimiser."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from bot.nlu.softmax_fit import fit_softmax


def data(seed: int = 0) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n, classes = 300, 5
    y = rng.integers(0, classes, n)
    y[:120] = 0  # unbalanced, so the class weights matter
    counts = sparse.random(n, 200, density=0.05, random_state=seed, format="csr")
    counts = counts + sparse.csr_matrix((np.eye(classes)[y] @ rng.random((classes, 200))) > 0.8)
    dense = rng.normal(size=(n, 16)) + y[:, None] * 0.3
    return sparse.csr_matrix(counts), dense, np.array([f"class{v}" for v in y])


@pytest.mark.parametrize("balanced", [False, True])
def test_it_matches_scikit_learns_multinomial_logistic_regression(balanced: bool) -> None:
    counts, dense, labels = data()
    reference = LogisticRegression(
        C=2.0, max_iter=2000, tol=1e-8, class_weight="balanced" if balanced else None,
        multi_class="multinomial",
    ).fit(sparse.hstack([counts, sparse.csr_matrix(dense)]).tocsr(), labels)
    fit = fit_softmax(
        counts, dense, labels, C=2.0, max_iter=2000, tol=1e-8, balanced=balanced,
        dtype=np.float64,
    )
    assert list(fit.classes) == list(reference.classes_)
    assert np.allclose(fit.coef, reference.coef_, atol=1e-3)
    assert np.allclose(fit.intercept, reference.intercept_, atol=1e-3)


@pytest.mark.parametrize("balanced", [False, True])
def test_single_precision_products_give_the_same_model_within_their_precision(
    balanced: bool,
) -> None:
    counts, dense, labels = data(seed=1)
    exact = fit_softmax(counts, dense, labels, C=2.0, max_iter=2000, tol=1e-8,
                        balanced=balanced, dtype=np.float64)
    fast = fit_softmax(counts, dense, labels, C=2.0, max_iter=2000, tol=1e-8, balanced=balanced)
    assert np.allclose(fast.coef, exact.coef, atol=5e-3)
    assert np.allclose(fast.intercept, exact.intercept, atol=1e-2)  # the flattest direction
    rows = sparse.hstack([counts, sparse.csr_matrix(dense)]).tocsr()
    assert ((rows @ fast.coef.T).argmax(1) == (rows @ exact.coef.T).argmax(1)).all()


def test_it_needs_three_classes() -> None:
    counts, dense, labels = data()
    with pytest.raises(ValueError):
        fit_softmax(counts, dense, np.where(labels == "class0", "a", "b"), C=1.0, max_iter=10)
