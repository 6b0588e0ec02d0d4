"""Issue #19 in a real browser: the reporter page files through a flood on its access code."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from playwright.async_api import expect

from tests.conftest import Peer, Server, start_server
from tests.realtime import browser
from tests.realtime.browser import PHONE, Web
from tipline.limits import Limits

Peers = Callable[[str], Peer]
# A small open lane so that a bounded flood fills it; the proof of work is as shipped.
TIGHT = Limits(reports_per_connection=2, unproven_reports_per_school=4)
HONEST = "Someone is selling vapes in the second floor bathroom every lunch."


@pytest.fixture
async def server(
    prefix: str, tmp_path: Path, redis_client: aioredis.Redis
) -> AsyncIterator[Server]:
    async with start_server(prefix, tmp_path, limits=TIGHT) as started:
        yield started


@pytest.fixture
async def web(server: Server) -> AsyncIterator[Web]:
    async with browser.chromium() as launched:
        yield launched


async def test_page_files_a_report_during_a_flood_and_gets_a_receipt(
    web: Web, server: Server, peers: Peers
) -> None:
    """After 40 connects and proofless reports past the school's open lane, the page's
    report (its proof of work solved in a worker) gets a receipt and is stored."""
    refused = 0
    for _ in range(40):
        flooder = peers("/report")
        await flooder.connect(server.url, {"org_code": "DEMO"})
        for i in range(2):
            ack = await flooder.call("report:create", {"text": f"spam {i}"})
            refused += 0 if ack["ok"] else 1
        await flooder.close()
    assert refused == 76  # the open lane took 4 of the 80
    page = await web.page(server.url + "/", viewport=PHONE)
    receipt = await browser.file_report(page, HONEST)
    assert receipt
    agent = peers("/respond")
    await agent.connect(server.url, {"token": server.agent_token})
    listed = await agent.call("incident:list", {"status": "all"})
    assert HONEST in [i["text"] for i in listed["incidents"]]
    await expect(page.locator("#file-error")).to_be_empty()
    web.assert_clean()
