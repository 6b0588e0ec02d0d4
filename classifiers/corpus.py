"""The labelled corpus: rows of text with urgency, category and language.

The data lives inside the package (`classifiers/data/*.jsonl`) so that it ships with it.
`corpus.jsonl` is for training and tuning; `heldout.jsonl` holds other scenarios and is
only ever used for the final evaluation. See docs/labelling.md for the labelling rules.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
import re

from classifiers.verdict import CATEGORIES, URGENCIES

FIELDS = ("id", "scenario", "text", "urgency", "category", "language")

_DATA_DIR = pathlib.Path(__file__).resolve().parent / "data"
# ISO 639-1 codes are two lowercase letters.
_LANGUAGE = re.compile(r"^[a-z]{2}$")


@dataclasses.dataclass(frozen=True, slots=True)
class Row:
    """One labelled text; `scenario` groups paraphrases of one situation."""

    id: str
    scenario: str
    text: str
    urgency: str
    category: str
    language: str


def default_paths() -> tuple[pathlib.Path, pathlib.Path]:
    """The shipped training corpus and the held-out evaluation file, in that order."""
    return _DATA_DIR / "corpus.jsonl", _DATA_DIR / "heldout.jsonl"


def load(path: pathlib.Path) -> list[Row]:
    """Read and validate a JSON-lines file; a bad line raises ValueError naming it."""
    rows: list[Row] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            rows.append(parse_line(line, where=f"{path}:{number}"))
    return rows


def parse_line(line: str, *, where: str) -> Row:
    """One JSON line to a Row; `where` (file:line) is named in every error."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{where}: not JSON ({exc.msg})") from exc
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected a JSON object")
    values: dict[str, str] = {}
    for field in FIELDS:
        value = data.get(field)
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{where}: field {field!r} must be a non-empty string")
        values[field] = value
    if values["urgency"] not in URGENCIES:
        raise ValueError(f"{where}: unknown urgency {values['urgency']!r}")
    if values["category"] not in CATEGORIES:
        raise ValueError(f"{where}: unknown category {values['category']!r}")
    if not _LANGUAGE.match(values["language"]):
        raise ValueError(f"{where}: language {values['language']!r} is not ISO 639-1")
    return Row(**values)
