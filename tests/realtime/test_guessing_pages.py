"""Issue #19 item 11 in a real browser: a flood of wrong receipts or tokens never keeps the
reporter page or the console out; they solve the proof of work the server asks for in a
worker and connect again, showing "Checking…" meanwhile."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import redis.asyncio as aioredis
from playwright.async_api import Page, expect

from tests.conftest import Server, receipt_of, start_server
from tests.realtime import browser
from tests.realtime.browser import PHONE, Web
from tipline.limits import Limits

# Three free failures a window; the proof of work is as shipped (16 bits past the budget).
SPENT_AFTER_3 = Limits(guess_failures_per_window=3, guess_failures_per_connection=100)
# Every text `selector` ever shows, however briefly, in `window.shown` (a MutationObserver
# keeps each change, so a state that lasts a millisecond is still seen, without timing).
RECORD = """
window.shown = [];
new MutationObserver(() => {
  const node = document.querySelector(%s);
  if (node) window.shown.push(node.textContent);
}).observe(document, { subtree: true, childList: true, characterData: true });
"""


@pytest.fixture
async def server(
    prefix: str, tmp_path: Path, redis_client: aioredis.Redis
) -> AsyncIterator[Server]:
    async with start_server(prefix, tmp_path, limits=SPENT_AFTER_3) as started:
        yield started


@pytest.fixture
async def web(server: Server) -> AsyncIterator[Web]:
    async with browser.chromium() as launched:
        yield launched


async def flood(server: Server, namespace: str, field: str, count: int = 10) -> list[str]:
    """`count` wrong credentials on one raw Engine.IO websocket, as a script would send."""
    codes = []
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(server.url + "/socket.io/?EIO=4&transport=websocket") as ws,
    ):
        assert (await ws.receive_str(timeout=10)).startswith("0")
        for i in range(count):
            await ws.send_str(f"40{namespace},{json.dumps({field: f'WRONG-{i}'})}")
            frame = await ws.receive_str(timeout=10)
            while frame == "2":  # the server's ping
                await ws.send_str("3")
                frame = await ws.receive_str(timeout=10)
            codes.append(json.loads(frame.partition(",")[2])["data"]["code"])
    return codes


async def shown(page: Page) -> list[str]:
    texts: list[str] = await page.evaluate("window.shown")
    return texts


async def test_reporter_page_resumes_with_its_receipt_while_the_budget_is_spent(
    web: Web, server: Server
) -> None:
    """After a flood of wrong receipts spends the budget, the page opens the student's report
    with the receipt (its proof solved in the worker) and said "Checking…" meanwhile."""
    receipt = await receipt_of(server)
    codes = await flood(server, "/report", "receipt")
    assert codes[:3] == ["bad_receipt"] * 3
    assert set(codes[3:]) == {"pow_required"}
    page = await web.page(
        server.url + "/", viewport=PHONE, init_script=RECORD % json.dumps("#resume-send")
    )
    await page.fill("#receipt-input", receipt)
    await page.click("#resume-send")
    await expect(page.locator("#view-chat")).to_be_visible()
    await expect(page.locator("#own-report-text")).to_have_text("someone wrote on my locker")
    await expect(page.locator("#conn")).to_have_text("Connected")
    assert "Checking…" in await shown(page)
    web.assert_clean()


async def test_console_logs_in_while_the_token_budget_is_spent(web: Web, server: Server) -> None:
    """After a flood of wrong tokens spends the budget, the console logs the agent in (its
    proof solved in the worker), said "Checking…" meanwhile, and lists the incidents."""
    await receipt_of(server)
    codes = await flood(server, "/respond", "token")
    assert codes[:3] == ["bad_token"] * 3
    assert set(codes[3:]) == {"pow_required"}
    page = await web.page(server.url + "/console", init_script=RECORD % json.dumps("#login-send"))
    await browser.login(page, server.agent_token)
    await expect(page.locator("#incidents button")).to_have_count(1)
    await expect(page.locator("#conn")).to_have_text("Connected")
    assert "Checking…" in await shown(page)
    web.assert_clean()
