"""The incident lifecycle as a pure core: schedules, routing, the state machine, effects.

No I/O and no clock: values in, values and effects out (docs/escalation.md). Entry points:
`escalation.schedule`, `escalation.engine`, `escalation.commands`, `escalation.effects`.
"""
