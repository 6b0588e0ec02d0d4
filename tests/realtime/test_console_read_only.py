"""A case read from the record (it left the live window, or retention purged it) is read-only:
the responders' wire says so (`read_only`, `read_only_reason`, no `actions`) and the console
in a real browser shows it in full with one line saying why and no control the server would
refuse; once the reporter writes and it is back in Redis, it is live again."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis
from playwright.async_api import Page, expect

from adapters import retention
from adapters.record import purge
from tests.clock import FakeClock
from tests.conftest import Peers, Server, file_report, responder, start_server, wait_for
from tests.realtime import browser

REPORT = "an older student keeps taking my lunch money behind the gym"
WINDOW_PASSED = dt.timedelta(hours=73)  # the live window is 72 h


async def resolved_case(server: Server, peers: Peers) -> dict[str, Any]:
    """A report with a message each way, claimed and resolved by an agent: its filing ack."""
    reporter, ack = await file_report(server, peers, REPORT)
    incident_id = ack["incident_id"]
    agent = await responder(server, peers, server.agent_token)
    assert (await agent.call("incident:claim", {"incident_id": incident_id}))["ok"]
    mine = await reporter.call("message:send", {"text": "it was at lunch", "client_id": "r1"})
    assert mine["ok"], mine
    reply = {"incident_id": incident_id, "text": "we are on it", "client_id": "a1"}
    assert (await agent.call("message:send", reply))["ok"]
    resolve = {"action": "resolve", "resolution": "handled_by_school", "note": "sorted"}
    done = await agent.call("incident:step", {"incident_id": incident_id, **resolve})
    assert done["ok"], done
    return ack


async def evict(
    server: Server, redis_client: aioredis.Redis, clock: FakeClock, incident_id: str
) -> None:
    """Pass the live window and wait until the evictor has taken the incident out of Redis."""
    clock.advance(WINDOW_PASSED.total_seconds())

    async def evicted() -> bool:
        return not await redis_client.exists(f"{server.prefix}:inc:{{{incident_id}}}")

    await wait_for(evicted, what="the incident gone from Redis", timeout=30)


async def write_back(server: Server, peers: Peers, receipt: str, text: str) -> int:
    """The reporter comes back with the receipt and writes: the seq of their message."""
    back = peers("/report")
    await back.connect(server.url, {"receipt": receipt})
    heard = await back.call("message:send", {"text": text, "client_id": "back-1"})
    assert heard["ok"], heard
    return int(heard["seq"])


async def test_the_case_api_says_read_only_while_the_case_is_read_from_the_record(
    prefix: str, tmp_path: Path, peers: Peers, redis_client: aioredis.Redis
) -> None:
    """incident:join and incident:list say `read_only: false` with the state's actions on a
    live resolved case; once evicted, `read_only: true`, reason `archived` and no actions;
    once the reporter has written on it (back in Redis, reopened), live again with `claim`."""
    clock = FakeClock(dt.datetime.now(dt.UTC).replace(microsecond=0))
    async with start_server(prefix, tmp_path, clock=clock, sweep_interval_s=0.05) as server:
        ack = await resolved_case(server, peers)
        incident_id = ack["incident_id"]
        agent = await responder(server, peers, server.agent_token)
        live = (await agent.call("incident:join", {"incident_id": incident_id}))["incident"]
        assert live["read_only"] is False
        assert "read_only_reason" not in live
        assert "reopen" in live["actions"]["others"], live["actions"]

        await evict(server, redis_client, clock, incident_id)
        kept = await agent.call("incident:join", {"incident_id": incident_id})
        assert kept["ok"], kept
        assert kept["incident"]["read_only"] is True
        assert kept["incident"]["read_only_reason"] == "archived"
        assert kept["incident"]["actions"] == {"holder": [], "others": []}
        assert kept["incident"]["text"] == REPORT
        listed = await agent.call("incident:list", {"status": "resolved"})
        [row] = listed["incidents"]
        assert (row["incident_id"], row["read_only"], row["read_only_reason"]) == (
            incident_id,
            True,
            "archived",
        )
        admin = await responder(server, peers, server.admin_token)
        seen = await admin.call("incident:join", {"incident_id": incident_id})
        assert seen["incident"]["read_only"] is True

        await write_back(server, peers, ack["receipt"], "it is happening again")
        back = await agent.call("incident:join", {"incident_id": incident_id})
        assert back["incident"]["status"] == "open"
        assert back["incident"]["read_only"] is False
        assert "read_only_reason" not in back["incident"]
        assert "claim" in back["incident"]["actions"]["others"], back["incident"]["actions"]


async def expect_controls(page: Page) -> None:
    """The reply box and the step buttons are on screen, and no read-only line."""
    await expect(page.locator("#read-only")).to_be_hidden()
    await expect(page.locator("#chat-form")).to_be_visible()
    await expect(page.locator("#steps [data-step]:visible")).to_have_count(8)


async def expect_read_only(page: Page, line: str) -> None:
    """`line` says why, and no control shows: no reply box, claim, reopen or step button."""
    read_only = page.locator("#read-only")
    await expect(read_only).to_be_visible()
    await expect(read_only).to_contain_text("Closed on ")
    await expect(read_only).to_contain_text(line)
    for hidden in ("#chat-form", "#canned", "#reopen", "#claim", "#take-over"):
        await expect(page.locator(hidden)).to_be_hidden()
    await expect(page.locator("#steps [data-step]:visible")).to_have_count(0)
    await expect(page.locator("#steps button:visible")).to_have_count(0)


async def test_an_evicted_case_shows_read_only_in_full_until_the_reporter_writes(
    prefix: str, tmp_path: Path, peers: Peers, redis_client: aioredis.Redis
) -> None:
    """In the console a live resolved case shows Reopen, the reply box and the steps; evicted
    and opened again, it shows its report, chat and trail with "Closed on ...; kept in the
    record, read-only" and none of those controls, its row in the list marked "read-only";
    when the reporter writes, the page shows their message and the controls again (Claim)
    from the live case's update, and the mark goes."""
    clock = FakeClock(dt.datetime.now(dt.UTC).replace(microsecond=0))
    async with start_server(prefix, tmp_path, clock=clock, sweep_interval_s=0.05) as server:
        ack = await resolved_case(server, peers)
        incident_id = ack["incident_id"]
        async with browser.chromium() as web:
            page = await web.page(server.url + "/console")
            await browser.login(page, server.agent_token)
            await page.select_option("#filter-status", "resolved")
            await browser.open_only_incident(page)
            await expect(page.locator("#reopen")).to_be_visible()
            await expect_controls(page)
            steps = await page.locator("#timeline li").count()

            record_badge = page.locator("#incidents .badge--record")
            await expect(record_badge).to_have_count(0)
            await evict(server, redis_client, clock, incident_id)
            await page.locator("#incidents button").first.click()
            await expect_read_only(page, "; kept in the record, read-only")
            await expect(record_badge).to_have_text("read-only")
            await expect(page.locator("#detail-text")).to_have_text(REPORT)
            await expect(page.locator("#timeline li")).to_have_count(steps)
            await expect(page.locator("#timeline")).to_contain_text("sorted")
            chat = page.locator("#chat .msg__text")
            await expect(chat.filter(has_text="it was at lunch")).to_have_count(1)
            await expect(chat.filter(has_text="we are on it")).to_have_count(1)

            await write_back(server, peers, ack["receipt"], "it is happening again")
            await expect(chat.filter(has_text="it is happening again")).to_have_count(1)
            await expect(page.locator("#claim")).to_be_visible()
            await expect_controls(page)
            await expect(record_badge).to_have_count(0)
            web.assert_clean()


async def test_a_purged_case_shows_the_purge_line_and_is_read_only(
    prefix: str, tmp_path: Path, peers: Peers, redis_client: aioredis.Redis
) -> None:
    """Evicted and purged: its wire says `read_only_reason: purged`, and the console shows
    the purge sentence for the report, "Closed on ...; purged under the retention policy,
    read-only" and no reply box, Reopen or step button, with its trail; its row in the list
    is marked "purged, read-only"."""
    clock = FakeClock(dt.datetime.now(dt.UTC).replace(microsecond=0))
    async with start_server(
        prefix, tmp_path, clock=clock, sweep_interval_s=0.05, retention_days=4
    ) as server:
        ack = await resolved_case(server, peers)
        incident_id = ack["incident_id"]
        await evict(server, redis_client, clock, incident_id)
        clock.advance(2 * 24 * 3600)
        database = server.running.database
        assert database is not None
        job = retention.Purger(
            database.pool, redis_client, prefix=prefix, periods=purge.Periods(4), clock=clock
        )
        assert (await job.purge())["DEMO"].incidents == 1
        agent = await responder(server, peers, server.agent_token)
        shown = (await agent.call("incident:join", {"incident_id": incident_id}))["incident"]
        assert (shown["read_only"], shown["read_only_reason"]) == (True, "purged")
        assert shown["actions"] == {"holder": [], "others": []}

        async with browser.chromium() as web:
            page = await web.page(server.url + "/console")
            await browser.login(page, server.agent_token)
            await page.select_option("#filter-status", "resolved")
            await expect(page.locator("#incidents .badge--record")).to_have_text(
                "purged, read-only"
            )
            await browser.open_only_incident(page)
            await expect(page.locator("#detail-text")).to_contain_text(
                "Purged under the retention policy"
            )
            await expect_read_only(page, "; purged under the retention policy, read-only")
            await expect(page.locator("#timeline li")).to_have_count(len(shown["escalation"]))
            web.assert_clean()
