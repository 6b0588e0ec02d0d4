"""The held-out language set: short tips, each with the ISO code of its language.

`language_heldout.jsonl` is hand-written, one row per line: `{"id", "text", "language"}` and
an optional `"note"` (a script or spelling that is not the language's usual one). `language`
is the ISO 639-1 code, `hmn` for Hmong (no 639-1 code) or `und` for a text in no language.
It is only ever evaluated on, never trained or tuned on (docs/classifier.md says what was
looked at). Edit the file itself: it has no source to build from.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
import re

DEFAULT_PATH = pathlib.Path(__file__).parent / "language_heldout.jsonl"
_CODE = re.compile(r"^[a-z]{2,3}$")


@dataclasses.dataclass(frozen=True, slots=True)
class Sample:
    """One text and the code of its language."""

    id: str
    text: str
    language: str
    note: str = ""


def load(path: pathlib.Path = DEFAULT_PATH) -> list[Sample]:
    """Every sample of `path`; raises ValueError on a malformed row or a repeated id."""
    samples: list[Sample] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        row = json.loads(line)
        sample = Sample(row["id"], row["text"], row["language"], row.get("note", ""))
        if not _CODE.match(sample.language) or sample.id in seen or not sample.text:
            raise ValueError(f"{path.name}:{number}: bad row {row!r}")
        seen.add(sample.id)
        samples.append(sample)
    return samples
