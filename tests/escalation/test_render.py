"""The rendered state machine, and the copy of it in docs/escalation.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from escalation import render
from escalation.machine import ESCALATION

DOC = Path(__file__).resolve().parents[2] / "docs" / "escalation.md"


def test_render_lists_every_row_and_a_diagram() -> None:
    """Every transition appears in the table and in the mermaid diagram."""
    text = render.markdown()
    for row in ESCALATION.rows:
        assert f"| `{row.source.value}` | `{row.event.value}` |" in text
        assert f"{row.source.value} --> {row.target.value}: {row.event.value}" in text
    assert "stateDiagram-v2" in text


def test_command_prints_the_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    """`python -m escalation.render` writes exactly the markdown to stdout."""
    render.main()
    assert capsys.readouterr().out == render.markdown()


def test_docs_carry_the_current_machine() -> None:
    """docs/escalation.md holds the output of the renderer, not an older table."""
    doc = DOC.read_text()
    start = doc.index("<!-- machine:start -->\n") + len("<!-- machine:start -->\n")
    end = doc.index("<!-- machine:end -->")
    assert doc[start:end] == render.markdown()
