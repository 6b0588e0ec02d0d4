"""Settings: the example file loads, the environment wins, bad files say where and why."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tipline import settings

EXAMPLE = Path(__file__).parents[2] / "tipline.example.toml"
KEY = "a-server-key-for-the-settings-tests"


def test_example_file_loads() -> None:
    """The shipped example configures one school with three contacts and two responders."""
    config = settings.load(config_path=EXAMPLE, env={"TIPLINE_SECRET_KEY": KEY})
    (org,) = config.organizations
    assert org.code == "LINCOLN-HS"
    assert org.timezone == "America/Los_Angeles"
    assert org.policy.contacts[0].role == "Principal"
    assert 5 not in org.hours  # Saturday is closed
    assert [r.responder.role.value for r in config.responders] == ["agent", "admin"]
    assert not config.demo


def test_no_file_is_demo_mode_and_env_wins() -> None:
    """Without --config it is demo mode; environment variables override the defaults."""
    config = settings.load(
        config_path=None,
        env={"TIPLINE_REDIS_URL": "redis://127.0.0.1:6379/3", "SLACK_BOT_TOKEN": "xoxb-1"},
    )
    assert config.demo
    assert [o.code for o in config.organizations] == ["DEMO"]
    assert config.redis_url == "redis://127.0.0.1:6379/3"
    assert (config.host, config.port) == ("127.0.0.1", 8080)
    assert config.slack is None  # the signing secret is missing


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(EXAMPLE.read_text() + text)
    return path


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ('timezone = "Mars/Olympus"', "organizations[0].timezone: unknown IANA time zone"),
        ('hours = { mon = "9-5" }', "is not HH:MM-HH:MM"),
        ('hours = { fun = "09:00-15:00" }', "unknown weekday 'fun'"),
        ('hours = { mon = "15:00-09:00" }', "closes before it opens"),
        ("contacts = []", "organizations[0].contacts: List should have at least 1 item"),
        ('code = "no spaces allowed"', "organizations[0].code"),
    ],
)
def test_bad_organization_field_is_named(tmp_path: Path, change: str, expected: str) -> None:
    """A bad organisation field stops loading with the field's path and the problem."""
    text = EXAMPLE.read_text()
    key = change.split(" = ", maxsplit=1)[0]
    lines = [ln for ln in text.splitlines() if not ln.startswith(f"{key} = ")]
    if key in {"hours", "contacts"}:
        # Drop the table form of the key so that the inline form below is the only one.
        text = "\n".join(lines)
        table = "[organizations.hours]" if key == "hours" else "[[organizations.contacts]]"
        start = text.index(table)
        end = text.index("[organizations.law_enforcement]")
        text = text[:start] + text[end:]
        lines = text.splitlines()
    index = lines.index('name = "Lincoln High School"')
    lines.insert(index, change)
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines))
    with pytest.raises(settings.ConfigError) as info:
        settings.load(config_path=path, env={})
    assert expected in str(info.value)
    assert str(path) in str(info.value)


def test_responder_errors_are_named(tmp_path: Path) -> None:
    """A plain token instead of its hash, or an admin of an unknown school, is refused."""
    path = write(tmp_path, '\n[[responders]]\nid = "x"\nname = "X"\nrole = "admin"\norg = "NOPE"\n'
                 'token_sha256 = "secret"\n')  # fmt: skip
    with pytest.raises(settings.ConfigError, match=r"responders\[2\]\.token_sha256: must be"):
        settings.load(config_path=path, env={})


def test_not_toml_and_missing_file(tmp_path: Path) -> None:
    """A file that is not TOML, or is missing, gives a one-line reason."""
    bad = tmp_path / "bad.toml"
    bad.write_text("[[organizations]\ncode = ")
    with pytest.raises(settings.ConfigError, match="not valid TOML"):
        settings.load(config_path=bad, env={})
    with pytest.raises(settings.ConfigError, match="no such file"):
        settings.load(config_path=tmp_path / "absent.toml", env={})


def test_cli_prints_config_error_without_traceback(tmp_path: Path) -> None:
    """`tipline serve --config bad` exits 2 with the message and no Python traceback."""
    bad = tmp_path / "bad.toml"
    bad.write_text('[server]\nport = "eighty"\n')
    result = subprocess.run(
        [sys.executable, "-m", "tipline.cli", "serve", "--config", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "configuration error" in result.stderr
    assert "server.port" in result.stderr
    assert "organizations: Field required" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_config_file_without_a_server_key_stops_with_a_clear_error(tmp_path: Path) -> None:
    """A config file needs a server key: none, or one too short, is a configuration error
    that says how to give one; a key file is read relative to the config file."""
    keyless = tmp_path / "keyless.toml"
    keyless.write_text(EXAMPLE.read_text().replace('secret_key_file = "secret.key"', ""))
    with pytest.raises(settings.ConfigError, match="no server key: set TIPLINE_SECRET_KEY"):
        settings.load(config_path=keyless, env={})
    with pytest.raises(settings.ConfigError, match="at least 32 characters"):
        settings.load(config_path=EXAMPLE, env={"TIPLINE_SECRET_KEY": "short"})
    # The example names secret.key beside it, which a clone does not have: say how to make it.
    with pytest.raises(settings.ConfigError, match="tipline key new"):
        settings.load(config_path=EXAMPLE, env={})
    (tmp_path / "tipline.key").write_text(KEY + "\n")
    path = tmp_path / "config.toml"
    path.write_text(EXAMPLE.read_text().replace('"secret.key"', '"tipline.key"'))
    assert settings.load(config_path=path, env={}).secret_key == KEY.encode()
    assert settings.load(config_path=None, env={}).secret_key is None  # demo: a key file


def test_a_short_demo_token_is_refused() -> None:
    """A demo token from the environment under 22 characters (128 bits) is refused."""
    with pytest.raises(settings.ConfigError, match="TIPLINE_DEMO_AGENT_TOKEN: a token must"):
        settings.load(config_path=None, env={"TIPLINE_DEMO_AGENT_TOKEN": "letmein"})
    long_enough = "x" * 22
    assert settings.load(config_path=None, env={"TIPLINE_DEMO_ADMIN_TOKEN": long_enough})


def test_archive_worker_is_a_process_unless_told_and_refuses_other_words() -> None:
    """TIPLINE_ARCHIVE_WORKER: `process` by default, `inline` (any case) when asked, and
    any other word a configuration error that names the variable."""
    assert settings.load(config_path=None, env={}).archive_worker == "process"
    told = settings.load(config_path=None, env={"TIPLINE_ARCHIVE_WORKER": " Inline "})
    assert told.archive_worker == "inline"
    with pytest.raises(settings.ConfigError, match="TIPLINE_ARCHIVE_WORKER: 'sometimes'"):
        settings.load(config_path=None, env={"TIPLINE_ARCHIVE_WORKER": "sometimes"})


def test_archive_worker_nice_is_10_unless_told_and_refuses_what_is_not_0_to_19() -> None:
    """TIPLINE_ARCHIVE_WORKER_NICE: 10 by default, a whole number from 0 to 19 when set,
    anything else a configuration error that names the variable."""
    assert settings.load(config_path=None, env={}).archive_worker_nice == 10
    told = settings.load(config_path=None, env={"TIPLINE_ARCHIVE_WORKER_NICE": "0"})
    assert told.archive_worker_nice == 0
    for bad in ("20", "-1", "low"):
        with pytest.raises(settings.ConfigError, match="TIPLINE_ARCHIVE_WORKER_NICE"):
            settings.load(config_path=None, env={"TIPLINE_ARCHIVE_WORKER_NICE": bad})
