"""The incident service: what reporters and responders can do, whatever edge they come from.

Socket.IO (`realtime/`) and Slack (`bot/`) both call this, so the two can never disagree.
It talks to the world only through ports; the composition root builds its parts and
injects the adapters:

- `tipline.intake.Intake`: reports coming in (the gate, the first triage, the idempotent
  create, receipts) and the model's later verdict;
- `tipline.conversation.Conversation`: the chat, the join line, what a reporter's message
  does to its incident;
- `tipline.responding.Responding`: logging in, seeing and listing, claims, escalation steps,
  deadlines that come due;
- `tipline.casework.Casework`, what they share: the ports, the effects, the text rule and
  the one compare-and-set loop.

The edges know only `tipline.ports.UseCases`, one port: they use nearly all of it (a
responder's connection files phone reports and chats too), so splitting it would only
make each edge take three.
"""

from __future__ import annotations

from tipline.casework import Casework
from tipline.conversation import Conversation
from tipline.intake import Intake
from tipline.responding import Responding


class IncidentService:
    """Implements `tipline.ports.UseCases` with its parts' own calls: this adds nothing,
    it only says which part answers which call."""

    def __init__(
        self,
        *,
        core: Casework,
        intake: Intake,
        conversation: Conversation,
        responding: Responding,
    ) -> None:
        self.limits = conversation.limits
        # -- reporters ---------------------------------------------------------------------
        self.organization = intake.organization
        self.admit_reporter = intake.admit_reporter
        self.pow_challenge = intake.pow_challenge
        self.resume = intake.resume
        self.own_report = intake.own_report
        self.file_report = intake.file_report
        # -- both sides --------------------------------------------------------------------
        self.post = conversation.post
        self.since = conversation.since
        # -- responders --------------------------------------------------------------------
        self.authenticate = responding.authenticate
        self.visible = responding.visible
        self.check_visible = responding.check_visible
        self.list_for = responding.list_for
        self.page_for = responding.page_for
        self.join = responding.join
        self.claim = responding.claim
        self.step = responding.step
        # -- the sweepers', and the process's stop -----------------------------------------
        self.deadline_fired = responding.deadline_fired
        self.effects = core.effects  # what the effects sweeper runs again
        self.close = core.close
