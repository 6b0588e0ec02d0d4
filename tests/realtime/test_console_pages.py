"""The console pages the incident list: an old emergency stays in view after a flood of newer
reports, and "show older" loads the next page (issue #19 item 3). Real Chromium and server."""

from __future__ import annotations

import dataclasses

from playwright.async_api import expect

from tests.adapters.test_redis_store import incident
from tests.conftest import Server
from tests.realtime import browser
from tests.realtime.browser import Web
from tipline import models


async def test_console_shows_the_old_emergency_and_loads_older_pages(
    web: Web, tipline_server: Server
) -> None:
    """After 510 newer routine reports the open emergency is listed; "show older" adds a
    page of 100, and the button goes once the list is complete."""
    store = tipline_server.running.store
    emergency = dataclasses.replace(incident(0), urgency=models.Urgency.EMERGENCY)
    await store.create(emergency, receipt_hash="e")
    for n in range(1, 511):
        routine = dataclasses.replace(incident(n), urgency=models.Urgency.ROUTINE)
        await store.create(routine, receipt_hash=f"r{n}")
    page = await web.page(tipline_server.url + "/console")
    await browser.login(page, tipline_server.agent_token)
    items = page.locator("#incidents button")
    # Lists of hundreds of items on a busy 2-core machine: wait longer than expect's 5 s.
    slow = 20_000
    await expect(page.locator('#incidents button[data-incident="TL-TEST00000"]')).to_be_visible(
        timeout=slow
    )
    await expect(items).to_have_count(101, timeout=slow)
    more = page.locator("#incidents-more")
    await more.click()
    await expect(items).to_have_count(201, timeout=slow)
    for count in (301, 401, 501, 511):
        await more.click()
        await expect(items).to_have_count(count, timeout=slow)
    await expect(more).to_be_hidden()
    web.assert_clean()
