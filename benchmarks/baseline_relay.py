"""The baseline: a bare python-socketio relay, to measure what Tipline's features cost.

Two namespaces (`/report`, `/respond`) as in Tipline, a room per pair, no persistence, no
validation beyond what the relay needs: `message:send` gets the next in-memory seq, goes
to the pair's other side, and is acknowledged with `{"ok": true, "seq": n}`. Connect with
`auth={"pair": <int>}`. Runs in its own process so its CPU and memory are its own:

    .venv/bin/python -m benchmarks.baseline_relay [--port 0]

It prints `READY <url>` once listening and stops on SIGTERM or SIGINT. With
TIPLINE_BENCH_RELAY_FRAMES=1 it runs on Tipline's websocket loop (realtime/engineio_socket.py)
instead of python-engineio's.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import os
import signal
from collections.abc import Callable
from typing import Any

import socketio
from aiohttp import web

OTHER = {"/report": "/respond", "/respond": "/report"}


class Relay(socketio.AsyncNamespace):  # type: ignore[misc]
    def __init__(self, namespace: str, seqs: dict[str, int]) -> None:
        super().__init__(namespace)
        self._seqs = seqs

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        if not isinstance(auth, dict) or not isinstance(auth.get("pair"), int):
            raise socketio.exceptions.ConnectionRefusedError("pair required")
        room = f"pair:{auth['pair']}"
        await self.save_session(sid, {"room": room})
        await self.enter_room(sid, room)

    async def trigger_event(self, event: str, *args: Any) -> Any:
        return await super().trigger_event(event.replace(":", "_"), *args)

    async def on_message_send(self, sid: str, data: Any) -> dict[str, Any]:
        room: str = (await self.get_session(sid))["room"]
        seq = self._seqs.get(room, 0) + 1
        self._seqs[room] = seq
        message = {
            "incident_id": room,
            "seq": seq,
            "from": "reporter" if self.namespace == "/report" else "responder",
            "text": data["text"],
            "at": dt.datetime.now(dt.UTC).isoformat(),
        }
        await self.server.emit("message", message, room=room, namespace=OTHER[self.namespace])
        return {"ok": True, "seq": seq}


async def serve(host: str, port: int) -> None:
    server_class = socketio.AsyncServer
    if os.environ.get("TIPLINE_BENCH_RELAY_FRAMES") == "1":
        # Tipline's websocket loop (one timer per connection, not a task per frame), so that
        # the comparison measures Tipline's features alone.
        from realtime.engineio_socket import SocketServer  # noqa: PLC0415

        server_class = SocketServer
    sio = server_class(
        async_mode="aiohttp", logger=False, engineio_logger=False, cors_allowed_origins=None
    )
    seqs: dict[str, int] = {}
    for namespace in OTHER:
        sio.register_namespace(Relay(namespace, seqs))
    app = web.Application()
    sio.attach(app)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(f"READY http://{host}:{runner.addresses[0][1]}", flush=True)
    await stop.wait()
    await sio.shutdown()
    await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description="bare python-socketio relay (baseline)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    if os.environ.get("TIPLINE_BENCH_GC_THRESHOLD"):  # e.g. Tipline's own, "700,10,1000"
        gc.set_threshold(*(int(t) for t in os.environ["TIPLINE_BENCH_GC_THRESHOLD"].split(",")))
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        runner.run(serve(args.host, args.port))


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """The same loop as Tipline's (`tipline.app.loop_factory`, not imported so that the
    relay stays bare): uvloop unless TIPLINE_UVLOOP=0, so the comparison is like for like."""
    if os.environ.get("TIPLINE_UVLOOP", "1") == "0":
        return None
    try:
        import uvloop  # noqa: PLC0415
    except ImportError:
        return None
    return uvloop.new_event_loop


if __name__ == "__main__":
    main()
