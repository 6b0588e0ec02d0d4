"""The full engine: loading, its fallback when the model is missing, and its answers."""

from __future__ import annotations

import pathlib
import shutil

import pytest

from classifiers import corpus, language, load_engine
from classifiers.engine import ModelUnavailableError, TransformerEngine
from tests.classifiers.conftest import cache_dir


def _quiet(_: str) -> None:
    return None


def test_missing_model_dir_raises_model_unavailable(tmp_path: pathlib.Path) -> None:
    """A model folder that does not exist gives ModelUnavailableError, not a crash."""
    with pytest.raises(ModelUnavailableError, match="cannot load"):
        load_engine(model_dir=tmp_path / "nowhere", cache_dir=tmp_path, progress=_quiet)


def test_corrupt_model_dir_raises_model_unavailable(
    model_dir: pathlib.Path, tmp_path: pathlib.Path
) -> None:
    """A folder with a truncated weights file gives ModelUnavailableError."""
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("config.json", "tokenizer.json"):
        shutil.copy(model_dir / name, broken / name)
    (broken / "model.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{}")
    with pytest.raises(ModelUnavailableError):
        load_engine(model_dir=broken, cache_dir=tmp_path, progress=_quiet)


def test_heads_of_another_encoder_are_refused(
    model_dir: pathlib.Path, tmp_path: pathlib.Path
) -> None:
    """Heads whose probe does not match the encoder are refused with a retrain hint."""
    from classifiers import heads  # noqa: PLC0415 - only this test rewrites a heads file

    trained = heads.load()
    wrong = heads.Heads(
        urgency_w=trained.urgency_w,
        urgency_b=trained.urgency_b,
        category_w=trained.category_w,
        category_b=trained.category_b,
        joint_w=trained.joint_w,
        joint_b=trained.joint_b,
        joint_pairs=trained.joint_pairs,
        thresholds=trained.thresholds,
        probe=-trained.probe,
        meta={},
    )
    wrong.save(tmp_path / "wrong.npz")
    with pytest.raises(ModelUnavailableError, match="retrain"):
        load_engine(
            model_dir=None,
            cache_dir=cache_dir(),
            progress=_quiet,
            heads_path=tmp_path / "wrong.npz",
        )


def test_shipped_heads_need_the_fine_tuned_layers(
    model_dir: pathlib.Path, tmp_path: pathlib.Path
) -> None:
    """The shipped heads on the bare base (their delta not named) fail the probe check."""
    import dataclasses  # noqa: PLC0415 - only this test edits the heads' metadata

    from classifiers import heads  # noqa: PLC0415

    trained = heads.load()
    assert trained.meta["delta"] == "top_layers.safetensors"
    bare = dataclasses.replace(
        trained, meta={k: v for k, v in trained.meta.items() if k != "delta"}
    )
    bare.save(tmp_path / "bare.npz")
    with pytest.raises(ModelUnavailableError, match="retrain"):
        load_engine(
            model_dir=None,
            cache_dir=cache_dir(),
            progress=_quiet,
            heads_path=tmp_path / "bare.npz",
        )


def test_loading_reports_progress(model_dir: pathlib.Path, transformer: TransformerEngine) -> None:
    """Loading (from a warm cache) says what it loads and when it is ready, for the log."""
    lines: list[str] = []
    load_engine(model_dir=None, cache_dir=cache_dir(), progress=lines.append)
    assert lines[0].startswith("classifier: loading")
    assert lines[-1].startswith("classifier: ready")


def test_answers_in_order_with_protocol_fields(transformer: TransformerEngine) -> None:
    """One verdict per text, in order; an emergency and a routine report told apart."""
    verdicts = transformer.classify(
        [
            "my friend just told me she is going to kill herself tonight, she has pills",
            "someone keeps stealing the good markers from the art room",
        ]
    )
    assert [v.urgency for v in verdicts] == ["emergency", "routine"]
    assert verdicts[0].category == "self_harm"
    assert all(v.language == "en" and v.reasons for v in verdicts)


def test_other_languages_are_detected(transformer: TransformerEngine) -> None:
    """Language comes from lingua restricted to the supported languages."""
    verdicts = transformer.classify(
        ["mi amigo trajo una pistola a la escuela hoy", "il a un couteau dans son sac au lycée"]
    )
    assert [v.language for v in verdicts] == ["es", "fr"]
    assert [v.urgency for v in verdicts] == ["emergency", "emergency"]


def test_long_and_odd_inputs_are_answered(transformer: TransformerEngine) -> None:
    """An 8,000-character text, emoji and empty strings never raise."""
    verdicts = transformer.classify(["word " * 1600, "😢😢😢", "", "   "])
    assert len(verdicts) == 4
    assert all(0.0 <= v.confidence <= 1.0 for v in verdicts)
    assert transformer.classify([]) == []


def test_supported_languages_cover_the_corpus() -> None:
    """Every language of the corpus is one lingua is asked to detect."""
    train, heldout = corpus.default_paths()
    languages = {row.language for path in (train, heldout) for row in corpus.load(path)}
    assert languages <= set(language.SUPPORTED)


def test_unsupported_language_is_not_known() -> None:
    """Korean, which the detector is not loaded for, is not trusted as a known language."""
    detector = language.LanguageDetector()
    assert not detector.detect("학교에서 누가 칼을 가지고 있어요").known
    assert detector.detect("there is a man with a knife near the gym").code == "en"


def test_configure_threads_uses_available_cores() -> None:
    """Torch gets one thread per available core (at most 4), or what is asked."""
    from classifiers import encoder  # noqa: PLC0415 # torch: the train extra

    assert 1 <= encoder.configure_threads() <= 4
    assert encoder.configure_threads(1) == 1
