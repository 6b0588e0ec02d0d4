"""The escalation core imports only the standard library and the shared models."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import escalation

ALLOWED = {"escalation", "tipline.models"}
SOURCES = sorted(Path(escalation.__file__).parent.glob("*.py"))


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", SOURCES, ids=[p.name for p in SOURCES])
def test_module_imports_no_io_library(path: Path) -> None:
    """Every import is stdlib, escalation itself, or tipline.models, nothing that does I/O."""
    foreign = {
        name
        for name in imports(path)
        if name.split(".")[0] not in sys.stdlib_module_names
        and name != "__future__"
        and not any(name == a or name.startswith(a + ".") for a in ALLOWED)
    }
    assert foreign == set()


def test_core_reads_no_clock() -> None:
    """Time comes in as a value: no module calls now(), utcnow() or time.time()."""
    texts = {path.name: path.read_text() for path in SOURCES}
    for needle in ("now()", "utcnow", "time.time", "time.monotonic"):
        assert [name for name, text in texts.items() if needle in text] == []
