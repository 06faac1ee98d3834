"""MiniLM through ONNX Runtime gives the numpy pass's vectors (so trained models stay valid)."""
from __future__ import annotations

import logging

import numpy as np
import pytest

from bot.nlu.minilm import BertEncoder, SentenceEncoder, forward_pass
from bot.nlu.minilm_onnx import OnnxBertEncoder

TEXTS = [
    "how long does TOH last?",
    "I fell on the stairs and now I can't put any weight on my left leg. Is that the TOH?",
    "x",
    "",
    "Fever of 39C since last night. Résumé naïve café 😀",
    "my hip hurts more every week " * 12,  # truncated at 128 wordpieces
]


@pytest.fixture(scope="module")
def encoders() -> tuple[SentenceEncoder, SentenceEncoder]:
    """The ONNX Runtime encoder and the numpy reference, on the same tokenizer and weights."""
    fast = SentenceEncoder.from_package(blas_threads=1)
    reference = SentenceEncoder.from_package(blas_threads=1, runtime="numpy")
    assert isinstance(fast._encoder, OnnxBertEncoder)
    assert isinstance(reference._encoder, BertEncoder)
    return fast, reference


def test_sentence_vectors_agree_within_1e_5(encoders) -> None:
    fast, reference = encoders
    for text in TEXTS:  # one at a time, as at run time
        assert np.abs(fast.encode([text]) - reference.encode([text])).max() < 1e-5
    assert np.abs(fast.encode(TEXTS) - reference.encode(TEXTS)).max() < 1e-5  # padded batches


def test_token_vectors_and_spans_agree(encoders) -> None:
    fast, reference = encoders
    for got, expected in zip(fast.encode_with_tokens(TEXTS), reference.encode_with_tokens(TEXTS),
                             strict=True):
        assert got.offsets == expected.offsets
        assert got.tokens.dtype == np.float32 and got.tokens.shape == expected.tokens.shape
        assert np.allclose(got.tokens, expected.tokens, rtol=0, atol=1e-4)


def test_an_unknown_runtime_is_refused() -> None:
    with pytest.raises(ValueError, match="runtime"):
        forward_pass({}, None, "tensorflow", 1)  # type: ignore[arg-type]


def test_without_onnxruntime_the_numpy_pass_runs_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    with caplog.at_level(logging.WARNING):
        encoder = forward_pass({}, None, "onnx", 1)  # type: ignore[arg-type]
    assert isinstance(encoder, BertEncoder)
    assert "numpy" in caplog.text
