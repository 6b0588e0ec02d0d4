"""The false-alarm benchmark's cause labeller and its --file option (pure parts, no model)."""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

from benchmarks import false_alarms
from classifiers import corpus, decide
from classifiers.heads import Thresholds
from classifiers.language import Detected


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


def test_a_cause_the_file_names_wins_over_the_words(tmp_path: pathlib.Path) -> None:
    """A row that names its cause is counted by it; rows without one fall back to the words."""
    path = tmp_path / "set.jsonl"
    path.write_text(
        '{"id": "y1", "scenario": "g1", "text": "my mom will kill me", "urgency": "routine",'
        ' "category": "other", "language": "en", "cause": "prank"}\n'
        '{"id": "y2", "scenario": "g2", "text": "my mom will kill me", "urgency": "routine",'
        ' "category": "other", "language": "en"}\n',
        encoding="utf-8",
    )
    named = false_alarms.named_causes(path)
    rows = corpus.load(path)
    assert named == {"y1": "prank"}
    assert [false_alarms.cause_of(r, named) for r in rows] == ["prank", "hyperbole"]


def test_a_blind_report_holds_no_text() -> None:
    """--blind: the false alarm is listed by id, cause and source, and no text is in the JSON."""
    secret = "a row nobody may read"
    rows = [corpus.Row("y1", "g1", secret, "routine", "other", "en")]
    evidence = [
        decide.Evidence(
            urgency=np.array([0.1, 0.1, 0.8], dtype=np.float32),
            category=np.full(9, 1 / 9, dtype=np.float32),
            hits=[],
            language=Detected("en", 0.9, known=True),
        )
    ]
    thresholds = Thresholds(emergency=0.03, confident=0.6)
    verdicts = [decide.decide(e, thresholds) for e in evidence]
    result = false_alarms.analyse(rows, evidence, verdicts, thresholds, blind=True)
    assert [a["id"] for a in result["false_alarms"]] == ["y1"]
    assert secret not in json.dumps(result) + "\n".join(false_alarms.render(result))
