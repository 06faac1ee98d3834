"""The intent classifier's weights laid out column-major: same probabilities, to the bit."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sparse
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from sklearn.linear_model import LogisticRegression

from bot.nlu.classifier import FastLogisticRegressionClassifier, column_major


def fitted(seed: int = 0) -> tuple[LogisticRegression, sparse.csr_matrix]:
    rng = np.random.default_rng(seed)
    x = sparse.random(120, 500, density=0.05, format="csr", random_state=seed)
    labels = rng.integers(0, 5, size=120)
    return LogisticRegression(max_iter=500).fit(x, labels), x


def test_column_major_weights_give_the_same_probabilities() -> None:
    model, x = fitted()
    expected = model.predict_proba(x[:7])
    assert column_major(model).coef_.flags.f_contiguous
    assert np.array_equal(model.predict_proba(x[:7]), expected)
    assert column_major(LogisticRegression()) is not None  # unfitted: left as it is


def test_load_lays_out_what_rasa_loaded(monkeypatch) -> None:
    model, _ = fitted(1)
    loaded = FastLogisticRegressionClassifier.__new__(FastLogisticRegressionClassifier)
    loaded.clf = model

    def rasa_load(cls, *args, **kwargs):  # what Rasa's own load hands back
        return loaded

    monkeypatch.setattr(LogisticRegressionClassifier, "load", classmethod(rasa_load))
    component = FastLogisticRegressionClassifier.load({}, None, None, None)  # type: ignore[arg-type]
    assert component is loaded and component.clf.coef_.flags.f_contiguous
