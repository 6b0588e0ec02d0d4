"""A CPU quota for one process (Linux control groups): each benchmark server as if on a core
of its own, however many the machine has.

On a 2-core machine the clients and Redis share the cores with the servers, so two server
processes never each get a core, and a preempted process pays more CPU per message than one
that runs undisturbed (docs/performance.md). With a quota of, say, 0.6 of a core per server,
one and two processes can be compared as on a machine with a (small) core per process, as
long as the quotas and the clients' share together fit in the cores there are.

Needs root and the cgroup `cpu` controller: v1 (`/sys/fs/cgroup/cpu/`, cpu.cfs_quota_us) or
v2 (`/sys/fs/cgroup/cpu.max`). The group is removed when the context ends.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
PERIOD_US = 100_000


class QuotaError(RuntimeError):
    """A quota cannot be set on this machine (no controller, not root)."""


def _v1_dir() -> Path | None:
    path = ROOT / "cpu"
    return path if (path / "cpu.cfs_quota_us").exists() else None


def _v2_root() -> Path | None:
    controllers = ROOT / "cgroup.controllers"
    if controllers.exists() and "cpu" in controllers.read_text().split():
        return ROOT
    return None


@contextlib.contextmanager
def limited(pid: int, cores: float, name: str) -> Iterator[Path]:
    """Runs `pid` under a quota of `cores` CPUs (e.g. 0.6) until the context ends."""
    if cores <= 0:
        raise QuotaError(f"a quota of {cores} cores makes no sense")
    quota_us = int(cores * PERIOD_US)
    v1 = _v1_dir()
    base = v1 if v1 is not None else _v2_root()
    if base is None:
        raise QuotaError("no cgroup cpu controller under /sys/fs/cgroup")
    group = base / f"tipline-bench-{os.getpid()}-{name}"
    try:
        group.mkdir()
        if v1 is not None:
            (group / "cpu.cfs_period_us").write_text(str(PERIOD_US))
            (group / "cpu.cfs_quota_us").write_text(str(quota_us))
        else:
            (group / "cpu.max").write_text(f"{quota_us} {PERIOD_US}")
        (group / "cgroup.procs").write_text(str(pid))
    except OSError as exc:
        with contextlib.suppress(OSError):
            group.rmdir()
        raise QuotaError(f"cannot set a CPU quota ({exc}); run as root") from exc
    try:
        yield group
    finally:
        parent = group.parent / "cgroup.procs"
        with contextlib.suppress(OSError):  # the process may have ended already
            parent.write_text(str(pid))
        with contextlib.suppress(OSError):
            group.rmdir()
