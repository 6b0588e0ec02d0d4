"""`python -m escalation.render`: the state machine as Markdown (tables and mermaid).

docs/escalation.md carries this output; a test checks that the doc and the table agree.
"""

from __future__ import annotations

import sys

from escalation.machine import ESCALATION, Event, Machine, State


def markdown(machine: Machine = ESCALATION) -> str:
    """The transitions table, the allowed-events matrix, and a mermaid diagram."""
    lines = [
        "| from | event | when | to |",
        "| --- | --- | --- | --- |",
        *(
            f"| `{r.source.value}` | `{r.event.value}` | {r.guard or ''} | `{r.target.value}` |"
            for r in machine.rows
        ),
        "",
        "Allowed events per state (anything else is refused with `invalid_transition`):",
        "",
        "| state | allowed events |",
        "| --- | --- |",
    ]
    for state in State:
        allowed = [f"`{e.value}`" for e in Event if machine.allows(state, e)]
        lines.append(f"| `{state.value}` | {', '.join(allowed) or '(final)'} |")
    lines += ["", "```mermaid", "stateDiagram-v2", f"    [*] --> {machine.initial.value}"]
    for row in machine.rows:
        label = row.event.value + (f" [{row.guard}]" if row.guard else "")
        lines.append(f"    {row.source.value} --> {row.target.value}: {label}")
    lines += [f"    {s.value} --> [*]" for s in sorted(machine.final)]
    lines.append("```")
    return "\n".join(lines) + "\n"


def main() -> None:
    sys.stdout.write(markdown())


if __name__ == "__main__":
    main()
