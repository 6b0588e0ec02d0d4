"""Issue #15, the pages as people use them, in real Chromium: the student's phone (first
screen, Enter to send, dates, the receipt) and the agent's one screen (the step panel in
view, a confirmation after each step, search, report snippets, canned replies)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.async_api import Page, ViewportSize, expect

from tests.conftest import Server
from tests.realtime import browser
from tests.realtime.browser import Web

PHONE: ViewportSize = {"width": 390, "height": 844}
LAPTOP: ViewportSize = {"width": 1366, "height": 768}
WIDE: ViewportSize = {"width": 1920, "height": 1080}
EMERGENCY = "A boy said he will bring a gun to school tomorrow and shoot people."
ROUTINE = "Kids are vaping in the bathroom every lunch break."
# The box of a selector against the viewport: (top, bottom, viewport height).
BOX_JS = """
(selector) => {
  const box = document.querySelector(selector).getBoundingClientRect();
  return [box.top, box.bottom, window.innerHeight];
}
"""


async def in_view(page: Page, selector: str) -> bool:
    top, bottom, height = await page.evaluate(BOX_JS, selector)
    return bool(top >= 0 and bottom <= height)


async def agent_on(web: Web, server: Server, viewport: ViewportSize = LAPTOP) -> Page:
    page = await web.page(server.url + "/console", viewport=viewport)
    await browser.login(page, server.agent_token)
    return page


async def test_phone_shows_send_and_check_my_report_in_the_first_screen(
    web: Web, tipline_server: Server
) -> None:
    """At 390x844 the banner is one short line, Send report and Check my report need no scroll."""
    page = await web.page(tipline_server.url + "/", viewport=PHONE)
    top, bottom, height = await page.evaluate(BOX_JS, "#danger")
    assert bottom - top < 0.12 * height
    await expect(page.locator("#danger a[href='tel:911']")).to_be_visible()
    await expect(page.locator("#danger a[href='tel:988']").first).to_be_visible()
    assert await page.evaluate("window.scrollY") == 0
    assert await in_view(page, "#file-send")
    assert await in_view(page, "#check-link")
    await page.click("#danger-toggle")
    await expect(page.locator("#danger-more")).to_contain_text("Suicide & Crisis Lifeline")
    await expect(page.locator("#danger-toggle")).to_have_attribute("aria-expanded", "true")
    await page.click("#danger-toggle")
    await expect(page.locator("#danger-more")).to_be_hidden()
    await page.click("#check-link")
    await expect(page.locator("#receipt-input")).to_be_focused()
    web.assert_clean()


async def test_receipt_never_breaks_inside_a_group_and_says_what_happens_next(
    web: Web, tipline_server: Server
) -> None:
    """On a phone the receipt wraps between groups of four only; after an emergency report
    the page says responders are alerted now and names 911."""
    page = await web.page(tipline_server.url + "/", viewport=PHONE)
    await page.fill("#org-code", "DEMO")
    await page.fill("#report-text", EMERGENCY)
    await page.click("#file-send")
    groups = page.locator("#receipt-value .receipt__group")
    await expect(groups).to_have_count(6)
    lines = await groups.evaluate_all("(nodes) => nodes.map((n) => n.getClientRects().length)")
    assert lines == [1] * 6
    receipt = await page.locator("#receipt-value").text_content()
    assert re.fullmatch(r"(?:[A-Z0-9]{4}-){5}[A-Z0-9]{4}", receipt or "")
    await expect(page.locator("#receipt-next")).to_contain_text("marked as an emergency")
    await expect(page.locator("#receipt-next")).to_contain_text("call 911")
    await page.click("#receipt-done")
    await expect(page.locator("#chat-next")).to_contain_text("Responders are being alerted")
    web.assert_clean()


async def test_enter_sends_and_shift_enter_makes_a_new_line(
    web: Web, tipline_server: Server
) -> None:
    """In the report box, the chat box and the console's reply box Enter sends and
    Shift+Enter starts a new line."""
    agent = await agent_on(web, tipline_server)
    page = await web.page(tipline_server.url + "/", viewport=PHONE)
    await page.fill("#org-code", "DEMO")
    await page.click("#report-text")
    await page.keyboard.type("It was at the bus stop.")
    await page.keyboard.press("Shift+Enter")
    await page.keyboard.type("Every morning.")
    assert await page.input_value("#report-text") == "It was at the bus stop.\nEvery morning."
    await page.keyboard.press("Enter")
    await expect(page.locator("#receipt-value")).not_to_be_empty()
    await page.click("#receipt-done")
    await page.click("#chat-input")
    await page.keyboard.type("Two boys.")
    await page.keyboard.press("Shift+Enter")
    await page.keyboard.type("Both in 8th grade.")
    await page.keyboard.press("Enter")
    own = page.locator(".msg--own")
    await expect(own).to_have_attribute("data-state", "delivered")
    await expect(own.locator(".msg__text")).to_have_text("Two boys.\nBoth in 8th grade.")
    await expect(page.locator("#chat-input")).to_have_value("")

    await browser.open_only_incident(agent)
    await expect(agent.locator("#detail-text")).to_have_text(
        "It was at the bus stop.\nEvery morning."
    )
    await agent.click("#chat-input")
    await agent.keyboard.type("Thank you.")
    await agent.keyboard.press("Enter")
    await expect(page.locator(".msg--other .msg__text")).to_have_text("Thank you.")
    web.assert_clean()


@pytest.mark.parametrize("viewport", [LAPTOP, WIDE], ids=["1366x768", "1920x1080"])
async def test_step_panel_stays_in_view_while_the_chat_scrolls(
    web: Web, tipline_server: Server, viewport: ViewportSize
) -> None:
    """With a long chat scrolled to its end (and the page too), the outcome buttons, the
    note and the current contact are on screen; the timeline sits above the chat."""
    agent = await agent_on(web, tipline_server, viewport)
    reporter = await web.page(tipline_server.url + "/", viewport=PHONE)
    await browser.file_report(reporter, EMERGENCY)
    await browser.open_only_incident(agent)
    await agent.click("#claim")
    for n in range(14):
        await browser.say(reporter, f"Detail number {n}: he showed it to two people in the hall.")
    await expect(agent.locator(".msg--other")).to_have_count(14)
    assert await agent.evaluate("document.querySelector('#chat').scrollHeight > 400")
    timeline_top, _, _ = await agent.evaluate(BOX_JS, "#timeline")
    chat_top, _, _ = await agent.evaluate(BOX_JS, "#chat")
    assert timeline_top < chat_top
    assert timeline_top < viewport["height"]
    await agent.evaluate("document.querySelector('#chat').scrollTop = 1e6")
    await agent.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    for selector in (
        "[data-outcome=reached]",
        "[data-outcome=wrong_number]",
        "#step-note",
        "#standing",
    ):
        assert await in_view(agent, selector), selector
    await expect(agent.locator("[data-outcome=no_answer]")).to_be_enabled()
    web.assert_clean()


async def test_each_step_is_confirmed_in_a_status_line(web: Web, tipline_server: Server) -> None:
    """After the claim and after a call outcome with a note a polite status line says what
    was recorded; opening another incident clears it."""
    agent = await agent_on(web, tipline_server)
    reporter = await web.page(tipline_server.url + "/", viewport=PHONE)
    await browser.file_report(reporter, EMERGENCY)
    await browser.open_only_incident(agent)
    status = agent.locator("#step-status")
    await expect(status).to_have_attribute("aria-live", "polite")
    await expect(status).to_be_empty()
    await agent.click("#claim")
    await expect(status).to_contain_text("Recorded")
    await expect(status).to_contain_text("Claimed")
    await agent.fill("#step-note", "Left a message.")
    await agent.click("[data-outcome=voicemail]")
    await expect(status).to_contain_text("Contact outcome · Voicemail · with note")
    await expect(agent.locator("#step-note")).to_have_value("")
    await agent.select_option("#lang", "es")
    await expect(status).to_contain_text("Registrado")
    web.assert_clean()


async def test_search_filters_the_list_and_rows_show_snippet_and_wait(
    web: Web, tipline_server: Server
) -> None:
    """Rows show the report's words and how long it waits unclaimed; the search box narrows
    by words of the report, by incident id and by school."""
    agent = await agent_on(web, tipline_server)
    for text in (EMERGENCY, ROUTINE):
        await browser.file_report(await web.page(tipline_server.url + "/", viewport=PHONE), text)
    rows = agent.locator("#incidents button")
    await expect(rows).to_have_count(2)
    await expect(rows.locator(".snippet")).to_have_text([EMERGENCY, ROUTINE])
    await expect(rows.locator(".wait")).to_have_text(["Unclaimed, just in"] * 2)
    routine_id = await rows.nth(1).get_attribute("data-incident")
    assert routine_id

    await agent.fill("#search", "VAPING bathroom")
    await expect(rows).to_have_count(1)
    await expect(rows.locator(".snippet")).to_have_text(ROUTINE)
    await agent.fill("#search", routine_id[-6:].lower())
    await expect(rows).to_have_attribute("data-incident", routine_id)
    await agent.fill("#search", "demo high")
    await expect(rows).to_have_count(2)
    await agent.fill("#search", "nothing like this")
    await expect(rows).to_have_count(0)
    await expect(agent.locator("#incidents-empty")).to_be_visible()
    await agent.fill("#search", "")
    await expect(rows).to_have_count(2)
    await rows.nth(0).click()
    await agent.click("#claim")
    await expect(rows.nth(0).locator(".wait")).to_have_count(0)
    await expect(rows.nth(1).locator(".wait")).to_have_count(1)
    web.assert_clean()


async def test_waiting_time_counts_minutes_since_the_report(
    web: Web, tipline_server: Server
) -> None:
    """A console whose clock reads 7 minutes after the report says "Unclaimed for 7 min"."""
    reporter = await web.page(tipline_server.url + "/", viewport=PHONE)
    await browser.file_report(reporter, ROUTINE)
    context = await web.browser.new_context(viewport=LAPTOP)
    context.on("request", lambda request: web.urls.append(request.url))
    agent = await context.new_page()
    web.watch(agent)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=7, seconds=20)
    await agent.clock.set_fixed_time(later)
    await agent.goto(tipline_server.url + "/console")
    await browser.login(agent, tipline_server.agent_token)
    await expect(agent.locator("#incidents .wait")).to_have_text("Unclaimed for 7 min")
    web.assert_clean()


async def test_canned_reply_fills_the_box_and_sends_nothing(
    web: Web, tipline_server: Server
) -> None:
    """One click puts a canned reply in the reply box; nothing is sent until Send; the
    replies follow the language (the reporter's when known, else the console's)."""
    agent = await agent_on(web, tipline_server)
    reporter = await web.page(tipline_server.url + "/", viewport=PHONE)
    await browser.file_report(reporter, ROUTINE)
    await browser.open_only_incident(agent)
    thanks = agent.locator("[data-canned='console.canned.thanks']")
    await expect(agent.locator("#canned button")).to_have_count(3)
    await thanks.click()
    await expect(agent.locator("#chat-input")).to_have_value(
        "Thank you for telling us. You did the right thing."
    )
    await expect(agent.locator("#chat-input")).to_be_focused()
    await agent.click("[data-canned='console.canned.safe']")
    await expect(agent.locator("#chat-input")).to_have_value(
        "Thank you for telling us. You did the right thing. Are you safe right now?"
    )
    await expect(agent.locator("#chat .msg")).to_have_count(0)
    await expect(reporter.locator("#chat .msg")).to_have_count(0)
    await agent.click("#chat-send")
    await expect(reporter.locator(".msg--other .msg__text")).to_have_text(
        "Thank you for telling us. You did the right thing. Are you safe right now?"
    )
    await agent.select_option("#lang", "es")
    await expect(thanks).to_have_text("Gracias por contárnoslo. Hiciste lo correcto.")
    web.assert_clean()


# Today's messages read as a time; older ones with their day (en-US, the context's locale).
FORMAT_JS = """
([selector, dated]) => {
  const node = document.querySelector(selector);
  const options = { hour: "2-digit", minute: "2-digit" };
  if (dated) Object.assign(options, { month: "short", day: "numeric" });
  const expected = new Intl.DateTimeFormat("en-US", options).format(new Date(node.dateTime));
  return [node.textContent, expected];
}
"""


async def test_messages_show_the_time_today_and_the_date_before(
    web: Web, tipline_server: Server
) -> None:
    """A message from today shows its time only; read three days later, its date and time."""
    reporter = await web.page(tipline_server.url + "/", viewport=PHONE)
    receipt = await browser.file_report(reporter, ROUTINE)
    await browser.say(reporter, "It happened again today.")
    shown, today = await reporter.evaluate(FORMAT_JS, [".msg--own time", False])
    assert shown == today
    assert not re.search(r"[A-Z][a-z]{2} \d", shown)

    context = await web.browser.new_context(viewport=PHONE, locale="en-US")
    context.on("request", lambda request: web.urls.append(request.url))
    later = await context.new_page()
    web.watch(later)
    await later.clock.set_fixed_time(dt.datetime.now(dt.UTC) + dt.timedelta(days=3))
    await later.goto(tipline_server.url + "/")
    await expect(later.locator("body[data-ready=true]")).to_be_attached()
    await later.fill("#receipt-input", receipt)
    await later.click("#resume-send")
    await expect(later.locator(".msg--own .msg__text")).to_have_text("It happened again today.")
    shown, dated = await later.evaluate(FORMAT_JS, [".msg--own time", True])
    assert shown == dated
    assert shown != today
    web.assert_clean()


async def test_on_a_touch_phone_enter_starts_a_new_line_and_send_sends(
    web: Web, tipline_server: Server
) -> None:
    """A phone's on-screen keyboard has no Shift: there Enter never sends a half-written
    report, it starts a new line, the "Enter sends" hint is hidden, and Send sends."""
    page = await web.page(tipline_server.url + "/", viewport=PHONE, touch=True)
    await page.fill("#org-code", "DEMO")
    await page.tap("#report-text")
    await page.keyboard.type("It was at the bus stop.")
    await page.keyboard.press("Enter")
    await page.keyboard.type("Every morning.")
    assert await page.input_value("#report-text") == "It was at the bus stop.\nEvery morning."
    await expect(page.locator("#report-text-help .enter-help")).to_be_hidden()
    await expect(page.locator("#receipt-value")).to_be_empty()
    await page.tap("#file-send")
    await expect(page.locator("#receipt-value")).not_to_be_empty()
    web.assert_clean()
