"""What responders do (a part of the incident service, tipline/service.py): log in, see and
list what they may, claim, take escalation steps; and the deadlines that come due.
"""

from __future__ import annotations

import logging

from escalation import commands, engine
from tipline import credentials, guessing, models
from tipline import pow as proof_of_work
from tipline.casework import AGAIN, Again, Casework, until_stored
from tipline.errors import AppError, forbidden, not_found
from tipline.ports import Claimed, IncidentPage

# Which school an incident belongs to never changes, so it is remembered per process: a
# responder's every message then skips reading the whole incident (a Redis round trip and
# the decoding of its document and trail; docs/performance.md). Bounded; oldest out first.
KNOWN_ORGS = 50_000
log = logging.getLogger("tipline.service")


class Responding:
    """`authenticate` ... `step` of `tipline.ports.UseCases`, and `deadline_fired`."""

    def __init__(self, core: Casework, *, guesses: guessing.GuessGate) -> None:
        self._core = core
        self._incidents = core.incidents
        self._guesses = guesses
        self._org_of: dict[str, str] = {}

    async def authenticate(
        self, token: str, *, proof: proof_of_work.Proof | None = None
    ) -> models.Responder | None:
        """The responder of `token`, None for a wrong one; past the window's free budget of
        wrong tokens checked only with a solved `proof`, like receipts."""
        attempt = await self._guesses.attempt("token", proof)
        directory = self._core.directory
        responder = await directory.responder_by_token_hash(credentials.token_hash(token))
        if responder is None:
            await self._guesses.failed(attempt)
        else:
            await self._guesses.succeeded(attempt)
        return responder

    # -- seeing ----------------------------------------------------------------------------
    async def visible(self, responder: models.Responder, incident_id: str) -> models.Incident:
        """The incident if `responder` may see it; `not_found` otherwise (never `forbidden`,
        so an admin cannot probe another school's incident ids). An admin is refused from
        their own school's index alone, before the incident is read: the refusal takes the
        same store calls, and time, whether the id is another school's or made up."""
        if responder.role is not models.Role.AGENT and not (
            responder.org_code and await self._incidents.in_org(incident_id, responder.org_code)
        ):
            raise not_found()
        incident = await self._incidents.get(incident_id)
        if incident is None or not responder.may_see(incident.org_code):
            raise not_found()
        self._remember_org(incident)
        return incident

    async def check_visible(self, responder: models.Responder, incident_id: str) -> None:
        """What `visible` decides, without reading the incident when its school is known
        and visible; a refusal always goes through `visible` (the same path for all)."""
        org_code = self._org_of.get(incident_id)
        if org_code is None or not responder.may_see(org_code):
            await self.visible(responder, incident_id)

    def _remember_org(self, incident: models.Incident) -> None:
        if incident.incident_id in self._org_of:
            return
        if len(self._org_of) >= KNOWN_ORGS:
            del self._org_of[next(iter(self._org_of))]
        self._org_of[incident.incident_id] = incident.org_code

    async def list_for(
        self, responder: models.Responder, status: models.Status | None
    ) -> list[models.Incident]:
        scope = _scope(responder)
        return await self._incidents.list_incidents(org_code=scope, status=status)

    async def page_for(
        self,
        responder: models.Responder,
        status: models.Status | None,
        *,
        limit: int,
        before: str | None,
    ) -> IncidentPage:
        """`incident:list`, paged: the first page always holds every pinned incident that
        the responder may see (open emergencies, unclaimed urgent ones), however many newer
        reports a flood brought."""
        scope = _scope(responder)
        try:
            return await self._incidents.page_incidents(
                org_code=scope, status=status, limit=limit, before=before
            )
        except ValueError:
            raise AppError("bad_request", "before: not a cursor this list gave") from None

    async def join(self, responder: models.Responder, incident_id: str) -> models.Incident:
        """Let `responder` into the conversation. Opening a case says nothing to the
        reporter: a claim or the first reply does (once)."""
        return await self.visible(responder, incident_id)

    # -- changing --------------------------------------------------------------------------
    async def claim(self, responder: models.Responder, incident_id: str) -> Claimed:
        """Exactly one responder wins; the store's claim is the arbiter of a race."""
        me = responder.responder_id

        async def attempt() -> tuple[Claimed, engine.Outcome | None] | Again:
            incident = await self.visible(responder, incident_id)
            if incident.claimed_by == me:
                return Claimed(incident=incident, holder=me, taken=False), None
            outcome = await self._core.decide(incident, commands.Claim(), by=me)
            claimed = await self._incidents.claim(
                outcome.incident,
                holder=me,
                expected_version=incident.version,
                steps=outcome.steps,
                effects=self._core.effects.durable(
                    outcome.incident, outcome.effects, version=incident.version + 1
                ),
            )
            return AGAIN if claimed is None else (claimed, outcome)

        claimed, outcome = await until_stored(attempt)
        if claimed.taken and outcome is not None:
            log.info("incident.claimed", extra={"incident_id": incident_id})
            await self._core.effects.run(claimed.incident, outcome.effects, actor=me)
        return claimed

    async def step(
        self, responder: models.Responder, incident_id: str, command: commands.Command
    ) -> models.Incident:
        """One escalation step (`incident:step`, or a Slack button) through the engine."""
        by = responder.responder_id

        async def attempt() -> tuple[models.Incident, engine.Outcome] | Again:
            incident = await self.visible(responder, incident_id)
            outcome = await self._core.decide(incident, command, by=by)
            stored = await self._core.store(incident, outcome)
            return AGAIN if isinstance(stored, Again) else (stored, outcome)

        stored, outcome = await until_stored(attempt)
        log.info(
            "incident.step",
            extra={"incident_id": incident_id, "action": outcome.steps[-1].action},
        )
        await self._core.effects.run(stored, outcome.effects, actor=by)
        return stored

    async def deadline_fired(self, deadline: models.Deadline) -> None:
        """A durable deadline came due (the sweeper calls this); stale ones do nothing."""

        async def attempt() -> tuple[models.Incident, engine.Outcome] | Again | None:
            incident = await self._incidents.get(deadline.incident_id)
            if incident is None:
                return None
            outcome = engine.deadline_fired(incident, deadline, self._core.clock.now())
            if not outcome.effects:
                return None
            stored = await self._core.store(incident, outcome)
            return AGAIN if isinstance(stored, Again) else (stored, outcome)

        done = await until_stored(attempt)
        if done is not None:
            stored, outcome = done
            await self._core.effects.run(stored, outcome.effects, actor=None)


def _scope(responder: models.Responder) -> str | None:
    """The school whose incidents `responder` lists; None: every school (an agent)."""
    if responder.role is models.Role.AGENT:
        return None
    if responder.role is models.Role.ADMIN and not responder.org_code:
        raise forbidden("this admin belongs to no school")
    return responder.org_code
