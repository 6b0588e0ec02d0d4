"""The sentence encoder: a transformer from a local folder, mean-pooled, L2-normalised.

multilingual-e5 was trained with a "query: " prefix for short texts and mean pooling;
both are kept. Input is capped at 256 tokens: a report's first paragraphs carry the
urgency, and attention cost grows with the square of the length, so an 8,000-character
report costs about what a 256-token one does.
"""

from __future__ import annotations

import os
import pathlib
import threading
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import torch
from tokenizers import Tokenizer
from transformers import AutoModel
from transformers.utils import logging as hf_logging

from classifiers.onnx_runtime import embed_in_batches

PREFIX = "query: "
MAX_TOKENS = 256


def configure_threads(threads: int | None = None) -> int:
    """Intra-op threads for torch: one per core we may use, at most 4.

    On the 2-core machines both cores serve one forward pass (the lowest latency for one
    report); inference runs one at a time, so the cores are not oversubscribed.
    """
    count = threads or min(4, len(os.sched_getaffinity(0)))
    torch.set_num_threads(count)
    return count


class Encoder:
    """Thread-safe: the model is only read (once loaded), and tokenisation is behind a lock."""

    def __init__(self, model_dir: pathlib.Path, *, max_tokens: int = MAX_TOKENS) -> None:
        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call] # one progress line of ours, not a bar per load
        self.model_dir = model_dir
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length=max_tokens)
        self._tokenizer.no_padding()
        self.pad_id = self._tokenizer.token_to_id("<pad>") or 0
        self._lock = threading.Lock()
        self.model = AutoModel.from_pretrained(
            model_dir, add_pooling_layer=False, dtype=torch.float32
        ).eval()
        self.dim = int(self.model.config.hidden_size)

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of each text, with the prefix, capped at the token limit."""
        with self._lock:
            encodings = self._tokenizer.encode_batch([PREFIX + t for t in texts])
        return [e.ids for e in encodings]

    def _forward(self, batch: list[list[int]]) -> npt.NDArray[np.float32]:
        width = max(len(ids) for ids in batch)
        ids = torch.full((len(batch), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for row, tokens in enumerate(batch):
            ids[row, : len(tokens)] = torch.tensor(tokens)
            mask[row, : len(tokens)] = 1
        with torch.inference_mode():
            hidden = self.model(input_ids=ids, attention_mask=mask).last_hidden_state
            weights = mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(dim=1) / weights.sum(dim=1)
            pooled = torch.nn.functional.normalize(pooled, dim=-1)
        return pooled.numpy().astype(np.float32)

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """One unit vector per text, in order; shape (len(texts), dim)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return embed_in_batches(self.token_ids(texts), self._forward, self.dim)
