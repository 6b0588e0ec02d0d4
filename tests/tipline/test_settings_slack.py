"""The Slack bot's settings: one SlackSettings from the environment and the file's `[slack]`."""

from __future__ import annotations

from pathlib import Path

from tipline import settings

EXAMPLE = Path(__file__).parents[2] / "tipline.example.toml"
KEY = "a-server-key-for-the-settings-tests"
ON = {"TIPLINE_SECRET_KEY": KEY, "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s3cret"}


def test_the_file_gives_the_bot_its_channel_and_defaults_the_rest() -> None:
    """With a token and a secret, the example file's `[slack]` makes the bot's settings."""
    config = settings.load(config_path=EXAMPLE, env=ON)
    assert config.slack == settings.SlackSettings(
        token="xoxb-1", signing_secret="s3cret", channel="C0123456789", excerpt_chars=200
    )


def test_the_environment_beats_the_file() -> None:
    """TIPLINE_SLACK_* and SLACK_API_URL override `[slack]` and the defaults."""
    env = ON | {
        "TIPLINE_SLACK_CHANNEL": "C0OTHER",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
        "TIPLINE_SLACK_MENTIONS": "U0ONCALL, S0AGENTS,",
        "TIPLINE_SLACK_TRANSLATORS_CHANNEL": "C0TRANSLATE",
        "TIPLINE_SLACK_TEAM_ID": "T0TIPLINE",
        "TIPLINE_SLACK_URGENT_OFFHOURS": "yes",
    }
    slack = settings.load(config_path=EXAMPLE, env=env).slack
    assert slack is not None
    assert slack.channel == "C0OTHER"
    assert slack.api_url == "http://127.0.0.1:9/api/"
    assert slack.mentions == ("U0ONCALL", "S0AGENTS")
    assert slack.translators_channel == "C0TRANSLATE"
    assert slack.team_id == "T0TIPLINE"
    assert slack.urgent_offhours


def test_slack_is_off_without_a_token_a_secret_or_a_channel() -> None:
    """No bot settings without all three; `slack_off` says which variable is missing."""
    no_secret = settings.load(config_path=None, env={"SLACK_BOT_TOKEN": "xoxb-1"})
    assert no_secret.slack is None
    assert "SLACK_SIGNING_SECRET" in no_secret.slack_off
    no_channel = settings.load(config_path=None, env=ON)
    assert no_channel.slack is None
    assert no_channel.slack_off == "TIPLINE_SLACK_CHANNEL is not set"
    on = settings.load(config_path=None, env=ON | {"TIPLINE_SLACK_CHANNEL": "C0AGENTS"})
    assert on.slack is not None
    assert on.slack_off == ""
