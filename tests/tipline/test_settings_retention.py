"""Retention settings: the deployment's period, a school's own, and the refusal of a period
that would end inside the live window."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tipline.test_settings import EXAMPLE, KEY
from tipline import settings


def school_policy(tmp_path: Path, *lines: str, server: str = "") -> Path:
    """The example file with `lines` added to its school's `[organizations.policy]` and
    `server` to its `[server]`."""
    text = EXAMPLE.read_text()
    text = text.replace(
        "repage_interval_s = 180\n",
        "repage_interval_s = 180\n" + "".join(f"{line}\n" for line in lines),
    )
    text = text.replace("[server]\n", f"[server]\n{server}\n")
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_records_are_kept_for_ever_unless_a_period_is_set() -> None:
    """By default nothing is purged (0), and a school without its own period has None."""
    config = settings.load(config_path=EXAMPLE, env={"TIPLINE_SECRET_KEY": KEY})
    assert config.retention_days == 0
    assert [o.retention_days for o in config.organizations] == [None]


def test_the_environment_beats_the_file_and_a_school_keeps_its_own(tmp_path: Path) -> None:
    """TIPLINE_RETENTION_DAYS wins over `[server] retention_days`; the school's
    `policy.retention_days` is its own, whatever the deployment's."""
    path = school_policy(tmp_path, "retention_days = 3650", server="retention_days = 365")
    config = settings.load(config_path=path, env={"TIPLINE_SECRET_KEY": KEY})
    assert (config.retention_days, config.organizations[0].retention_days) == (365, 3650)
    env = {"TIPLINE_SECRET_KEY": KEY, "TIPLINE_RETENTION_DAYS": "730"}
    assert settings.load(config_path=path, env=env).retention_days == 730


@pytest.mark.parametrize(
    ("env", "server", "school", "expected"),
    [
        ({"TIPLINE_RETENTION_DAYS": "2"}, "", None, "TIPLINE_RETENTION_DAYS ([server] "
         "retention_days): 2 days is shorter than the live window "
         "(TIPLINE_LIVE_WINDOW_HOURS = 72 h): use at least 3 days, or 0"),
        ({}, "retention_days = 1", None, "1 day is shorter than the live window"),
        ({"TIPLINE_LIVE_WINDOW_HOURS": "240"}, "", "retention_days = 7",
         "organization 'LINCOLN-HS': policy.retention_days: 7 days is shorter than the live "
         "window (TIPLINE_LIVE_WINDOW_HOURS = 240 h): use at least 10 days"),
        ({"TIPLINE_RETENTION_DAYS": "soon"}, "", None, "TIPLINE_RETENTION_DAYS: 'soon' is not "
         "a whole number"),
        ({"TIPLINE_RETENTION_DAYS": "-1"}, "", None, "TIPLINE_RETENTION_DAYS: -1 is not from 0"),
        ({}, "", "retention_days = -5", "organizations[0].policy.retention_days"),
    ],
)  # fmt: skip
def test_a_bad_or_too_short_period_is_refused_with_what_to_do(
    tmp_path: Path, env: dict[str, str], server: str, school: str | None, expected: str
) -> None:
    """A period that is not a number of days, or shorter than the live window, stops the
    start with a message naming the setting and the least period allowed."""
    path = school_policy(tmp_path, *([school] if school else []), server=server)
    with pytest.raises(settings.ConfigError) as info:
        settings.load(config_path=path, env={"TIPLINE_SECRET_KEY": KEY} | env)
    assert expected in str(info.value)


def test_zero_keeps_a_schools_records_for_ever_whatever_the_window(tmp_path: Path) -> None:
    """0 (for ever) is allowed for a school under a deployment period, and is not refused
    by the live window."""
    path = school_policy(tmp_path, "retention_days = 0", server="retention_days = 30")
    config = settings.load(config_path=path, env={"TIPLINE_SECRET_KEY": KEY})
    assert (config.retention_days, config.organizations[0].retention_days) == (30, 0)
