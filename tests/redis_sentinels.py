"""A primary, a replica and three Sentinels: real `redis-server` processes on free loopback
ports in a temporary folder, for the failover and replication tests. Every process is
killed when the block ends, however it ends. With `tls` every node (Sentinels too) speaks
TLS only, with a certificate of a test authority made here (`make_tls`)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import shutil
import signal
import subprocess
import urllib.parse
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import redis.asyncio as aioredis

from tests.conftest import Server, wait_for
from tests.procs import free_port

SERVICE = "mymaster"
# Short timeouts, so a failover takes a second or two instead of the default half minute.
DOWN_AFTER_MS = 1000
FAILOVER_TIMEOUT_MS = 3000
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


@dataclasses.dataclass(frozen=True, slots=True)
class Tls:
    """A test authority and one certificate for 127.0.0.1 that every node and client uses
    (Redis asks clients for a certificate by default: `tls-auth-clients yes`)."""

    ca: Path
    cert: Path
    key: Path

    def client_kwargs(self) -> dict[str, Any]:
        return {
            "ssl": True,
            "ssl_ca_certs": str(self.ca),
            "ssl_certfile": str(self.cert),
            "ssl_keyfile": str(self.key),
        }

    def query(self) -> str:
        """The `ssl_*` options of a rediss+sentinel:// URL."""
        kwargs = self.client_kwargs()
        del kwargs["ssl"]
        return urllib.parse.urlencode(kwargs)

    def lines(self, port: int) -> list[str]:
        """A node's configuration: TLS on `port`, no plain port; TLS to the others too."""
        return [
            "port 0",
            f"tls-port {port}",
            f"tls-cert-file {self.cert}",
            f"tls-key-file {self.key}",
            f"tls-ca-cert-file {self.ca}",
            "tls-replication yes",
        ]


def make_tls(folder: Path) -> Tls:
    """A certificate authority and a certificate for IP 127.0.0.1 signed by it, both for a
    day, with Debian's `openssl`."""
    folder.mkdir(parents=True, exist_ok=True)
    ca, ca_key = folder / "ca.crt", folder / "ca.key"
    cert, key, request = folder / "node.crt", folder / "node.key", folder / "node.csr"
    extensions = folder / "node.ext"
    extensions.write_text(
        "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n",
        encoding="utf-8",
    )
    for command in (
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca,
         "-days", "1", "-subj", "/CN=tipline-test-ca"],
        ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", request,
         "-subj", "/CN=127.0.0.1"],
        ["x509", "-req", "-in", request, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
         "-out", cert, "-days", "1", "-extfile", extensions],
    ):  # fmt: skip
        subprocess.run(["openssl", *map(str, command)], check=True, capture_output=True)
    return Tls(ca=ca, cert=cert, key=key)


@dataclasses.dataclass(slots=True)
class Node:
    """One `redis-server` process (a data node or a Sentinel)."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    args: list[str] = dataclasses.field(default_factory=list)
    folder: Path = Path()
    tls: Tls | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def client(self) -> aioredis.Redis:
        tls = self.tls.client_kwargs() if self.tls else {}
        return aioredis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2.0, **tls)

    @property
    def url(self) -> str:
        return f"redis://{self.address}/0"  # plain TCP only: tests of TLS use `client`

    def pause(self) -> None:
        """SIGSTOP: the process stands still, its connections stay open (a hung replica)."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def restart(self) -> None:
        """Start it again on its own files, as a supervisor would (a killed primary comes
        back empty and the Sentinels make it a replica of the new one)."""
        self.kill()
        self.process = _spawn(self.args, self.folder)

    def kill(self) -> None:
        """SIGKILL: no clean-up, as in a crash."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    @property
    def alive(self) -> bool:
        return self.process.poll() is None


@dataclasses.dataclass(slots=True)
class Group:
    """The nodes, and what the tests ask of them."""

    primary: Node
    replica: Node  # the first replica
    sentinels: list[Node]
    folder: Path
    started: list[Node] = dataclasses.field(default_factory=list)
    more_replicas: list[Node] = dataclasses.field(default_factory=list)
    tls: Tls | None = None

    @property
    def url(self) -> str:
        hosts = ",".join(s.address for s in self.sentinels)
        if self.tls:
            return f"rediss+sentinel://{hosts}/{SERVICE}?{self.tls.query()}"
        return f"redis+sentinel://{hosts}/{SERVICE}"

    async def sentinel_says(self) -> dict[str, Any]:
        """What the first Sentinel knows of the primary (SENTINEL MASTER)."""
        client = self.sentinels[0].client()
        try:
            reply = await client.sentinel_master(SERVICE)
        finally:
            await client.aclose()
        assert isinstance(reply, dict), reply
        return reply

    async def diagnosis(self) -> str:
        """For a failure message: each Sentinel's TILT flag and its view of the primary, and
        each data node's role and link (what a starved machine does to a failover)."""
        said = []
        for node in self.sentinels:
            client = node.client()
            try:
                tilt = (await client.info("sentinel")).get("sentinel_tilt")
                master: Any = await client.sentinel_master(SERVICE)
                said.append(
                    f"{node.name}: tilt {tilt}, primary :{master.get('port')} "
                    f"{master.get('flags')}, {master.get('num-slaves')} replica(s)"
                )
            except (OSError, aioredis.RedisError) as exc:
                said.append(f"{node.name}: {type(exc).__name__}")
            finally:
                await client.aclose()
        for node in [self.primary, self.replica, *self.more_replicas]:
            if not node.alive:
                said.append(f"{node.name} :{node.port}: exited")
                continue
            try:
                info = await _info(node, "replication")
                said.append(
                    f"{node.name} :{node.port}: {info.get('role')}, link "
                    f"{info.get('master_link_status', '-')}, "
                    f"{info.get('connected_slaves', '-')} replica(s)"
                )
            except (OSError, aioredis.RedisError) as exc:
                said.append(f"{node.name} :{node.port}: {type(exc).__name__}")
        return "; ".join(said)

    async def promoted(self) -> bool:
        """Whether the Sentinels name a replica as the primary now."""
        ports = {str(r.port) for r in [self.replica, *self.more_replicas]}
        return str((await self.sentinel_says())["port"]) in ports

    def start_node(self, name: str, port: int, lines: list[str]) -> Node:
        folder = self.folder / name
        folder.mkdir(exist_ok=True)
        conf = folder / "redis.conf"
        listen = self.tls.lines(port) if self.tls else [f"port {port}"]
        conf.write_text("\n".join([*_BASE, *listen, f"dir {folder}", *lines]) + "\n")
        args = [REDIS_SERVER, str(conf)]
        if name.startswith("sentinel"):
            args.append("--sentinel")
        process = _spawn(args, folder)
        node = Node(name, port, process, args=args, folder=folder, tls=self.tls)
        self.started.append(node)
        return node


def _spawn(args: list[str], folder: Path) -> subprocess.Popen[bytes]:
    with (folder / "log").open("ab") as log:
        return subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)


_BASE = ["bind 127.0.0.1", "daemonize no", 'save ""', "appendonly no", "protected-mode yes"]


async def _answers(node: Node) -> bool:
    if not node.alive:
        pytest.fail(f"{node.name} exited with {node.process.returncode}")
    client = node.client()
    try:
        return bool(await client.ping())
    except (OSError, aioredis.RedisError):
        return False
    finally:
        await client.aclose()


async def _info(node: Node, section: str) -> dict[str, Any]:
    client = node.client()
    try:
        info: dict[str, Any] = await client.info(section)
        return info
    finally:
        await client.aclose()


@contextlib.asynccontextmanager
async def replicated(folder: Path) -> AsyncIterator[Group]:
    """A primary and its replica, in sync; no Sentinel. Both killed afterwards."""
    async with _group(folder, sentinels=False) as group:
        yield group


@contextlib.asynccontextmanager
async def sentinel_group(
    folder: Path, *, replicas: int = 1, tls: Tls | None = None
) -> AsyncIterator[Group]:
    """Start the primary, its replica(s) (in sync), then three Sentinels that know them and
    each other; kill every process afterwards. With `tls`, TLS only, everywhere."""
    async with _group(folder, sentinels=True, replicas=replicas, tls=tls) as group:
        yield group


@contextlib.asynccontextmanager
async def _group(
    folder: Path, *, sentinels: bool, replicas: int = 1, tls: Tls | None = None
) -> AsyncIterator[Group]:
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    placeholder: Any = None
    group = Group(primary=placeholder, replica=placeholder, sentinels=[], folder=folder, tls=tls)
    try:
        primary_port = free_port()
        group.primary = group.start_node("primary", primary_port, [])
        await wait_for(lambda: _answers(group.primary), what="the primary up")
        made = [
            group.start_node(
                "replica" if n == 0 else f"replica{n}",
                free_port(),
                [
                    f"replicaof 127.0.0.1 {primary_port}",
                    "repl-diskless-load swapdb",
                    "replica-priority 100",
                ],
            )
            for n in range(replicas)
        ]
        group.replica, group.more_replicas = made[0], made[1:]

        async def in_sync() -> bool:
            for replica in made:
                if not await _answers(replica):
                    return False
                info = await _info(replica, "replication")
                if info.get("master_link_status") != "up":
                    return False
            return True

        await wait_for(in_sync, what="the replicas in sync", timeout=15)
        for n in range(3 if sentinels else 0):
            group.sentinels.append(
                group.start_node(
                    f"sentinel{n}",
                    free_port(),
                    [
                        f"sentinel monitor {SERVICE} 127.0.0.1 {primary_port} 2",
                        f"sentinel down-after-milliseconds {SERVICE} {DOWN_AFTER_MS}",
                        f"sentinel failover-timeout {SERVICE} {FAILOVER_TIMEOUT_MS}",
                        f"sentinel parallel-syncs {SERVICE} 1",
                    ],
                )
            )

        async def all_known() -> bool:
            for sentinel in group.sentinels:
                if not await _answers(sentinel):
                    return False
            said = await group.sentinel_says()
            known = int(said["num-slaves"]) >= replicas
            return known and int(said["num-other-sentinels"]) >= 2

        # Sentinels find each other through hello messages every 2 s, and the replica
        # through the primary's INFO.
        if sentinels:
            await wait_for(all_known, what="the Sentinels to know each other", timeout=30)
        yield group
    finally:
        for node in group.started:
            if node.alive:
                node.resume()  # a paused process must run to take its SIGKILL's exit
            node.kill()


async def replication_health(server: Server) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(server.url + "/healthz", timeout=aiohttp.ClientTimeout(total=5)) as response,
    ):
        body: dict[str, Any] = await response.json()
        assert response.status == 200, body  # a lagging replica never fails /healthz
        return dict(body["redis_replication"])


async def until(condition: Callable[[], Any], *, what: str, timeout: float = 30.0) -> None:
    """`wait_for` for a condition that may raise while the group is in flux."""

    async def holds() -> bool:
        try:
            return bool(await condition())
        except (OSError, aioredis.RedisError, KeyError):
            return False

    await wait_for(holds, what=what, timeout=timeout)
    await asyncio.sleep(0)
