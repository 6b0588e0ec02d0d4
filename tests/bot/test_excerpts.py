"""With `excerpt_chars = 0`, nothing a reporter wrote reaches Slack, not even the words the
safety net quotes in its reasons (issue #19, item 6)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import redis.asyncio as aioredis

from bot import blocks
from classifiers import rules
from tests.bot.conftest import slack_server
from tests.bot.fake_slack import FakeSlack
from tests.bot.test_slack_server import posted, report

# Two patterns fire, each quoting its words ("gun in his backpack", "will shoot people").
TEXT = "he has a gun in his backpack and says he will shoot people at lunch tomorrow"


def _words(text: str) -> set[str]:
    """The words of three letters or more (shorter ones, "a", "in", are in every message)."""
    return set(re.findall(r"[a-z]{3,}", text.lower()))


def label_words() -> set[str]:
    """Every word of the safety net's own reason labels (ours, not the reporter's)."""
    return set().union(*(_words(p.reason) for p in rules.PATTERNS))


async def test_no_excerpt_means_no_word_of_the_report_in_any_slack_call(
    prefix: str, tmp_path: Path, fake: FakeSlack, redis_client: aioredis.Redis
) -> None:
    """excerpt_chars = 0: the posted text and blocks hold no word of the report beyond the
    reason labels, although the reasons of its triage quote them."""
    async with slack_server(prefix, tmp_path, fake, slack_excerpt_chars=0) as server:
        incident_id = await report(server, TEXT)
        await posted(fake)
        incident = await server.running.store.get(incident_id)
    assert incident is not None
    assert any('"' in r for r in incident.triage.reasons)  # the reasons do quote the text
    sent = " ".join(json.dumps(c.args) for c in fake.calls if c.method != "auth.test")
    leaked = (_words(TEXT) - label_words()) & _words(sent)
    assert not leaked, leaked


def test_reasons_keep_their_quotes_only_when_excerpts_are_on() -> None:
    """A reason's quoted words are shown with excerpts on and cut with excerpts off."""
    reasons = ('mentions a weapon at or near school: "dads gun"', "model: emergency (58%)")
    assert blocks.shown_reasons(reasons, excerpt_chars=200) == list(reasons)
    assert blocks.shown_reasons(reasons, excerpt_chars=0) == [
        "mentions a weapon at or near school",
        "model: emergency (58%)",
    ]
    other_quotes = ("said “quoted” words", "«mot»", "l'arme: „x“")
    assert blocks.shown_reasons(other_quotes, excerpt_chars=0) == ["said", "l'arme"]
