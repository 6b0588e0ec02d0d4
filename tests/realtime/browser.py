"""Debian's Chromium driven by Playwright, for the page tests, and the steps they share.

Every request and websocket of every page is recorded, with page errors, CSP refusals and
JavaScript dialogs, so each test can assert that nothing left 127.0.0.1 and nothing ran.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Browser, Page, ViewportSize, async_playwright, expect

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE: ViewportSize = {"width": 360, "height": 740}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
# Chromium reports CSP refusals as console errors starting with "Refused to".
REFUSED = re.compile(r"Refused to|Content Security Policy")


@dataclasses.dataclass
class Web:
    """One browser; each `page()` is a fresh context (its own storage, like another device)."""

    browser: Browser
    urls: list[str] = dataclasses.field(default_factory=list)
    problems: list[str] = dataclasses.field(default_factory=list)

    async def page(
        self,
        url: str,
        *,
        viewport: ViewportSize = DESKTOP,
        locale: str = "en-US",
        init_script: str | None = None,
        touch: bool = False,
    ) -> Page:
        """`touch`: a phone as it is (a touch screen, no mouse, an on-screen keyboard)."""
        context = await self.browser.new_context(
            viewport=viewport, locale=locale, has_touch=touch, is_mobile=touch
        )
        context.on("request", lambda request: self.urls.append(request.url))
        if init_script:
            await context.add_init_script(init_script)
        page = await context.new_page()
        self.watch(page)
        await page.goto(url)
        await expect(page.locator("body[data-ready=true]")).to_be_attached()
        return page

    def watch(self, page: Page) -> None:
        page.on("websocket", lambda ws: self.urls.append(ws.url))
        page.on("pageerror", lambda err: self.problems.append(f"page error: {err}"))
        page.on("dialog", lambda dialog: self.problems.append(f"dialog: {dialog.message}"))
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        if REFUSED.search(message.text):
            self.problems.append(f"console: {message.text}")

    def assert_clean(self) -> None:
        """Every request stayed on 127.0.0.1; no script error, CSP refusal or dialog."""
        assert self.urls, "no request was recorded"
        away = [u for u in self.urls if urlsplit(u).hostname != "127.0.0.1"]
        assert away == []
        assert self.problems == []


def chromium_path() -> str:
    # A launch with a missing binary fails with a long, unclear message; say what to do.
    assert CHROMIUM.exists(), "Debian's chromium is missing: run `make browser`"
    return str(CHROMIUM)


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Web]:
    """Launch Debian's Chromium (`make browser` installs it) with no background traffic."""
    executable = chromium_path()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=ARGS)
        try:
            yield Web(browser)
        finally:
            await browser.close()


async def file_report(page: Page, text: str, *, code: str = "DEMO") -> str:
    """File a report from the reporter page; return the receipt it shows once."""
    await page.fill("#org-code", code)
    await page.fill("#report-text", text)
    await page.click("#file-send")
    receipt = page.locator("#receipt-value")
    await expect(receipt).not_to_be_empty()
    value = (await receipt.text_content()) or ""
    await page.click("#receipt-done")
    await expect(page.locator("#view-chat")).to_be_visible()
    return value


async def login(page: Page, token: str) -> None:
    """Log in to the console."""
    await page.fill("#token", token)
    await page.click("#login-send")
    await expect(page.locator("#view-main")).to_be_visible()


async def open_only_incident(page: Page) -> None:
    """Open the one incident in the console's list (each test has its own Redis prefix)."""
    items = page.locator("#incidents button")
    await expect(items).to_have_count(1)
    await items.first.click()
    await expect(page.locator("#detail-body")).to_be_visible()


async def say(page: Page, text: str) -> None:
    """Write a chat message and wait until the server has stored it."""
    await page.fill("#chat-input", text)
    await page.click("#chat-send")
    own = page.locator(".msg--own", has_text=text)
    await expect(own).to_have_attribute("data-state", "delivered")


async def texts(page: Page) -> list[str]:
    """The chat's message texts, top to bottom."""
    values: list[str] = await page.locator("#chat .msg__text").all_text_contents()
    return values
