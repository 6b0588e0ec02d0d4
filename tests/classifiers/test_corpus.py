"""The labelled corpus: both files parse, labels are valid, the split is clean, it is big enough."""

from __future__ import annotations

import collections
import hashlib
import json
import pathlib

import pytest

from classifiers import corpus, verdict
from classifiers.data import build

CORPUS, HELDOUT = (corpus.load(path) for path in corpus.default_paths())
BOTH = {"corpus": CORPUS, "heldout": HELDOUT}


def test_default_paths_are_inside_the_package() -> None:
    """The data files ship inside the classifiers package."""
    package = pathlib.Path(corpus.__file__).resolve().parent
    for path in corpus.default_paths():
        assert path.is_file()
        assert package in path.parents


def test_load_names_the_bad_line(tmp_path: pathlib.Path) -> None:
    """A row with an unknown label raises ValueError naming its line number."""
    good = {"id": "x1", "scenario": "s1", "text": "hi", "urgency": "routine"}
    good |= {"category": "other", "language": "en"}
    bad = good | {"id": "x2", "urgency": "panic"}
    path = tmp_path / "rows.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"rows\.jsonl:2: unknown urgency"):
        corpus.load(path)


@pytest.mark.parametrize(
    "line",
    [
        "not json",
        "[1, 2]",
        '{"id": "x", "scenario": "s", "text": "", "urgency": "routine",'
        ' "category": "other", "language": "en"}',
        '{"id": "x", "scenario": "s", "text": "t", "urgency": "routine",'
        ' "category": "gossip", "language": "en"}',
        '{"id": "x", "scenario": "s", "text": "t", "urgency": "routine",'
        ' "category": "other", "language": "english"}',
    ],
)
def test_parse_line_rejects_malformed_rows(line: str) -> None:
    """Non-JSON, non-objects, empty text, unknown categories and bad language codes fail."""
    with pytest.raises(ValueError, match=r"f\.jsonl:7"):
        corpus.parse_line(line, where="f.jsonl:7")


@pytest.mark.parametrize("name", BOTH)
def test_ids_are_unique(name: str) -> None:
    """No row id appears twice in a file."""
    ids = [row.id for row in BOTH[name]]
    assert len(ids) == len(set(ids))


def test_ids_are_unique_across_files() -> None:
    """No row id is shared between the corpus and the held-out file."""
    assert not {r.id for r in CORPUS} & {r.id for r in HELDOUT}


def test_scenarios_are_disjoint() -> None:
    """No situation (scenario id) is on both sides of the held-out split."""
    assert not {r.scenario for r in CORPUS} & {r.scenario for r in HELDOUT}


def test_no_duplicate_texts() -> None:
    """No exact text (ignoring case and outer space) appears twice, within or across files."""
    texts = collections.Counter(r.text.strip().lower() for r in CORPUS + HELDOUT)
    assert [t for t, n in texts.items() if n > 1] == []


@pytest.mark.parametrize("name", BOTH)
def test_scenario_labels_are_consistent(name: str) -> None:
    """All paraphrases of one scenario carry the same urgency and category."""
    labels: dict[str, set[tuple[str, str]]] = collections.defaultdict(set)
    for row in BOTH[name]:
        labels[row.scenario].add((row.urgency, row.category))
    assert {s: pair for s, pair in labels.items() if len(pair) > 1} == {}


def test_row_counts() -> None:
    """The corpus has at least 1,000 rows and the held-out file at least 360."""
    assert len(CORPUS) >= 1000
    assert len(HELDOUT) >= 360


@pytest.mark.parametrize("name", BOTH)
def test_languages(name: str) -> None:
    """At least 8 languages, and at least 45 % of rows are not English."""
    rows = BOTH[name]
    assert len({r.language for r in rows}) >= 8
    assert sum(r.language != "en" for r in rows) / len(rows) >= 0.45


@pytest.mark.parametrize("name", BOTH)
def test_every_label_present(name: str) -> None:
    """Every urgency and every category occurs in each file."""
    rows = BOTH[name]
    assert {r.urgency for r in rows} == set(verdict.URGENCIES)
    assert {r.category for r in rows} == set(verdict.CATEGORIES)


@pytest.mark.parametrize("name", BOTH)
def test_emergencies_well_represented(name: str) -> None:
    """At least a quarter of rows are emergencies."""
    rows = BOTH[name]
    assert sum(r.urgency == "emergency" for r in rows) / len(rows) >= 0.25


def test_heldout_can_measure_non_english_emergency_recall() -> None:
    """The held-out file has at least 60 non-English emergencies, from 8+ languages."""
    rows = [r for r in HELDOUT if r.urgency == "emergency" and r.language != "en"]
    assert len(rows) >= 60
    assert len({r.language for r in rows}) >= 8


def test_scenarios_have_paraphrases() -> None:
    """Most scenarios group two or more paraphrases."""
    sizes = collections.Counter(r.scenario for r in CORPUS + HELDOUT)
    assert sum(n >= 2 for n in sizes.values()) / len(sizes) >= 0.8


def test_built_files_match_the_sources() -> None:
    """corpus.jsonl and heldout.jsonl are what build.py makes of the sources today."""
    train_rows, heldout_rows = build.build_rows()
    assert train_rows == CORPUS
    assert heldout_rows == HELDOUT


def test_heldout_file_is_the_one_the_figures_were_measured_on() -> None:
    """Adding training scenarios never changes heldout.jsonl (its sha256 is pinned)."""
    digest = hashlib.sha256(corpus.default_paths()[1].read_bytes()).hexdigest()
    assert digest == "ffd19a91b82cb3485a4ad2523ebbaf19f84832e501ead42af0e67774ff24304a"


def test_train_only_scenario_tied_to_a_heldout_concept_is_refused(tmp_path: pathlib.Path) -> None:
    """A train-only scenario whose concept tag names a held-out situation stops the build."""
    held = tmp_path / "en.txt"
    held.write_text("R other hello\nhello there\n", encoding="utf-8")
    (heldout,) = build.parse_source(held)
    with pytest.raises(ValueError, match="concept 'hello' is a held-out situation"):
        build.check_train_only([*build.parse_source(held)], [heldout])
