"""The false-alarm benchmark's cause labeller and its --file option (pure parts, no model)."""

from __future__ import annotations

import pathlib

import pytest

from benchmarks import false_alarms
from classifiers import corpus


def _row(text: str, urgency: str = "routine", category: str = "other") -> corpus.Row:
    return corpus.Row("x0001", "f0001", text, urgency, category, "en")


@pytest.mark.parametrize(
    ("text", "cause"),
    [
        ("bro i got a 20 bomb in warzone last night", "game or fiction"),
        ("дед обещал взять на охоту на лося", "sport or hunting"),
        ("yung lumpia sa canteen kanina may buhok", "food"),
        ("se minha mãe descobrir ela me mata kkkk", "hyperbole"),
        ("der alarm vorhin war angebrannter toast, alles schon vorbei", "event that is over"),
        ("testinggg does this go straight to the principal", "greeting or test"),
        ("how do i report something without my name on it?", "other"),
    ],
)
def test_a_routine_other_row_gets_the_cause_its_words_name(text: str, cause: str) -> None:
    """cause_of() reads a hard negative's cause off its words, in every language it knows."""
    assert false_alarms.cause_of(_row(text)) == cause


def test_labels_decide_before_words() -> None:
    """An urgent row's cause is its situation and a real topic is its category, whatever words."""
    assert false_alarms.cause_of(_row("my mom will kill me", "urgent", "abuse")) == "urgent: abuse"
    assert false_alarms.cause_of(_row("kids vape at lunch", category="substance")) == "drugs"
    assert false_alarms.cause_of(_row("the knife last year", category="weapon")) == (
        "event that is over"
    )


def test_a_missing_file_is_a_clear_error_before_any_model_loads(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--file naming no file exits 2 with the path in the message, and writes no result."""
    missing = tmp_path / "nothing.jsonl"
    with pytest.raises(SystemExit) as exit_info:
        false_alarms.main(["--file", str(missing), "--label", "test-missing"])
    assert exit_info.value.code == 2
    assert "nothing.jsonl" in capsys.readouterr().err
    assert not (false_alarms.RESULTS / "false-alarms-test-missing.json").exists()
