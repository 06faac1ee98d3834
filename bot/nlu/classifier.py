"""Rasa's ``LogisticRegressionClassifier``: trained faster, weights laid out for fast prediction.

Training: the same model (scikit-learn's objective and optimiser) fitted by
``bot.nlu.softmax_fit`` with the MiniLM vectors kept dense instead of stored as sparse entries:
~5x faster on our data (docs/performance.md).

Prediction:

scikit-learn scores a message as ``X @ coef_.T`` with ``X`` sparse (counts of words and character
n-grams, then the MiniLM embedding). ``coef_`` is stored row-major, so its transpose is
column-major, and scipy's sparse × dense product first copies the whole transposed matrix into
row-major order: about 3 ms of the classifier's 4 ms per message, for a row with a few hundred
non-zero entries. Stored column-major, the transpose is already row-major and nothing is
copied. The numbers are the same to the bit: only the memory layout changes.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.softmax_fit import fit_softmax


def column_major(model: Any) -> Any:
    """``model`` with its ``coef_`` (if fitted) stored column-major (same values)."""
    coef = getattr(model, "coef_", None)
    if isinstance(coef, np.ndarray):
        model.coef_ = np.asfortranarray(coef)
    return model


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FastLogisticRegressionClassifier(LogisticRegressionClassifier):
    """Rasa's classifier (same model, same predictions), fitted faster, laid out when loaded."""

    def train(self, training_data: TrainingData) -> Resource:
        """Fit scikit-learn's model with ``fit_softmax`` (Rasa's own fit below 3 intents)."""
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if len({e.get(INTENT) for e in examples}) < 3:
            return super().train(training_data)
        counts, vectors = sentence_blocks(examples)
        fit = fit_softmax(
            counts, vectors, [e.get(INTENT) for e in examples], C=self.clf.C,
            max_iter=self.config["max_iter"], tol=self.config["tol"], balanced=True,
        )
        self.clf.classes_ = fit.classes
        self.clf.coef_ = fit.coef
        self.clf.intercept_ = fit.intercept
        self.clf.n_iter_ = np.array([fit.n_iter])
        self.clf.n_features_in_ = fit.coef.shape[1]
        self.persist()
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> FastLogisticRegressionClassifier:
        """Rasa's ``load``, then the weights column-major."""
        component = super().load(config, model_storage, resource, execution_context, **kwargs)
        column_major(component.clf)
        return component  # type: ignore[return-value]


def sentence_blocks(messages: list[Message]) -> tuple[scipy.sparse.csr_matrix, np.ndarray]:
    """Rasa's sentence features of ``messages``: the sparse ones, and the dense ones apart.

    Side by side they are the rows Rasa's classifier builds (sparse, then dense).
    """
    sparse_rows, dense_rows = [], []
    for message in messages:
        sparse_feats = message.get_sparse_features(attribute=TEXT)[1]
        dense_feats = message.get_dense_features(attribute=TEXT)[1]
        sparse_rows.append(scipy.sparse.csr_matrix(sparse_feats.features))
        dense_rows.append(np.asarray(dense_feats.features, dtype=np.float64).reshape(1, -1))
    return scipy.sparse.vstack(sparse_rows, format="csr"), np.vstack(dense_rows)
