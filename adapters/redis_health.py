"""Which Redis the store is on, and whether its replicas keep up: `/healthz`'s
`redis_replication` (docs/reliability.md); and whether the effects outbox keeps up:
`/healthz`'s `effects` (`EffectsProbe`).

A probe every PROBE_S asks the server the store's pool is connected to for `INFO
replication` (a read: it never waits for replicas) and keeps the last answer. A replica
"keeps up" when its link is online and it acknowledged the replication stream within
LAG_OK_S (replicas acknowledge once a second, so a healthy one shows 0 or 1).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from typing import Any

import redis.asyncio as aioredis

from adapters import effects_outbox, reach
from tipline import errors

log = logging.getLogger("tipline.redis_health")
PROBE_S = 2.0
LAG_OK_S = 2
# An effects record is normally dropped within milliseconds by the process that wrote it; a
# left one is re-run by the sweeper once its grace is over, within a sweep. `behind` once
# the oldest is older than that and this margin (a sweeper that cannot keep up, effects
# that keep failing, or no process sweeping).
EFFECTS_MARGIN_S = 10.0


@dataclasses.dataclass(frozen=True, slots=True)
class Replica:
    address: str
    state: str  # Redis's own word: online, wait_bgsave, send_bulk, ...
    lag_s: int  # seconds since it last acknowledged the stream
    behind_bytes: int  # of the stream it has not acknowledged yet

    @property
    def keeps_up(self) -> bool:
        return self.state == "online" and self.lag_s <= LAG_OK_S


@dataclasses.dataclass(frozen=True, slots=True)
class Replication:
    """One answer of the server the store writes to."""

    role: str  # "primary", or "replica" when a stale address points at a demoted one
    replicas: tuple[Replica, ...]


async def replication(client: aioredis.Redis) -> Replication:
    """`INFO replication` of the server `client` is connected to, `Unavailable` if none
    answers."""
    try:
        info: dict[str, Any] = await client.info("replication")
    except reach.UNREACHABLE as exc:
        raise errors.unavailable() from exc
    offset = int(info.get("master_repl_offset", 0))
    replicas = []
    for n in range(int(info.get("connected_slaves", 0))):
        line = info.get(f"slave{n}")
        if not isinstance(line, dict):
            continue
        replicas.append(
            Replica(
                address=f"{line.get('ip')}:{line.get('port')}",
                state=str(line.get("state")),
                lag_s=int(line.get("lag", 0)),
                behind_bytes=max(0, offset - int(line.get("offset", 0))),
            )
        )
    role = "primary" if info.get("role") == "master" else "replica"
    return Replication(role=role, replicas=tuple(replicas))


@dataclasses.dataclass(slots=True)
class ReplicationProbe:
    """The last `replication` answer, for `/healthz` (a probe every PROBE_S)."""

    client: aioredis.Redis
    min_replicas: int = 0
    via: str = "direct"  # or "sentinel"
    last: Replication | None = None

    async def probe(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                self.last = await replication(self.client)
            except Exception:  # an outage, or a reply of another shape: "unknown", not a crash
                if self.last is not None:
                    log.warning("redis_health.probe_failed")
                self.last = None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), PROBE_S)

    def wire(self) -> dict[str, object]:
        """`ok` when at least `min_replicas` replicas keep up and none falls behind,
        `behind` otherwise, `unknown` while the server does not answer."""
        pool = self.client.connection_pool
        address = getattr(pool, "address", None)
        body: dict[str, object] = {
            "via": self.via,
            "primary": address() if callable(address) else None,
            "min_replicas": self.min_replicas,
        }
        if self.last is None:
            return body | {"state": "unknown", "role": None, "replicas": []}
        keeping_up = [r for r in self.last.replicas if r.keeps_up]
        fine = (
            self.last.role == "primary"
            and len(keeping_up) >= self.min_replicas
            and len(keeping_up) == len(self.last.replicas)
        )
        return body | {
            "state": "ok" if fine else "behind",
            "role": self.last.role,
            "replicas": [
                {
                    "address": r.address,
                    "state": r.state,
                    "lag_s": r.lag_s,
                    "behind_bytes": r.behind_bytes,
                    "keeps_up": r.keeps_up,
                }
                for r in self.last.replicas
            ],
        }


@dataclasses.dataclass(slots=True)
class EffectsProbe:
    """The effects outbox's last measured lag (adapters/effects_outbox.py), for /healthz:
    a probe every PROBE_S. `sweep_interval_s` is how often a sweeper looks."""

    outbox: effects_outbox.RedisEffectsOutbox
    sweep_interval_s: float
    last: effects_outbox.Lag | None = None

    async def probe(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                self.last = await self.outbox.lag(effects_outbox.wall_ms())
            except Exception:  # Redis away: "unknown" (/healthz says `redis` down anyway)
                self.last = None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), PROBE_S)

    @property
    def behind_after_s(self) -> float:
        """The age past which the oldest record means the outbox is behind."""
        return effects_outbox.GRACE_MS / 1000 + self.sweep_interval_s + EFFECTS_MARGIN_S

    def wire(self) -> dict[str, object]:
        """`/healthz`'s `effects`: `ok`, `behind` (the oldest record is past
        `behind_after_s`), or `unknown` while Redis does not answer."""
        if self.last is None:
            return {"state": "unknown", "pending": None, "oldest_s": None}
        late = self.last.oldest_s > self.behind_after_s
        return {
            "state": "behind" if late else "ok",
            "pending": self.last.pending,
            "oldest_s": round(self.last.oldest_s, 1),
        }
