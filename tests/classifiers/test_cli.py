"""`tipline classify` semantics: one answer line per input line, in order, bad lines too."""

from __future__ import annotations

import io
import json
import os
import threading
from collections.abc import Sequence

from classifiers import cli, rules
from classifiers.verdict import Verdict


class _Recording(rules.RulesClassifier):
    """A rules engine that remembers the batches it was given."""

    name = "recording"

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[list[str]] = []

    def classify(self, texts: Sequence[str]) -> list[Verdict]:
        self.batches.append(list(texts))
        return super().classify(texts)


def _run(lines: list[str], batch_size: int = 16) -> list[dict[str, object]]:
    out = io.StringIO()
    status = cli.classify_stream(
        _Recording(), io.StringIO("".join(lines)), out, batch_size=batch_size
    )
    assert status == 0
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_bad_lines_get_errors_and_the_run_goes_on() -> None:
    """Non-JSON, non-object, missing or empty text each get an error; good lines a verdict."""
    answers = _run(
        [
            '{"text": "he has a gun at school", "id": 7}\n',
            "not json\n",
            "[1, 2]\n",
            '{"txt": "typo"}\n',
            '{"text": 5}\n',
            '{"text": "   "}\n',
            "\n",
            '{"text": "someone stole my pen"}',
        ]
    )
    assert [sorted(a) for a in answers] == [
        ["category", "confidence", "language", "reasons", "urgency"],
        ["error"],
        ["error"],
        ["error"],
        ["error"],
        ["error"],
        ["error"],
        ["category", "confidence", "language", "reasons", "urgency"],
    ]
    assert answers[0]["urgency"] == "emergency"


def test_order_is_kept_across_batches() -> None:
    """Answers come back in input order even when input spans many batches."""
    texts = [f"report number {i}" if i % 3 else f"gun at school {i}" for i in range(50)]
    answers = _run([json.dumps({"text": t}) + "\n" for t in texts], batch_size=4)
    assert [a["urgency"] for a in answers] == [
        "urgent" if i % 3 else "emergency" for i in range(50)
    ]


def test_empty_input_writes_nothing() -> None:
    """No input lines, no output lines."""
    assert _run([]) == []


def test_each_line_is_answered_before_the_next_arrives() -> None:
    """An interactive user sees each answer at once: a batch is cut when no line is ready."""
    read_fd, write_fd = os.pipe()
    out_read_fd, out_write_fd = os.pipe()
    with (
        os.fdopen(read_fd, "r") as infile,
        os.fdopen(write_fd, "w") as feeder,
        os.fdopen(out_read_fd, "r") as answers,
        os.fdopen(out_write_fd, "w") as outfile,
    ):
        engine = _Recording()
        worker = threading.Thread(
            target=cli.classify_stream, args=(engine, infile, outfile), daemon=True
        )
        worker.start()
        for text in ("first", "second"):
            feeder.write(json.dumps({"text": text}) + "\n")
            feeder.flush()
            # Blocks until the answer is written: the stream does not wait for a full batch.
            assert "urgency" in json.loads(answers.readline())
        feeder.close()
        worker.join(timeout=30)
        assert engine.batches == [["first"], ["second"]]
