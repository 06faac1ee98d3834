"""The intent classifier: Rasa's model, trained faster, weights laid out column-major."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.sparse as sparse
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
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


def featurized(seed: int = 2) -> TrainingData:
    rng = np.random.default_rng(seed)
    messages = []
    for index in range(150):
        intent = f"intent{index % 4 if index % 3 else 0}"
        message = Message({TEXT: f"message {index}", INTENT: intent})
        counts = sparse.random(1, 60, density=0.1, random_state=index).tocoo()
        counts.data += int(intent[-1])
        vector = rng.normal(size=(1, 8)).astype(np.float32) + int(intent[-1]) * 0.5
        message.add_features(Features(counts, FEATURE_TYPE_SENTENCE, TEXT, "counts"))
        message.add_features(Features(vector, FEATURE_TYPE_SENTENCE, TEXT, "minilm"))
        messages.append(message)
    return TrainingData(messages)


def component(cls, tmp_path: Path, name: str):
    (tmp_path / name).mkdir()
    storage = LocalModelStorage(tmp_path / name)
    config = {**cls.get_default_config(), "max_iter": 1000, "tol": 1e-8}
    return cls.create(config, storage, Resource(name), ExecutionContext(GraphSchema({}), name))


def test_training_gives_rasas_model(tmp_path: Path) -> None:
    data = featurized()
    ours = component(FastLogisticRegressionClassifier, tmp_path, "ours")
    rasas = component(LogisticRegressionClassifier, tmp_path, "rasas")
    ours.train(data)
    rasas.train(data)
    x = rasas._create_X(data.intent_examples[:20])
    assert list(ours.clf.classes_) == list(rasas.clf.classes_)
    assert np.allclose(ours.clf.predict_proba(x), rasas.clf.predict_proba(x), atol=1e-3)
