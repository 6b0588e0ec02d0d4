"""The safety net's RE2 prefilter: never "no" where a pattern matches, and sound rewrites."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import re2

from classifiers import normalize, prefilter, rules

_DATA = Path(rules.__file__).parent / "data"
_FILES = (
    "corpus.jsonl",
    "heldout.jsonl",
    "heldout_fresh.jsonl",
    "heldout_fresh2.jsonl",
    "language_heldout.jsonl",
)


def _texts() -> list[str]:
    texts: list[str] = []
    for name in _FILES:
        with (_DATA / name).open(encoding="utf-8") as rows:
            texts += [json.loads(line)["text"] for line in rows if line.strip()]
    for pattern in rules.PATTERNS:
        texts += [*pattern.positives, *pattern.negatives]
    return texts


def test_prefilter_names_every_pattern_that_matches_any_text() -> None:
    """Over every corpus, held-out and example text, each pattern whose regex matches the
    normalised text is among the prefilter's candidates (a superset, so scan loses no hit)."""
    texts = _texts()
    assert len(texts) > 3000  # the files are there and read
    table = rules._prefilter()
    assert table is not None
    missed: list[tuple[str, str]] = []
    matched = 0
    for text in texts:
        normal = normalize.normalise(text)
        candidates = set(table.candidates(normal))
        for index, pattern in enumerate(rules.PATTERNS):
            if pattern.regex.search(normal):
                matched += 1
                if index not in candidates:
                    missed.append((pattern.id, text))
    assert matched > 500  # the check saw many real matches, not only misses
    assert missed == []


def test_scan_with_prefilter_equals_the_full_scan() -> None:
    """scan() on the table gives the same hits as every pattern tried one by one."""
    everything = list(rules.PATTERNS)  # not the table object: no prefilter
    for text in _texts():
        fast = [(h.pattern.id, h.excerpt) for h in rules.scan(text)]
        slow = [(h.pattern.id, h.excerpt) for h in rules.scan(text, everything)]
        assert fast == slow, text


def test_prefilter_says_none_on_a_plain_chat_line() -> None:
    """A chat line no pattern can match gets no candidate: the one pass is all it costs."""
    line = normalize.normalise("ok thanks, i will tell you if anything else happens")
    table = rules._prefilter()
    assert table is not None
    assert table.candidates(line) == []


@pytest.mark.parametrize(
    ("source", "loose"),
    [
        (r"\bgun\b", "gun"),
        (r"kill(?! time)", "kill"),
        (r"(?<!no )knife", "knife"),
        (r"\w+ \d", r"[^ ]+ \pN"),
        (r"[\w-]+", r"[\pL\pN_-]+"),
        (r"[^a-z]x", r"(?s:.)x"),
    ],
)
def test_superset_rewrites_to_a_looser_re2_source(source: str, loose: str) -> None:
    """Assertions are dropped, \\w widens to any non-space (a Unicode class inside a class),
    \\d to any number, a negated class to any character."""
    assert prefilter.superset(source) == loose


@pytest.mark.parametrize("source", [r"(a)\1", r"\s+", r"\W", r"(?i)gun", r"(?P<x>a)"])
def test_superset_refuses_what_it_cannot_loosen(source: str) -> None:
    """A construct without a sound rewrite is refused when the table is built."""
    with pytest.raises(prefilter.UntranslatableError):
        prefilter.superset(source)


def test_unicode_word_class_covers_every_python_word_character() -> None:
    """Every code point Python's Unicode `\\w` matches is matched by the rewrite's
    `[\\pL\\pN_]` in RE2 (inside classes), so no word character escapes the prefilter."""
    everything = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    python_words = set(re.findall(r"\w", everything))
    re2_words = set(re2.findall(r"[\pL\pN_]", everything))
    assert len(python_words) > 100_000
    assert python_words - re2_words == set()
    assert re.match(r"\w", " ") is None  # outside classes `\w` becomes "not a space"


def test_a_prefilter_that_cannot_be_built_is_none_so_the_net_tries_every_pattern(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A table RE2 cannot take gives no prefilter (said in the log), never one that says "no"
    to everything; scan on the full table still hits without it."""
    assert rules.build_prefilter([r"(a)\1"]) is None
    assert "rules.prefilter_unavailable" in caplog.text
    assert rules.build_prefilter([p.regex.pattern for p in rules.PATTERNS]) is not None
    everything = list(rules.PATTERNS)  # not the table object itself: no prefilter used
    text = rules.PATTERNS[0].positives[0]
    assert rules.scan(text, everything) == rules.scan(text)
