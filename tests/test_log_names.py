"""Every log line of ours is named `area.event`, dotted, so that it can be searched for."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("tipline", "realtime", "bot", "escalation", "classifiers", "adapters")
DOTTED = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")
LEVELS = {"debug", "info", "warning", "error", "exception", "critical"}
# Our loggers are module globals named `log` or `_log`; python-engineio's own lines, in code
# copied from it unchanged (realtime/engineio_socket.py), go to `server.logger`.
OURS = {"log", "_log"}
SOURCES = sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def event_names(path: Path) -> list[tuple[int, str]]:
    """(line, name) of each literal event name given to one of our loggers in `path`; both
    branches of a conditional name count."""
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in OURS
        ):
            continue
        if node.func.attr in LEVELS and node.args:
            named = node.args[0]
        elif node.func.attr == "log" and len(node.args) > 1:
            named = node.args[1]
        else:
            continue
        branches = [named.body, named.orelse] if isinstance(named, ast.IfExp) else [named]
        for branch in branches:
            if isinstance(branch, ast.Constant) and isinstance(branch.value, str):
                names.append((node.lineno, branch.value))
    return names


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(ROOT)) for p in SOURCES])
def test_log_event_names_are_dotted(path: Path) -> None:
    """Each event name our code logs is `area.event` (lower case, dotted, no free text)."""
    assert [(line, name) for line, name in event_names(path) if not DOTTED.fullmatch(name)] == []
