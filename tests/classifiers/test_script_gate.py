"""The script gate skips only patterns that cannot match: every verdict of the safety net is
the same with and without it, over the whole corpus, the held-out set and every example."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

from classifiers import rules
from classifiers.patterns import script_gate

DATA = Path(rules.__file__).parent / "data"


def texts() -> list[str]:
    found = []
    for name in ("corpus.jsonl", "heldout.jsonl"):
        with (DATA / name).open(encoding="utf-8") as lines:
            found += [json.loads(line)["text"] for line in lines if line.strip()]
    for pattern in rules.PATTERNS:
        found += [*pattern.positives, *pattern.negatives]
    return found


def test_gated_and_ungated_scans_agree_on_every_text() -> None:
    """The same hits, in the same order, for each of thousands of texts in 19 languages."""
    ungated = tuple(dataclasses.replace(p, gate=None) for p in rules.PATTERNS)
    every = texts()
    assert len(every) > 4000
    for text in every:
        gated = [(hit.pattern.id, hit.excerpt) for hit in rules.scan(text)]
        assert gated == [(hit.pattern.id, hit.excerpt) for hit in rules.scan(text, ungated)], text


def test_the_gate_covers_the_other_scripts_and_never_latin() -> None:
    """Arabic, Chinese and Russian patterns are gated; no pattern is gated by ASCII letters."""
    gated = {p.language for p in rules.PATTERNS if p.gate is not None}
    assert {"ar", "ru", "zh"} <= gated
    for pattern in rules.PATTERNS:
        if pattern.gate is not None:
            assert not re.search(r"[a-z]", pattern.gate.pattern), pattern.id


def test_no_gate_when_a_match_need_not_hold_a_known_letter() -> None:
    """A class range, an optional word or a wildcard alternative leaves a pattern ungated."""
    assert script_gate(re.compile("[а-я]+")) is None
    assert script_gate(re.compile("(?:нож)?\\d+")) is None
    assert script_gate(re.compile("нож|.{3}")) is None
    gate = script_gate(re.compile("\\b(?:нож|пистолет) (?:\\w+ ){0,4}школ"))
    assert gate is not None
    assert gate.search("нож")
    assert not gate.search("a knife at school")
