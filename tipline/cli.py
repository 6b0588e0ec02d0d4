"""`tipline serve`, `tipline classify` (PROTOCOL.md), `tipline db` and `tipline archive`
(docs/record.md)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from adapters import data_dir
from tipline import archive_process, db_cli, logs, secrets_cli, settings

log = logging.getLogger("tipline.cli")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tipline", description="Anonymous school-safety tip line")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the whole service (and its archive worker)")
    serve.add_argument("--host", default=None, help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port to listen on (8080)")
    serve.add_argument("--config", type=Path, default=None, help="TOML file; none: demo mode")
    archive = commands.add_parser(
        "archive",
        help="run the archive worker alone, beside a `tipline serve` (TIPLINE_ARCHIVE_WORKER)",
    )
    archive.add_argument("--config", type=Path, default=None, help="the serve's TOML file")
    archive.add_argument(
        "--settings-on-stdin", action="store_true", help=argparse.SUPPRESS
    )  # serve's own worker (tipline/archive_process.py)
    classify = commands.add_parser(
        "classify", help="classify JSON lines from stdin, one JSON line out per line in"
    )
    classify.add_argument(
        "--evaluate", type=Path, default=None, metavar="FILE",
        help="instead: evaluate on a labelled JSONL file and print the metrics",
    )  # fmt: skip
    classify.add_argument(
        "--rules-only", action="store_true", help="use the safety-net rules without the model"
    )
    classify.add_argument("--batch-size", type=int, default=16)
    db_cli.add_parser(commands)
    secrets_cli.add_parser(commands)
    args = parser.parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    if args.command == "archive":
        return _archive(args)
    if args.command == "db":
        return db_cli.run(args)
    if args.command in ("token", "key", "datakey"):
        return secrets_cli.run(args)
    return _classify(args)


def _serve(args: argparse.Namespace) -> int:
    logs.setup()
    try:
        config = settings.load(config_path=args.config, host=args.host, port=args.port)
    except settings.ConfigError as exc:
        print(f"tipline: configuration error: {exc}", file=sys.stderr)
        return 2
    return _until_stopped(_run(config))


def _until_stopped(work: Coroutine[Any, Any, None]) -> int:
    """Run `work` on the service's loop; a start that fails is one line for the operator."""
    from tipline import app  # noqa: PLC0415  (keeps `tipline classify` free of the server)

    app.tune_gc()
    try:
        with asyncio.Runner(loop_factory=app.loop_factory()) as runner:
            runner.run(work)
    except (data_dir.StartupError, settings.ConfigError) as exc:  # e.g. a wrong data key
        print(f"tipline: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        # The error was logged with its trace by whoever raised it; the operator gets one line.
        print(f"tipline: could not start: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


async def _run(config: settings.Settings) -> None:
    from tipline import app  # noqa: PLC0415

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with app.running(config) as service:
        pacer = asyncio.create_task(app.pace_gc(), name="gc-pacer")  # with tune_gc, process-wide
        if config.demo:
            print(f"demo agent token: {service.demo_agent_token}", flush=True)
            print(f"demo admin token: {service.demo_admin_token}", flush=True)
        if config.slack is None:
            log.warning("slack.off", extra={"reason": config.slack_off})
        print(f"reporter page: {service.url}/", flush=True)
        print(f"console: {service.url}/console", flush=True)
        # The server's own address is not a reporter's, but the log's address mask cannot
        # tell them apart: the port and the kind of interface say it without an address.
        log.info(
            "serve.started",
            extra={"port": service.port, "interface": _interface(config.host), "demo": config.demo},
        )
        await stop.wait()
        log.info("serve.stopping")
        pacer.cancel()


def _archive(args: argparse.Namespace) -> int:
    """`tipline archive`: the archive worker on the stores that TIPLINE_REDIS_URL and
    TIPLINE_DATABASE_URL name, until SIGTERM or SIGINT (tipline/archive_process.py)."""
    logs.setup()
    try:
        if args.settings_on_stdin:
            config = archive_process.read_settings(sys.stdin.buffer.read())
        else:
            config = settings.load(config_path=args.config, host=None, port=None)
    except Exception as exc:  # a bad file, or stdin without serve's settings
        print(f"tipline: configuration error: {exc}", file=sys.stderr)
        return 2
    from tipline import app  # noqa: PLC0415

    async def work() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with app.archiving(config):
            log.info("archive.started")
            await stop.wait()
            log.info("archive.stopping")

    return _until_stopped(work())


def _interface(host: str) -> str:
    if host in ("", "0.0.0.0", "::"):  # noqa: S104  (naming the wildcard, not binding it)
        return "all"
    if host == "localhost" or host.startswith("127.") or host == "::1":
        return "loopback"
    return "configured"


def _classify(args: argparse.Namespace) -> int:
    logs.setup(level="WARNING")
    import classifiers  # noqa: PLC0415

    cache = settings.load(config_path=None)
    engine: classifiers.Engine
    if args.rules_only:
        engine = classifiers.RulesClassifier()
    else:
        try:
            engine = classifiers.load_engine(
                model_dir=cache.model_dir,
                cache_dir=cache.cache_dir,
                progress=lambda line: print(line, file=sys.stderr, flush=True),
            )
        except Exception as exc:
            print(
                f"tipline: the model could not load ({type(exc).__name__}: {exc}); "
                "classifying with the safety-net rules alone",
                file=sys.stderr,
            )
            engine = classifiers.RulesClassifier()
    if args.evaluate:
        report = classifiers.evaluate(engine, args.evaluate, sys.stdout)
        return 0 if report is not None else 1
    classifiers.classify_stream(engine, sys.stdin, sys.stdout, batch_size=args.batch_size)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
