"""The reporter page and the console in a real browser, against the real server and Redis.

Two browser contexts at once play the reporter (a phone) and an agent (a desktop).
"""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.conftest import Server
from tests.realtime import browser
from tests.realtime.browser import PHONE, Web

EMERGENCY = "A boy said he will bring a gun to school tomorrow and shoot people."
XSS = "<img src=x onerror=alert(1)> <script>alert(2)</script>"


async def reporter_and_agent(web: Web, server: Server, text: str) -> tuple[Page, Page, str]:
    """An agent logged in first, then a reporter files `text`; the agent opens and claims it."""
    agent = await web.page(server.url + "/console")
    await browser.login(agent, server.agent_token)
    reporter = await web.page(server.url + "/", viewport=PHONE)
    receipt = await browser.file_report(reporter, text)
    await browser.open_only_incident(agent)
    await agent.click("#claim")
    await expect(agent.locator("#claim")).to_be_hidden()
    await expect(reporter.locator(".msg--system")).to_have_count(1)
    return reporter, agent, receipt


async def test_report_appears_live_and_both_sides_chat(web: Web, tipline_server: Server) -> None:
    """A new report shows up in an open console without a reload; claim; messages both ways."""
    agent = await web.page(tipline_server.url + "/console")
    await browser.login(agent, tipline_server.agent_token)
    await expect(agent.locator("#incidents button")).to_have_count(0)
    await agent.evaluate("window.notReloaded = true")
    reporter = await web.page(tipline_server.url + "/", viewport=PHONE)
    await browser.file_report(reporter, EMERGENCY)

    await browser.open_only_incident(agent)
    assert await agent.evaluate("window.notReloaded") is True
    await expect(agent.locator("#alarm")).to_be_visible()
    await expect(agent.locator("#detail-text")).to_have_text(EMERGENCY)
    await expect(agent.locator("#detail-heading .badge--emergency")).to_be_visible()
    await agent.click("#claim")
    await expect(agent.locator("#detail-claimed")).to_contain_text("Claimed by")
    await expect(reporter.locator(".msg--system")).to_have_count(1)

    await browser.say(agent, "I am here with you. Where are you now?")
    await expect(reporter.locator(".msg--other .msg__text")).to_have_text(
        "I am here with you. Where are you now?"
    )
    await browser.say(reporter, "In the library, second floor.")
    await expect(agent.locator(".msg--other .msg__text")).to_have_text(
        "In the library, second floor."
    )
    web.assert_clean()


async def test_offline_reporter_gets_every_message_once(web: Web, tipline_server: Server) -> None:
    """Offline, the reporter queues; back online it catches up by seq with no gap or double."""
    reporter, agent, _ = await reporter_and_agent(web, tipline_server, EMERGENCY)
    await browser.say(agent, "first, before the drop")
    await expect(reporter.locator(".msg--other")).to_have_count(1)

    await reporter.context.set_offline(True)
    await expect(reporter.locator("#conn")).to_have_attribute("data-state", "offline")
    await reporter.fill("#chat-input", "typed while offline")
    await reporter.click("#chat-send")
    await expect(reporter.locator(".msg--own")).to_have_attribute("data-state", "queued")
    away = [f"while you were away {n}" for n in range(1, 4)]
    for text in away:
        await browser.say(agent, text)

    await reporter.context.set_offline(False)
    await expect(reporter.locator(".msg--own")).to_have_attribute("data-state", "delivered")
    await expect(agent.locator(".msg--other .msg__text")).to_have_text(["typed while offline"])
    # A message after the catch-up is the sync point: anything doubled would show by then.
    await browser.say(agent, "after the drop")
    await expect(reporter.locator(".msg--other", has_text="after the drop")).to_have_count(1)
    expected = ["first, before the drop", *away, "typed while offline", "after the drop"]
    shown = [t for t in await browser.texts(reporter) if t in expected]
    assert sorted(shown) == sorted(expected)
    assert shown[:4] == expected[:4]
    web.assert_clean()


async def test_reporter_resumes_with_receipt_in_a_new_tab(web: Web, tipline_server: Server) -> None:
    """Closing the page and coming back with the receipt shows the whole conversation."""
    reporter, agent, receipt = await reporter_and_agent(web, tipline_server, EMERGENCY)
    await browser.say(agent, "Can you tell me his name?")
    await browser.say(reporter, "I don't know it.")
    before = await browser.texts(reporter)
    await reporter.context.close()

    again = await web.page(tipline_server.url + "/", viewport=PHONE)
    await again.fill("#receipt-input", "WRONG-RECEIPT")
    await again.click("#resume-send")
    await expect(again.locator("#resume-error")).not_to_be_empty()
    await again.fill("#receipt-input", receipt)
    await again.click("#resume-send")
    await expect(again.locator("#view-chat")).to_be_visible()
    await expect(again.locator("#chat .msg")).to_have_count(len(before))
    assert await browser.texts(again) == before
    await browser.say(again, "I'm back.")
    await expect(agent.locator(".msg--other .msg__text")).to_have_text(
        ["I don't know it.", "I'm back."]
    )
    web.assert_clean()


async def test_markup_in_reports_and_messages_is_shown_as_text(
    web: Web, tipline_server: Server
) -> None:
    """`<img onerror>` and `<script>` in a report and in chat are text on both pages."""
    reporter, agent, _ = await reporter_and_agent(web, tipline_server, XSS)
    await expect(agent.locator("#detail-text")).to_have_text(XSS)
    await browser.say(reporter, XSS)
    await browser.say(agent, XSS + " reply")
    await expect(agent.locator(".msg--other .msg__text")).to_have_text(XSS)
    await expect(reporter.locator(".msg--other .msg__text")).to_have_text(XSS + " reply")
    for page in (reporter, agent):
        assert await page.locator("main img, main script").count() == 0
    # An <img src=x> that had been parsed would have requested /x.
    assert not [u for u in web.urls if u.rstrip("/").endswith("/x")]
    web.assert_clean()


async def test_admin_sees_only_their_school(web: Web, tipline_server: Server) -> None:
    """A DEMO admin sees a DEMO report live; the admin of another school never does."""
    admin = await web.page(tipline_server.url + "/console")
    await browser.login(admin, tipline_server.admin_token)
    other = await web.page(tipline_server.url + "/console")
    await browser.login(other, tipline_server.other_admin_token)
    reporter = await web.page(tipline_server.url + "/", viewport=PHONE)
    await browser.file_report(reporter, "Someone keeps taking my lunch money.")
    await expect(admin.locator("#incidents button")).to_have_count(1)
    # A fresh `incident:list` (the status filter asks the server again) is the sync point.
    loaded = other.locator("#incidents[data-loads='2']")
    await other.select_option("#filter-status", "all")
    await expect(loaded).to_be_attached()
    assert await other.locator("#incidents button").count() == 0
    web.assert_clean()


async def test_offline_agent_catches_up_on_reconnect(web: Web, tipline_server: Server) -> None:
    """The console, back online, rejoins and shows what the reporter wrote meanwhile, once."""
    reporter, agent, _ = await reporter_and_agent(web, tipline_server, EMERGENCY)
    await agent.context.set_offline(True)
    await expect(agent.locator("#conn")).to_have_text(
        "Offline. Your messages will be sent when the connection is back."
    )
    await agent.fill("#chat-input", "agent typed offline")
    await agent.click("#chat-send")
    written = ["one while the agent was away", "two while the agent was away"]
    for text in written:
        await browser.say(reporter, text)
    await agent.context.set_offline(False)
    await expect(agent.locator("#conn")).to_have_text("Connected")
    await expect(agent.locator(".msg--own")).to_have_attribute("data-state", "delivered")
    await expect(reporter.locator(".msg--other .msg__text")).to_have_text(["agent typed offline"])
    await browser.say(reporter, "three after")
    await expect(agent.locator(".msg--other .msg__text")).to_have_text([*written, "three after"])
    web.assert_clean()
