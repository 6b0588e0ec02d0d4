"""What the Slack bot reads of its settings.

The composition root hands the bot `Settings.slack` (tipline/settings.py, SlackSettings) as
it is: nothing is copied field by field, and mypy checks that SlackSettings has all of these.
A Protocol rather than the class itself: the bot imports no settings module (ARCHITECTURE.md).
"""

from __future__ import annotations

from typing import Protocol


class BotConfig(Protocol):
    @property
    def token(self) -> str: ...
    @property
    def signing_secret(self) -> str: ...
    @property
    def api_url(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def translators_channel(self) -> str | None: ...

    # Requests from another workspace are refused when set.
    @property
    def team_id(self) -> str | None: ...

    # Slack user ids (U...) or user groups (S...) that a re-page mentions.
    @property
    def mentions(self) -> tuple[str, ...]: ...
    @property
    def excerpt_chars(self) -> int: ...

    # Post urgent reports too when they come in while the school is closed.
    @property
    def urgent_offhours(self) -> bool: ...
    @property
    def retry_base_s(self) -> float: ...
    @property
    def retry_cap_s(self) -> float: ...

    # Give up on a job that Slack refuses for good (not a 429, 5xx or outage) after this.
    @property
    def max_refusals(self) -> int: ...
    @property
    def http_timeout_s(self) -> float: ...
