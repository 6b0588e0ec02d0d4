"""What the Slack bot needs from the settings; the composition root fills it in."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True, slots=True)
class BotConfig:
    token: str
    signing_secret: str
    api_url: str
    channel: str
    demo: bool = False
    translators_channel: str | None = None
    # Requests from another workspace are refused when set.
    team_id: str | None = None
    # Slack user ids (U...) or user groups (S...) that a re-page mentions.
    mentions: tuple[str, ...] = ()
    excerpt_chars: int = 200
    # Base of the console links; None: the server's own URL.
    public_url: str | None = None
    # Post urgent reports too when they come in while the school is closed.
    urgent_offhours: bool = False
    retry_base_s: float = 1.0
    retry_cap_s: float = 60.0
    # Give up on a job that Slack refuses for good (not a 429, 5xx or outage) after this.
    max_refusals: int = 8
    http_timeout_s: float = 10.0
