"""Fine-tuning of the top layers and the delta file, on a tiny random BERT (no weights)."""

from __future__ import annotations

import dataclasses
import pathlib
from typing import Any

import numpy as np
import pytest
import torch
from safetensors.torch import save_file
from transformers import BertConfig, BertModel

from classifiers import finetune, heads

PAIRS = np.array([[0, 8], [1, 1], [2, 3]], dtype=np.int64)  # routine/other, ...


def _tiny(seed: int = 0) -> Any:
    """A 3-layer BERT with 16 dimensions, random weights."""
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=50, hidden_size=16, num_hidden_layers=3, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=64,
    )  # fmt: skip
    model: Any = BertModel(config, add_pooling_layer=False)
    return model.eval()


def test_top_layers_reproduce_the_model_before_training() -> None:
    """Cached lower states through the copied top layers give the model's own output."""
    model = _tiny()
    ids = [[2, 5, 7, 9, 3], [2, 11, 3]]
    states = finetune.lower_states(model, ids, 2, pad_id=1)
    net = finetune.TopNet(model, 2, PAIRS, scale=1.0).eval()
    x, mask = finetune._pad(states, 0.0)
    hidden = x
    additive = (1.0 - mask)[:, None, None, :] * torch.finfo(x.dtype).min
    for layer in net.layers:
        hidden = layer(hidden, additive)
    with torch.inference_mode():
        expected = model(input_ids=torch.tensor([ids[0]])).last_hidden_state[0]
    assert torch.allclose(hidden[0].detach(), expected, atol=1e-5)


def test_fit_learns_a_separable_toy_task() -> None:
    """Three well-separated groups of states are told apart after a few epochs."""
    model = _tiny()
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 16)) * 3
    states = [
        torch.tensor(centres[i % 3] + rng.normal(size=(4, 16)) * 0.1).float() for i in range(30)
    ]
    y_j = np.arange(30, dtype=np.int64) % 3
    labels = (PAIRS[y_j, 0], PAIRS[y_j, 1], y_j)
    recipe = dataclasses.replace(finetune.Recipe(), layers=2, epochs=15, batch=8, lr=1e-3)
    net = finetune.fit(model, states, labels, PAIRS, recipe)
    p_u, p_c = finetune.predict(net, states)
    assert (p_u.argmax(1) == labels[0]).all()
    assert (p_c.argmax(1) == labels[1]).all()


def test_pooled_vectors_give_the_heads_probabilities() -> None:
    """The unit vectors `pooled` returns, read by the saved heads, give `predict`'s answer."""
    model = _tiny()
    states = finetune.lower_states(model, [[2, 5, 7, 9, 3], [2, 11, 3], [2, 4, 3]], 2, pad_id=1)
    net = finetune.TopNet(model, 2, PAIRS, scale=5.0).eval()
    with torch.no_grad():  # heads far from their near-zero start, so vectors matter
        for head in (net.urgency, net.category, net.joint):
            head.weight.normal_(std=2.0)
    vectors = finetune.pooled(net, states)
    w = net.head_weights()
    expected = finetune.predict(net, states)
    p_u, p_c, p_j = (
        heads.softmax(vectors @ w[f"{h}_w"] + w[f"{h}_b"]) for h in ("urgency", "category", "joint")
    )
    got = heads.combine(p_u, p_c, p_j, PAIRS)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    for a, b in zip(got, expected, strict=True):
        assert np.allclose(a, b, atol=1e-5)


def test_delta_round_trip_loads_the_trained_layers(tmp_path: pathlib.Path) -> None:
    """A saved delta, applied to a fresh base, gives it the fine-tuned layers (fp16)."""
    model = _tiny()
    net = finetune.TopNet(model, 2, PAIRS, scale=1.0)
    with torch.no_grad():
        for p in net.layers.parameters():
            p.add_(0.5)
    finetune.save_delta(net, tmp_path / "delta.safetensors")
    fresh = _tiny()
    finetune.apply_delta(fresh, tmp_path / "delta.safetensors")
    top: Any = net.layers[0]
    tuned = top.output.dense.weight
    assert torch.allclose(fresh.encoder.layer[1].output.dense.weight, tuned, atol=1e-2)
    assert torch.equal(
        fresh.encoder.layer[0].output.dense.weight, model.encoder.layer[0].output.dense.weight
    )


def test_delta_of_another_model_is_refused(tmp_path: pathlib.Path) -> None:
    """A delta whose tensors the base does not have (or not in that shape) is refused."""
    save_file({"encoder.layer.1.output.dense.weight": torch.zeros(3, 3)}, str(tmp_path / "d"))
    with pytest.raises(ValueError, match="does not fit"):
        finetune.apply_delta(_tiny(), tmp_path / "d")
