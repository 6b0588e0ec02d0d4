"""Build corpus.jsonl and heldout.jsonl from the hand-written sources in src/.

Run from the repository root:  .venv/bin/python -m classifiers.data.build [--counts]

Source format (one file per language, `src/<code>.txt`): scenarios separated by blank
lines; a scenario starts with a header `<E|U|R> <category> [concept]` followed by its
paraphrases, one per line. The optional concept tag ties together scenarios in different
files that tell the same situation (a near-translation), so that they land on the same side
of the split: otherwise a translation of a training scenario would inflate held-out scores.
A paraphrase in another language than the file's starts with `[xx] `.
Lines starting with `#` are comments.

The held-out split is by scenario, never by row: within each (file, urgency, category)
group the 2nd, 5th, 8th ... untied scenario goes to heldout.jsonl, so every group with
two or more scenarios is represented there and no situation is on both sides; a scenario
whose concept was already placed follows it.

Train-only sources (`src/train/<code>.txt`, same format) were written after the held-out
file was fixed: every one of their scenarios goes to corpus.jsonl, after the split sources'
rows, so heldout.jsonl and every existing id stay as they were. A train-only concept tag
that names a held-out situation is refused.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import json
import pathlib
import re
import sys

from classifiers import corpus, verdict

_HERE = pathlib.Path(__file__).resolve().parent
_SOURCES = _HERE / "src"
_TRAIN_ONLY = _SOURCES / "train"
_URGENCY = {"E": "emergency", "U": "urgent", "R": "routine"}
_OVERRIDE = re.compile(r"^\[([a-z]{2})\]\s+(.*)$")
# English first, then the other languages: ids stay stable when a language is added last.
_ORDER = ("en", "es", "fr", "pt", "de", "it", "vi", "zh", "ar", "ru", "tl")


@dataclasses.dataclass(frozen=True, slots=True)
class Scenario:
    """A situation with its labels and its paraphrases as (language, text)."""

    source: str
    urgency: str
    category: str
    concept: str | None
    texts: tuple[tuple[str, str], ...]


def parse_source(path: pathlib.Path) -> list[Scenario]:
    """Parse one source file; errors name the file and line."""
    default = path.stem
    scenarios: list[Scenario] = []
    header: tuple[str, str, str | None] | None = None
    texts: list[tuple[str, str]] = []
    lines = [*path.read_text(encoding="utf-8").splitlines(), ""]
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if line.startswith("#"):
            continue
        if not line:
            if header is not None:
                if not texts:
                    raise ValueError(f"{path}:{number}: scenario without text")
                scenarios.append(Scenario(default, *header, tuple(texts)))
            header, texts = None, []
        elif header is None:
            header = _parse_header(line, where=f"{path}:{number}")
        else:
            match = _OVERRIDE.match(line)
            texts.append((match[1], match[2]) if match else (default, line))
    return scenarios


def _parse_header(line: str, *, where: str) -> tuple[str, str, str | None]:
    parts = line.split()
    if len(parts) not in (2, 3) or parts[0] not in _URGENCY or parts[1] not in verdict.CATEGORIES:
        raise ValueError(f"{where}: bad scenario header {line!r}")
    return _URGENCY[parts[0]], parts[1], parts[2] if len(parts) == 3 else None


def _read(folder: pathlib.Path) -> list[Scenario]:
    paths = sorted(folder.glob("*.txt"), key=lambda p: (*_ORDER, p.stem).index(p.stem))
    return [s for path in paths for s in parse_source(path)]


def read_sources() -> tuple[list[Scenario], list[Scenario]]:
    """(scenarios of the split sources, train-only scenarios), each in id order."""
    return _read(_SOURCES), _read(_TRAIN_ONLY)


def numbered() -> dict[str, Scenario]:
    """Scenario id (`s0001`...) -> scenario, numbered as the built files are."""
    scenarios, train_only = read_sources()
    return {f"s{n:04d}": s for n, s in enumerate([*scenarios, *train_only], start=1)}


def check_train_only(train_only: list[Scenario], heldout: list[Scenario]) -> None:
    """Refuse a train-only scenario tied by its concept to a held-out situation."""
    held = {s.concept for s in heldout if s.concept is not None}
    for scenario in train_only:
        if scenario.concept in held:
            raise ValueError(
                f"src/train/{scenario.source}.txt: concept {scenario.concept!r} is a held-out"
                " situation; train-only scenarios need concept tags of their own"
            )


def split(scenarios: list[Scenario]) -> tuple[list[Scenario], list[Scenario]]:
    """Deterministic scenario-level split into (train, heldout)."""
    seen: collections.Counter[tuple[str, str, str]] = collections.Counter()
    placed: dict[str, bool] = {}
    train: list[Scenario] = []
    heldout: list[Scenario] = []
    for scenario in scenarios:
        if scenario.concept in placed:
            held = placed[scenario.concept]
        else:
            key = (scenario.source, scenario.urgency, scenario.category)
            held = seen[key] % 3 == 1
            seen[key] += 1
            if scenario.concept is not None:
                placed[scenario.concept] = held
        (heldout if held else train).append(scenario)
    return train, heldout


def to_rows(scenarios: list[Scenario], ids: dict[int, str], prefix: str) -> list[corpus.Row]:
    """Number rows `<prefix>0001`...; `ids` maps a scenario's identity to its id."""
    rows: list[corpus.Row] = []
    for scenario in scenarios:
        for language, text in scenario.texts:
            rows.append(
                corpus.Row(
                    id=f"{prefix}{len(rows) + 1:04d}",
                    scenario=ids[id(scenario)],
                    text=text,
                    urgency=scenario.urgency,
                    category=scenario.category,
                    language=language,
                )
            )
    return rows


def write(rows: list[corpus.Row], path: pathlib.Path) -> None:
    """Write rows as JSON lines, keys in the documented order."""
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(dataclasses.asdict(row), ensure_ascii=False) + "\n")


def counts_markdown(rows: list[corpus.Row], title: str) -> str:
    """Tables of rows per language x urgency and per category x urgency."""
    out = [f"### {title}: {len(rows)} rows, {len({r.scenario for r in rows})} scenarios", ""]
    for field in ("language", "category"):
        table: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
        for row in rows:
            table[getattr(row, field)][row.urgency] += 1
        out += [
            f"| {field} | emergency | urgent | routine | total |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for key in sorted(table, key=lambda k: -sum(table[k].values())):
            c = table[key]
            out.append(
                f"| {key} | {c['emergency']} | {c['urgent']} | {c['routine']} | {sum(c.values())} |"
            )
        out.append("")
    return "\n".join(out)


def build_rows() -> tuple[list[corpus.Row], list[corpus.Row]]:
    """The rows of (corpus.jsonl, heldout.jsonl) as the sources say they are."""
    scenarios, train_only = read_sources()
    ids = {id(s): f"s{n:04d}" for n, s in enumerate([*scenarios, *train_only], start=1)}
    train, heldout = split(scenarios)
    check_train_only(train_only, heldout)
    return to_rows([*train, *train_only], ids, "c"), to_rows(heldout, ids, "h")


def main(argv: list[str] | None = None) -> None:
    """Rebuild both files; with --counts print the count tables for docs/labelling.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", action="store_true", help="print count tables")
    args = parser.parse_args(argv)
    train_rows, heldout_rows = build_rows()
    corpus_path, heldout_path = corpus.default_paths()
    write(train_rows, corpus_path)
    write(heldout_rows, heldout_path)
    if args.counts:
        sys.stdout.write(counts_markdown(train_rows, "corpus.jsonl") + "\n")
        sys.stdout.write(counts_markdown(heldout_rows, "heldout.jsonl") + "\n")


if __name__ == "__main__":
    main()
