"""`python -m escalation.render`: the state machine as Markdown (tables and mermaid).

docs/escalation.md carries this output; a test checks that the doc and the table agree.
"""

from __future__ import annotations

import sys

from escalation import machine as escalation_machine
from escalation.machine import ESCALATION, Event, Machine, State


def markdown(machine: Machine = ESCALATION) -> str:
    """The transitions table, the allowed events and actions, and a mermaid diagram."""
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
    lines += [
        "",
        "What a responder may do per state (`machine.allowed`, the Incident's `actions` on",
        "the wire; a guard may still refuse, e.g. `next_contact` after the last contact):",
        "",
        "| state | its holder (`claimed_by`) | anyone else |",
        "| --- | --- | --- |",
    ]
    for state in State:
        mine = _actions(state, holder=True, machine=machine)
        theirs = _actions(state, holder=False, machine=machine)
        lines.append(f"| `{state.value}` | {mine} | {theirs} |")
    lines += ["", "```mermaid", "stateDiagram-v2", f"    [*] --> {machine.initial.value}"]
    for row in machine.rows:
        label = row.event.value + (f" [{row.guard}]" if row.guard else "")
        lines.append(f"    {row.source.value} --> {row.target.value}: {label}")
    lines += [f"    {s.value} --> [*]" for s in sorted(machine.final)]
    lines.append("```")
    return "\n".join(lines) + "\n"


def _actions(state: State, *, holder: bool, machine: Machine) -> str:
    names = escalation_machine.allowed(state, holder=holder, machine=machine)
    return ", ".join(f"`{a.value}`" for a in names) or "-"


def main() -> None:
    sys.stdout.write(markdown())


if __name__ == "__main__":
    main()
