"""The MiniLM forward pass as an ONNX graph run by ONNX Runtime: same vectors, about 2x faster.

``bot.nlu.minilm.BertEncoder`` runs BERT as numpy operations; for one short message that is
~8.5-9.5 ms of CPU here, mostly matrix products in numpy's bundled OpenBLAS (which picks AVX2
kernels on this AMD CPU) and Python overhead between ~150 small operations. ``OnnxBertEncoder``
writes the same computation as an ONNX graph, built in memory from the same safetensors weights
(nothing is downloaded or exported by torch), and runs it with ONNX Runtime's CPU kernels:
~3.5-4 ms for the same message. Hidden states agree with the numpy pass within 5e-6
(``tests/unit/test_minilm_onnx.py``), so a model trained with either stays valid with the other.

The graph keeps hidden states as 2-D rows (batch × seq, hidden): every linear layer is one
``Gemm`` on the weight as stored (out, in); attention reshapes the rows into heads, adds the
padding mask's -1e9 to the scaled ``MatMul`` scores, ``Softmax``; the exact erf GELU; post-LN
``LayerNormalization`` (opset 17). The weights do not travel inside the serialised graph: each
is declared there as external data and handed to the session as a buffer it shares
(``SessionOptions.add_initializer``), so the process does not hold them three times (numpy,
protobuf, ONNX Runtime's copy): the encoder adds ~166 MiB resident (numpy pass: ~101 MiB)
instead of ~272 MiB.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from bot.nlu.minilm import BertConfig

OPSET = 17
INPUT_IDS, ATTENTION_MASK, HIDDEN = "input_ids", "attention_mask", "hidden"
SHARED_MIN_SIZE = 1024
"""Weights of at least this many values are shared with the session, not put in the graph."""
SHARED_LOCATION = "shared-by-session-options"
"""The external-data location of a shared weight (never read: the session is given the buffer)."""


class _GraphBuilder:
    """Collects ONNX nodes and initialisers; each method returns its output's name."""

    def __init__(self, weights: Mapping[str, np.ndarray], config: BertConfig) -> None:
        from onnx import helper, numpy_helper

        self._helper, self._numpy_helper = helper, numpy_helper
        self.weights, self.config = weights, config
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self.shared: dict[str, np.ndarray] = {}

    def constant(self, name: str, value: np.ndarray) -> str:
        """An initialiser named ``name``: small ones in the graph, weights shared (see above)."""
        value = np.ascontiguousarray(value, dtype=value.dtype)
        if value.size < SHARED_MIN_SIZE:
            self.initializers.append(self._numpy_helper.from_array(value, name))
            return name
        from onnx import TensorProto

        tensor = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=value.shape,
                             data_location=TensorProto.EXTERNAL)
        tensor.external_data.add(key="location", value=SHARED_LOCATION)
        self.initializers.append(tensor)
        self.shared[name] = value.astype(np.float32, copy=False)
        return name

    def op(self, op_type: str, *inputs: str, **attributes: Any) -> str:
        """One node; its single output gets a fresh name."""
        output = f"{op_type.lower()}_{len(self.nodes)}"
        self.nodes.append(self._helper.make_node(op_type, list(inputs), [output], **attributes))
        return output

    def linear(self, x: str, prefix: str) -> str:
        """``x @ W.T + b`` for rows ``x`` and a Hugging Face linear layer stored (out, in)."""
        weight = self.constant(f"{prefix}.w", self.weights[f"{prefix}.weight"])
        bias = self.constant(f"{prefix}.b", self.weights[f"{prefix}.bias"])
        return self.op("Gemm", x, weight, bias, transB=1)

    def layer_norm(self, x: str, prefix: str) -> str:
        """LayerNorm over the hidden axis."""
        scale = self.constant(f"{prefix}.g", self.weights[f"{prefix}.weight"])
        bias = self.constant(f"{prefix}.beta", self.weights[f"{prefix}.bias"])
        return self.op("LayerNormalization", x, scale, bias,
                       epsilon=self.config.layer_norm_eps, axis=-1)


def _embeddings(g: _GraphBuilder) -> str:
    """Word + position + token-type (0) embeddings, then LayerNorm: (batch × seq, hidden) rows.

    Hidden states stay 2-D rows between layers, so every linear layer is one ``Gemm`` on the
    weights as stored (no transposed copy); attention reshapes them into heads and back.
    """
    w = g.weights
    word = g.op("Gather", g.constant("word", w["embeddings.word_embeddings.weight"]), INPUT_IDS)
    length = g.op("Shape", INPUT_IDS, start=1, end=2)
    positions = g.op(
        "Slice", g.constant("pos", w["embeddings.position_embeddings.weight"]),
        g.constant("zero", np.array([0], dtype=np.int64)), length,
        g.constant("axis0", np.array([0], dtype=np.int64)),
    )
    token_type = g.constant("type0", w["embeddings.token_type_embeddings.weight"][0])
    summed = g.op("Add", g.op("Add", word, positions), token_type)
    rows = g.constant("rows", np.array([-1, g.config.hidden_size], dtype=np.int64))
    return g.layer_norm(g.op("Reshape", summed, rows), "embeddings.LayerNorm")


def _shape_with(g: _GraphBuilder, name: str, tail: list[int]) -> str:
    """The shape (batch, seq, *tail), from the input ids' shape."""
    return g.op("Concat", g.op("Shape", INPUT_IDS),
                g.constant(name, np.array(tail, dtype=np.int64)), axis=0)


def _mask_bias(g: _GraphBuilder) -> str:
    """(batch, 1, 1, seq): 0 where the mask is 1, -1e9 on padding."""
    one = g.constant("one", np.array(1.0, dtype=np.float32))
    mask = g.op("Cast", ATTENTION_MASK, to=1)  # 1 = FLOAT
    bias = g.op("Mul", g.op("Sub", one, mask), g.constant("neg", np.array(-1e9, np.float32)))
    return g.op("Unsqueeze", bias, g.constant("axes12", np.array([1, 2], dtype=np.int64)))


def _attention(g: _GraphBuilder, x: str, bias: str, prefix: str) -> str:
    """Multi-head self-attention, output projection, residual and LayerNorm."""
    heads = g.config.num_attention_heads
    head_dim = g.config.hidden_size // heads
    split = _shape_with(g, f"{prefix}.heads", [heads, head_dim])
    merge = g.constant("merge", np.array([-1, g.config.hidden_size], dtype=np.int64))

    def heads_of(name: str) -> str:
        projected = g.linear(x, f"{prefix}.self.{name}")
        return g.op("Transpose", g.op("Reshape", projected, split), perm=[0, 2, 1, 3])

    keys = g.op("Transpose", heads_of("key"), perm=[0, 1, 3, 2])
    scale = g.constant("scale", np.array(1.0 / math.sqrt(head_dim), dtype=np.float32))
    scores = g.op("Add", g.op("Mul", g.op("MatMul", heads_of("query"), keys), scale), bias)
    context = g.op("MatMul", g.op("Softmax", scores, axis=-1), heads_of("value"))
    context = g.op("Reshape", g.op("Transpose", context, perm=[0, 2, 1, 3]), merge)
    projected = g.linear(context, f"{prefix}.output.dense")
    return g.layer_norm(g.op("Add", projected, x), f"{prefix}.output.LayerNorm")


def _feed_forward(g: _GraphBuilder, x: str, prefix: str) -> str:
    """Intermediate dense + exact GELU, output dense, residual and LayerNorm."""
    hidden = g.linear(x, f"{prefix}.intermediate.dense")
    half = g.constant("half", np.array(0.5, dtype=np.float32))
    root2 = g.constant("sqrt2", np.array(math.sqrt(2.0), dtype=np.float32))
    one = g.constant("one_ff", np.array(1.0, dtype=np.float32))
    erf = g.op("Erf", g.op("Div", hidden, root2))
    gelu = g.op("Mul", g.op("Mul", hidden, half), g.op("Add", one, erf))
    projected = g.linear(gelu, f"{prefix}.output.dense")
    return g.layer_norm(g.op("Add", projected, x), f"{prefix}.output.LayerNorm")


def bert_graph(
    weights: Mapping[str, np.ndarray], config: BertConfig
) -> tuple[bytes, dict[str, np.ndarray]]:
    """The serialised ONNX model and the weights it declares as shared, by name.

    The model maps ``input_ids`` and ``attention_mask`` (int64, batch × seq) to the last hidden
    states (float32, batch × seq × hidden).
    """
    from onnx import TensorProto, helper

    g = _GraphBuilder(weights, config)
    x, bias = _embeddings(g), _mask_bias(g)
    for index in range(config.num_hidden_layers):
        prefix = f"encoder.layer.{index}"
        x = _feed_forward(g, _attention(g, x, bias, f"{prefix}.attention"), prefix)
    g.nodes.append(helper.make_node(
        "Reshape", [x, _shape_with(g, "hidden_size", [config.hidden_size])], [HIDDEN]
    ))
    inputs = [helper.make_tensor_value_info(name, TensorProto.INT64, ["batch", "seq"])
              for name in (INPUT_IDS, ATTENTION_MASK)]
    output = helper.make_tensor_value_info(
        HIDDEN, TensorProto.FLOAT, ["batch", "seq", config.hidden_size]
    )
    graph = helper.make_graph(g.nodes, "minilm", inputs, [output], g.initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    return bytes(model.SerializeToString()), g.shared


class OnnxBertEncoder:
    """``BertEncoder``'s interface (``config``, ``__call__``) over an ONNX Runtime session."""

    def __init__(
        self, weights: Mapping[str, np.ndarray], config: BertConfig, threads: int | None = 1
    ) -> None:
        """Build the graph from ``weights`` and a session of ``threads`` threads.

        ``threads``: intra-op threads (None: ONNX Runtime's default, one per core). One thread
        never spins and is the robust choice on a busy 2-core machine. The session reads the
        weights from buffers this object keeps alive (``_shared``) for as long as it lives.
        """
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or 0
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # errors only: no notes about graph optimisations
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        model, arrays = bert_graph(weights, config)
        self._shared = {name: onnxruntime.OrtValue.ortvalue_from_numpy(array)
                        for name, array in arrays.items()}
        self._arrays = arrays  # the OrtValues point into these
        for name, value in self._shared.items():
            options.add_initializer(name, value)
        self.config = config
        self._session = onnxruntime.InferenceSession(
            model, options, providers=["CPUExecutionProvider"]
        )

    def __call__(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Last hidden states (batch, seq, hidden) for padded ``ids`` and their ``mask``."""
        feed = {INPUT_IDS: ids.astype(np.int64), ATTENTION_MASK: mask.astype(np.int64)}
        return np.asarray(self._session.run([HIDDEN], feed)[0])
