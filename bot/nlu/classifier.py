"""Rasa's ``LogisticRegressionClassifier``, with its weights laid out for one message at a time.

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
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier


def column_major(model: Any) -> Any:
    """``model`` with its ``coef_`` (if fitted) stored column-major (same values)."""
    coef = getattr(model, "coef_", None)
    if isinstance(coef, np.ndarray):
        model.coef_ = np.asfortranarray(coef)
    return model


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FastLogisticRegressionClassifier(LogisticRegressionClassifier):
    """Rasa's classifier (same training, same predictions), its weights laid out when loaded."""

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
