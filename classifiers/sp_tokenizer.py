"""The service's tokenizer: SentencePiece over the same unigram vocabulary, in 1/10 the memory.

Hugging Face `tokenizers` holds the 250,037-piece unigram vocabulary in about 300 MB
(a trie of hash maps); SentencePiece, the library this vocabulary was made with, holds
it in a double-array trie of a few MB. The pieces and scores come from the
`tokenizer.json` the converter writes, and the text is normalised first by that file's
own normaliser (built with `tokenizers.normalizers`, which holds no vocabulary), so the
ids are the ones the torch encoder and the training code see:
tests/classifiers/test_onnx_runtime.py compares both on every text of the corpus.
"""

from __future__ import annotations

import importlib
import json
import pathlib
import threading
from collections.abc import Sequence
from typing import Any

import sentencepiece as spm
from tokenizers import Regex, normalizers

# protobuf's generated module has no type information: Any, on purpose.
model_pb2: Any = importlib.import_module("sentencepiece.sentencepiece_model_pb2")

MODEL_FILE = "tokenizer.model"
NORMALIZER_FILE = "normalizer.json"
_TYPES = {"<s>": 3, "</s>": 3, "<pad>": 3, "<unk>": 2, "<mask>": 4}  # CONTROL, UNKNOWN, USER


def _normaliser(spec: dict[str, Any]) -> normalizers.Normalizer:
    """The `Sequence` of Replace / NFKC steps that tokenizer_json writes."""
    steps: list[normalizers.Normalizer] = []
    for step in spec["normalizers"]:
        if step["type"] == "Replace":
            steps.append(normalizers.Replace(Regex(step["pattern"]["Regex"]), step["content"]))
        elif step["type"] == "NFKC":
            steps.append(normalizers.NFKC())
        else:
            raise ValueError(f"normaliser step {step['type']!r} is not supported")
    return normalizers.Sequence(steps)


def model_proto(vocab: Sequence[tuple[str, float]]) -> bytes:
    """A SentencePiece unigram model of these pieces in this order (ids are kept).

    Normalisation is off in SentencePiece (the caller normalises), words start with the
    metaspace as Metaspace(prepend_scheme="always", split=True) does.
    """
    proto = model_pb2.ModelProto()
    for piece, score in vocab:
        entry = proto.pieces.add()
        entry.piece = piece
        entry.score = score
        entry.type = _TYPES.get(piece, 1)  # NORMAL
    proto.trainer_spec.model_type = model_pb2.TrainerSpec.UNIGRAM
    proto.trainer_spec.unk_id = next(i for i, (p, _) in enumerate(vocab) if p == "<unk>")
    proto.trainer_spec.bos_id = -1
    proto.trainer_spec.eos_id = -1
    proto.trainer_spec.pad_id = -1
    proto.normalizer_spec.name = "identity"
    proto.normalizer_spec.add_dummy_prefix = True
    proto.normalizer_spec.remove_extra_whitespaces = False
    proto.normalizer_spec.escape_whitespaces = True
    return bytes(proto.SerializeToString())


def write(tokenizer_json: pathlib.Path, folder: pathlib.Path) -> None:
    """`tokenizer.model` and `normalizer.json` in `folder`, from the converter's JSON."""
    document = json.loads(tokenizer_json.read_text())
    vocab = [(str(p), float(s)) for p, s in document["model"]["vocab"]]
    (folder / MODEL_FILE).write_bytes(model_proto(vocab))
    (folder / NORMALIZER_FILE).write_text(json.dumps(document["normalizer"]) + "\n")


class SentencePieceTokenizer:
    """Token ids with <s> and </s> around them, capped at `max_tokens` (both included)."""

    def __init__(self, folder: pathlib.Path, *, max_tokens: int) -> None:
        self._normalise = _normaliser(json.loads((folder / NORMALIZER_FILE).read_text()))
        self._processor = spm.SentencePieceProcessor(model_file=str(folder / MODEL_FILE))
        self.bos = self._processor.piece_to_id("<s>")
        self.eos = self._processor.piece_to_id("</s>")
        self.pad_id = self._processor.piece_to_id("<pad>")
        self._max = max_tokens
        self._lock = threading.Lock()  # the normaliser object is not documented thread-safe

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        """The ids of each text (normalised first), as the tokenizer.json would give them."""
        with self._lock:
            normalised = [self._normalise.normalize_str(t) for t in texts]
        # One call per text: given a list, SentencePiece starts a thread pool on every call
        # (60-140 us for one report, measured, with spikes to 3 ms while ONNX Runtime's
        # threads want the cores); one string costs it about 6 us.
        out = [self._processor.encode(text) for text in normalised]
        return [[self.bos, *ids[: self._max - 2], self.eos] for ids in out]
