"""`tipline token new` and `tipline key new`: the two secrets a config file needs, made
right (docs/configuration.md).

A config file lists responders by the SHA-256 of their token, never the token, and a server
needs a key to seal hashes in the store. Before these commands the example configuration
could not be logged into: it named hashes of tokens nobody had.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from adapters import sealing
from tipline import credentials

ROLES = ("agent", "admin")


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    token = commands.add_parser("token", help="responder tokens: new")
    token_actions = token.add_subparsers(dest="action", required=True)
    new = token_actions.add_parser(
        "new", help="print a new token and the [[responders]] entry that lists it by hash"
    )
    new.add_argument("--id", default="responder-1", help="the responder's id (responder-1)")
    new.add_argument("--name", default=None, help="the name responders see (the id)")
    new.add_argument("--role", choices=ROLES, default="agent", help="agent (every school) or admin")
    new.add_argument("--org", default=None, help="an admin's school (its access code)")
    key = commands.add_parser("key", help="the server key: new")
    key_actions = key.add_subparsers(dest="action", required=True)
    made = key_actions.add_parser("new", help="write a new server key file (mode 0600)")
    made.add_argument("path", type=Path, help="where to write it; an existing file is kept")
    datakey = commands.add_parser("datakey", help="a data key (encryption at rest): new")
    datakey_actions = datakey.add_subparsers(dest="action", required=True)
    line = datakey_actions.add_parser(
        "new", help="print a new `key_id:base64` data key for TIPLINE_DATA_KEY or its file"
    )
    line.add_argument("--id", default=None, help="its key id (a random one: k + 6 hex)")


def run(args: argparse.Namespace) -> int:
    if args.command == "token":
        return _token(args)
    if args.command == "datakey":
        # Put first in TIPLINE_DATA_KEY (comma-separated, the old keys after it) to rotate.
        print(sealing.new_key_line(args.id))
        return 0
    return _key(args)


def _token(args: argparse.Namespace) -> int:
    if args.role == "admin" and not args.org:
        print("tipline: an admin belongs to a school: give --org CODE", file=sys.stderr)
        return 2
    token = credentials.new_token()
    lines = [
        "[[responders]]",
        f"id = {json.dumps(args.id)}",
        f"name = {json.dumps(args.name or args.id)}",
        f"role = {json.dumps(args.role)}",
    ]
    if args.org:
        lines.append(f"org = {json.dumps(args.org.strip().upper())}")
    lines.append(f"token_sha256 = {json.dumps(credentials.token_hash(token))}")
    # The token goes to the person, once; the entry goes in the config file. stderr says
    # which is which, so `tipline token new >> tipline.toml` appends the entry alone.
    print(
        f"token (give it to {args.name or args.id}; it is shown only now): {token}", file=sys.stderr
    )
    print("\n".join(lines))
    return 0


def _key(args: argparse.Namespace) -> int:
    path: Path = args.path
    if path.exists():
        print(
            f"tipline: {path} exists; it is kept (every receipt is sealed under it)",
            file=sys.stderr,
        )
        return 1
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(credentials.new_server_key() + "\n")
    print(f"server key written to {path} (mode 0600); name it in [server] secret_key_file")
    return 0
