"""Paging `incident:list` over the store's sorted indexes (issue #19: a flood of 500 newer
reports hid an open emergency). Pure helpers: cursors and the merge of several indexes.

Order: newest first by creation score; equal scores by incident id, descending, which is
Redis's own order for ZREVRANGE. A cursor is `<score>:<id>` of the last incident of a page;
the next page holds what sorts after it. Scores are printed with `repr`, which Redis reads
back as the same double, so no incident is skipped or repeated at a page's edge.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

Entry = tuple[float, str]


def cursor(entry: Entry) -> str:
    score, incident_id = entry
    return f"{score!r}:{incident_id}"


def parse(value: str) -> Entry:
    """The (score, id) of a cursor; ValueError for anything that is not one."""
    score, sep, incident_id = value.partition(":")
    parsed = float(score)
    if not sep or not incident_id or not math.isfinite(parsed):
        raise ValueError("not a cursor")
    return parsed, incident_id


def after(entries: Iterable[Entry], before: Entry | None) -> list[Entry]:
    """`entries` that sort after `before` (all of them when None), in page order."""
    ordered = sorted(set(entries), reverse=True)
    if before is None:
        return ordered
    return [e for e in ordered if e < before]


def take(entries: list[Entry], limit: int) -> tuple[list[Entry], str | None]:
    """The first `limit` entries and the cursor of the next page (None when none is left)."""
    page = entries[:limit]
    return page, cursor(page[-1]) if len(entries) > limit else None
