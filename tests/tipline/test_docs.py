"""The README and the docs work from a clone: every relative link points at a file in it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_relative_links_resolve_inside_the_clone(page: Path) -> None:
    """Each relative link of a page names a file or folder of the repository."""
    broken = []
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if "://" in target or target.startswith("mailto:"):
            continue
        resolved = (page.parent / target).resolve()
        if not resolved.is_relative_to(ROOT) or not resolved.exists():
            broken.append(target)
    assert broken == [], f"{page.name} links outside the clone or to nothing: {broken}"


def test_contract_and_design_are_in_the_repository() -> None:
    """The wire contract and the design ship with the code (a clone has no ../shared)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "../shared/" not in readme
    assert "## Socket.IO" in (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    assert "## Packages" in (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
