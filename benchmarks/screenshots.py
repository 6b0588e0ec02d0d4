"""The screenshots of the README and docs/screenshots, from a real server and a demo incident.

    .venv/bin/python -m benchmarks.screenshots docs/screenshots

Starts the whole service in this process (as `tipline serve` does) on the Redis at
127.0.0.1:6379 under a key prefix of its own (deleted afterwards), with the record in a fresh
schema of the PostgreSQL at $TIPLINE_DATABASE_URL (the tests' database by default), and the
rules classifier with language detection (lingua), so the console shows a real language. A
student files a few reports from a phone; an agent claims the emergency, sends two canned
replies, records a call; then Debian's Chromium takes every page at phone (390x844) and
desktop (1366x768, 1920x1080) size. `scenes()` is also what the page test runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import asyncpg
import redis.asyncio as aioredis
from playwright.async_api import Page, ViewportSize, async_playwright, expect

from tipline import app, settings
from tipline.ports import Classifier

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1366, "height": 768}
WIDE: ViewportSize = {"width": 1920, "height": 1080}
REDIS_URL = os.environ.get("TIPLINE_REDIS_URL", "redis://127.0.0.1:6379/0")
DATABASE_URL = os.environ.get("TIPLINE_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

EMERGENCY = (
    "A boy in my class posted on his story that he will bring his dad's gun to school "
    "tomorrow. He sits next to me in 3rd period math."
)
OTHERS = (
    ("Kids are vaping in the second floor bathroom every lunch break.", "substance"),
    ("Unos chicos de octavo empujan a mi amigo todos los días en la parada del autobús.", ""),
)
ANSWER = "Yes, I'm at home. I have a screenshot of the post if you need it."

# Opens a page at a size and waits until it is ready: (url, viewport) -> page.
Opener = Callable[[str, ViewportSize], Awaitable[Page]]


async def file_report(page: Page, text: str, category: str = "") -> None:
    await page.fill("#org-code", "DEMO")
    if category:
        await page.select_option("#category", category)
    await page.fill("#report-text", text)
    await page.click("#file-send")
    await expect(page.locator("#receipt-value")).not_to_be_empty()


async def say(page: Page, text: str | None = None) -> None:
    """Send the reply box (filled with `text`, or as a canned reply left it)."""
    if text is not None:
        await page.fill("#chat-input", text)
    await page.click("#chat-send")
    await expect(
        page.locator(".msg--own[data-state=sent], .msg--own[data-state=queued]")
    ).to_have_count(0)


async def scenes(open_page: Opener, url: str, agent_token: str, out: Path) -> list[Path]:
    """Every screenshot, written to `out`; returns their paths."""
    await asyncio.to_thread(out.mkdir, parents=True, exist_ok=True)
    shots: list[Path] = []

    async def shot(page: Page, name: str) -> None:
        path = out / f"{name}.png"
        await page.screenshot(path=path)
        shots.append(path)

    for text, category in OTHERS:
        await file_report(await open_page(url + "/", PHONE), text, category)
    await shot(await open_page(url + "/", PHONE), "reporter-phone")
    await shot(await open_page(url + "/", DESKTOP), "reporter-desktop")
    student = await open_page(url + "/", PHONE)
    await file_report(student, EMERGENCY, "weapon")
    await shot(student, "reporter-receipt-phone")
    await student.click("#receipt-done")

    agent = await open_page(url + "/console", DESKTOP)
    await agent.fill("#token", agent_token)
    await agent.click("#login-send")
    await agent.locator("#incidents .badge--emergency").first.click()
    await expect(agent.locator("#detail-body")).to_be_visible()
    await agent.click("#claim")
    await expect(agent.locator("#step-status")).not_to_be_empty()
    for key in ("console.canned.thanks", "console.canned.safe"):
        await agent.click(f"[data-canned='{key}']")
        await say(agent)
    await expect(student.locator(".msg--other")).to_have_count(2)
    await say(student, ANSWER)
    await agent.fill("#step-note", "Voicemail full. Trying the counselor next.")
    await agent.click("[data-outcome=no_answer]")
    await expect(agent.locator("#step-status")).to_contain_text("No answer")
    await agent.click("[data-canned='console.canned.where']")
    await shot(student, "reporter-chat-phone")
    await shot(agent, "console-desktop")
    await agent.set_viewport_size(WIDE)
    await shot(agent, "console-wide")
    await agent.set_viewport_size(PHONE)
    # On a phone the incident is below the list: the shot shows it.
    await agent.evaluate("document.getElementById('detail').scrollIntoView()")
    await shot(agent, "console-phone")
    await student.set_viewport_size(DESKTOP)
    await shot(student, "reporter-chat-desktop")
    return shots


@functools.cache
def rules_with_language() -> Classifier:
    """The safety net with lingua's language detection (`TIPLINE_CLASSIFIER=rules` has none)."""
    from classifiers import language, rules  # noqa: PLC0415 (lingua loads for a second)

    return rules.RulesClassifier(detect_language=language.LanguageDetector().code)


@contextlib.asynccontextmanager
async def schema() -> AsyncIterator[str]:
    """A fresh schema of the PostgreSQL for the record, dropped on exit."""
    name = f"shots_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(DATABASE_URL)
    try:
        await admin.execute(f"CREATE SCHEMA {name}")
        yield f"{DATABASE_URL}{'&' if '?' in DATABASE_URL else '?'}search_path={name}"
    finally:
        await admin.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        await admin.close()


async def forget(prefix: str) -> None:
    client = aioredis.Redis.from_url(REDIS_URL)
    keys = [k async for k in client.scan_iter(match=f"{prefix}:*", count=1000)]
    if keys:
        await client.delete(*keys)
    await client.aclose()


async def main(out: Path) -> None:
    prefix = f"shots-{uuid.uuid4().hex[:8]}"
    token = f"agent-token-for-{prefix}"
    with tempfile.TemporaryDirectory() as data:
        async with schema() as database_url:
            config = settings.load(
                config_path=None,
                env={
                    "TIPLINE_REDIS_URL": REDIS_URL,
                    "TIPLINE_DATABASE_URL": database_url,
                    "TIPLINE_KEY_PREFIX": prefix,
                    "TIPLINE_CLASSIFIER": "rules",
                    "TIPLINE_DATA_DIR": data,
                    "TIPLINE_DEMO_AGENT_TOKEN": token,
                    "TIPLINE_DEMO_ADMIN_TOKEN": f"admin-token-for-{prefix}",
                    "TIPLINE_SECRET_KEY": f"screenshots-key-for-{prefix}",
                },
                host="127.0.0.1",
                port=0,
            )
            pair = (rules_with_language, rules_with_language)
            try:
                async with app.running(config, classifier=pair) as running:
                    while not running.triage.ready:  # noqa: ASYNC110 (the service has no event)
                        await asyncio.sleep(0.05)
                    await take(running.url, token, out)
            finally:
                await forget(prefix)


async def take(url: str, token: str, out: Path) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)

        async def open_page(address: str, viewport: ViewportSize) -> Page:
            context = await browser.new_context(viewport=viewport, locale="en-US")
            page = await context.new_page()
            await page.goto(address)
            await expect(page.locator("body[data-ready=true]")).to_be_attached()
            return page

        try:
            for path in await scenes(open_page, url, token, out):
                print(path)
        finally:
            await browser.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, nargs="?", default=Path("docs/screenshots"))
    asyncio.run(main(parser.parse_args().out))
