"""`tipline key new` and `tipline token new` make the example configuration one a person can
log in to (issue #15, item 10): the real CLI, then the real server and a Socket.IO client."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Peer
from tests.procs import serving
from tipline import credentials, settings

EXAMPLE = Path(__file__).parents[2] / "tipline.example.toml"


def tipline(*args: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TIPLINE_", "SLACK_"))}
    return subprocess.run(
        [sys.executable, "-m", "tipline.cli", *args],
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def printed_token(stderr: str) -> str:
    (line,) = [line for line in stderr.splitlines() if line.startswith("token (")]
    return line.rsplit(": ", 1)[1]


def test_key_new_writes_a_private_key_once(tmp_path: Path) -> None:
    """The key file is mode 0600, long enough to load, and never overwritten."""
    path = tmp_path / "secret.key"
    made = tipline("key", "new", str(path))
    assert made.returncode == 0, made.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = credentials.read_key_file(path)
    again = tipline("key", "new", str(path))
    assert again.returncode == 1
    assert "is kept" in again.stderr
    assert credentials.read_key_file(path) == key


def test_token_new_prints_the_entry_that_lists_its_hash(tmp_path: Path) -> None:
    """stdout is a [[responders]] entry with the token's SHA-256; the token is on stderr only."""
    made = tipline("token", "new", "--id", "lh-admin", "--role", "admin", "--org", "lincoln-hs")
    assert made.returncode == 0, made.stderr
    token = printed_token(made.stderr)
    assert len(token) >= credentials.MIN_TOKEN_CHARS
    assert token not in made.stdout
    config = tmp_path / "tipline.toml"
    config.write_text(EXAMPLE.read_text(encoding="utf-8") + "\n" + made.stdout, encoding="utf-8")
    loaded = settings.load(config_path=config, env={"TIPLINE_SECRET_KEY": "k" * 40})
    seed = loaded.responders[-1]
    assert (seed.responder.responder_id, seed.responder.org_code) == ("lh-admin", "LINCOLN-HS")
    assert seed.token_hash == credentials.token_hash(token)


def test_an_admin_token_without_a_school_is_refused() -> None:
    """`--role admin` with no `--org` is one clear line and exit 2."""
    made = tipline("token", "new", "--role", "admin")
    assert made.returncode == 2
    assert "--org" in made.stderr


@pytest.mark.slow
async def test_the_example_with_a_new_key_and_token_can_be_logged_into(
    tmp_path: Path, prefix: str
) -> None:
    """Copy the example, make its key and a token as docs/configuration.md says: the token
    opens the console over /respond."""
    config = tmp_path / "tipline.toml"
    shutil.copy(EXAMPLE, config)
    assert tipline("key", "new", str(tmp_path / "secret.key")).returncode == 0
    made = tipline("token", "new", "--id", "night-agent", "--name", "Night agent")
    with config.open("a", encoding="utf-8") as out:
        out.write("\n" + made.stdout)
    async with serving(prefix, tmp_path / "data", config=config) as server:
        agent = Peer("/respond")
        await agent.connect(server.url, {"token": printed_token(made.stderr)})
        listed = await agent.call("incident:list", {})
        assert listed["ok"], listed
        await agent.close()
