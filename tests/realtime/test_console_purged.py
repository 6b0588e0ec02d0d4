"""The console in a real browser shows an incident purged under the retention policy: its
trail and figures, and a sentence in place of the report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import redis.asyncio as aioredis
from playwright.async_api import expect

from adapters import retention
from adapters.record import purge
from tests.clock import FakeClock
from tests.conftest import Peers, file_report, responder, start_server, wait_for
from tests.realtime import browser

REPORT = "there is a fight planned behind the gym on friday"


async def test_a_purged_incident_opens_with_its_trail_and_no_report(
    prefix: str, tmp_path: Path, peers: Peers, redis_client: aioredis.Redis
) -> None:
    """Resolved, evicted and purged: the resolved list holds it, and opened it shows
    "Purged under the retention policy" instead of the report, with its three steps."""
    clock = FakeClock(dt.datetime.now(dt.UTC).replace(microsecond=0))
    async with start_server(
        prefix, tmp_path, clock=clock, sweep_interval_s=0.05, retention_days=4
    ) as server:
        _, ack = await file_report(server, peers, REPORT)
        incident_id = ack["incident_id"]
        agent = await responder(server, peers, server.agent_token)
        assert (await agent.call("incident:claim", {"incident_id": incident_id}))["ok"]
        resolve = {"action": "resolve", "resolution": "handled_by_school", "note": "sorted"}
        assert (await agent.call("incident:step", {"incident_id": incident_id, **resolve}))["ok"]
        clock.advance(73 * 3600)

        async def evicted() -> bool:
            return not await redis_client.exists(f"{prefix}:inc:{{{incident_id}}}")

        await wait_for(evicted, what="the incident gone from Redis", timeout=30)
        clock.advance(2 * 24 * 3600)
        database = server.running.database
        assert database is not None
        job = retention.Purger(
            database.pool, redis_client, prefix=prefix, periods=purge.Periods(4), clock=clock
        )
        assert (await job.purge())["DEMO"].incidents == 1

        async with browser.chromium() as web:
            page = await web.page(server.url + "/console")
            await browser.login(page, server.agent_token)
            await page.select_option("#filter-status", "resolved")
            await browser.open_only_incident(page)
            await expect(page.locator("#detail-text")).to_have_text(
                "Purged under the retention policy: the report, its messages and notes are "
                "gone; its times, urgency, category and steps are kept."
            )
            await expect(page.locator("#timeline li")).to_have_count(3)
            await expect(page.locator("#timeline")).not_to_contain_text("sorted")
            web.assert_clean()
