"""The service's runtime: ONNX Runtime and SentencePiece give what torch and tokenizers give."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from tokenizers import Tokenizer

from classifiers import corpus, engine, heads, onnx_runtime
from classifiers.engine import TransformerEngine
from classifiers.sp_tokenizer import SentencePieceTokenizer
from tests.classifiers.conftest import cache_dir

EDGE_CASES = [
    "  leading and trailing  ",
    "tab\there\nnew line",
    "😢😢😢",
    "",
    " ",
    "word " * 1600,
    "ﾊﾝｶｸ ｶﾀｶﾅ",
    "e\u0301cole",
    "\u200bzero\u200dwidth",
    "x\x01y",
    "𝒜𝒷𝒸 ℌ𝔢𝔩𝔩𝔬",
    "학교에서 누가 칼을 가지고 있어요",
    "\ufeffbom a\u00a0b",
]


def _texts() -> list[str]:
    train, heldout = corpus.default_paths()
    return [row.text for path in (train, heldout) for row in corpus.load(path)] + EDGE_CASES


@pytest.fixture(scope="module")
def onnx_folder(transformer: TransformerEngine) -> pathlib.Path:
    """The ONNX build the engine fixture made (or found) in the shared cache."""
    return transformer._encoder.model_dir


def test_sentencepiece_gives_the_ids_of_tokenizer_json(
    model_dir: pathlib.Path, onnx_folder: pathlib.Path
) -> None:
    """Every corpus text and odd input tokenizes to the same ids as the converter's JSON."""
    reference = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    reference.enable_truncation(max_length=256)
    reference.no_padding()
    ours = SentencePieceTokenizer(onnx_folder, max_tokens=256)
    texts = [onnx_runtime.PREFIX + t for t in _texts()]
    expected = [e.ids for e in reference.encode_batch(texts)]
    got = ours.encode(texts)
    wrong = [t for t, a, b in zip(texts, got, expected, strict=True) if a != b]
    assert len(texts) > 4000
    assert wrong == []


def test_onnx_embeddings_match_torch(model_dir: pathlib.Path, onnx_folder: pathlib.Path) -> None:
    """The int8-weight graph's vectors are within cosine 0.998 of torch's on held-out texts."""
    from classifiers import finetune  # noqa: PLC0415 # torch: the train extra
    from classifiers.encoder import Encoder  # noqa: PLC0415

    _, heldout = corpus.default_paths()
    texts = [row.text for row in corpus.load(heldout)][:120] + EDGE_CASES
    reference = Encoder(model_dir)
    finetune.apply_delta(reference.model, heads.DEFAULT_PATH.parent / finetune.DELTA_NAME)
    cosine = (onnx_runtime.OnnxEncoder(onnx_folder).embed(texts) * reference.embed(texts)).sum(1)
    assert float(cosine.min()) >= 0.998


def test_a_build_of_another_source_is_not_used(
    onnx_folder: pathlib.Path, tmp_path: pathlib.Path
) -> None:
    """A cached build answers only to its own key; a missing model file makes it no build."""
    key = json.loads((onnx_folder / "meta.json").read_text())["source"]
    cache = onnx_folder.parent.parent
    assert onnx_runtime.cached(cache, key) == onnx_folder
    assert onnx_runtime.cached(cache, "0" * 64) is None
    fake = tmp_path / onnx_runtime.FOLDER_NAME / key[:16]
    fake.mkdir(parents=True)
    (fake / "meta.json").write_text(json.dumps({"source": key}))
    assert onnx_runtime.cached(tmp_path, key) is None


def test_the_delta_is_part_of_the_key(model_dir: pathlib.Path, tmp_path: pathlib.Path) -> None:
    """Another fine-tuned delta (or none) names another build, so heads never meet a stale graph."""
    delta = heads.DEFAULT_PATH.parent / "top_layers.safetensors"
    other = tmp_path / "other.safetensors"
    other.write_bytes(delta.read_bytes()[:-1] + b"\x00")
    keys = {
        onnx_runtime.pinned_key(delta),
        onnx_runtime.pinned_key(other),
        onnx_runtime.pinned_key(None),
        onnx_runtime.source_key(model_dir, delta),
    }
    assert len(keys) == 4


def test_the_service_classifies_without_torch(transformer: TransformerEngine) -> None:
    """Loading the engine as `tipline serve` does, and classifying, imports no torch."""
    script = (
        "import sys, pathlib\n"
        "import tipline.app, tipline.cli\n"
        "from classifiers import load_engine\n"
        f"e = load_engine(model_dir=None, cache_dir=pathlib.Path({str(cache_dir())!r}),"
        " progress=lambda _: None)\n"
        "v = e.classify(['he has a gun in his bag and says he will shoot at lunch'])\n"
        "assert v[0].urgency == 'emergency', v\n"
        "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_onnx_is_the_default_runtime(transformer: TransformerEngine) -> None:
    """The engine the service loads runs on ONNX Runtime."""
    assert isinstance(transformer._encoder, onnx_runtime.OnnxEncoder)
    assert (engine.load_engine.__kwdefaults__ or {})["runtime"] == "onnx"


def test_embeddings_are_unit_vectors(onnx_folder: pathlib.Path) -> None:
    """Mean pooling and L2 normalisation are inside the graph: every vector has length 1."""
    vectors = onnx_runtime.OnnxEncoder(onnx_folder).embed(["a", "hola amigo", "😢", ""])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_threads_do_not_spin_unless_asked(onnx_folder: pathlib.Path) -> None:
    """The service's threads sleep when idle; `spin=True` spins inside a run, stopped after it."""
    default = onnx_runtime.OnnxEncoder(onnx_folder)._session.get_session_options()
    assert default.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    spinning = onnx_runtime.OnnxEncoder(onnx_folder, spin=True)._session.get_session_options()
    assert spinning.get_session_config_entry("session.intra_op.allow_spinning") == "1"
    assert spinning.get_session_config_entry("session.force_spinning_stop") == "1"
