"""The console in a real browser: escalation steps, phone reports, ordering, filters, unread."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.conftest import Server
from tests.realtime import browser
from tests.realtime.browser import PHONE, Web

EMERGENCY = "Someone has a knife in the locker room right now."
ROUTINE = "Kids are vaping in the bathroom every lunch break."
# Headless Chromium shows no notification and has no speaker: record what the page asks of
# them instead. Only the browser's own Notification and oscillator are replaced.
ALARM_SPY = """
window.notes = [];
window.tones = 0;
window.Notification = class {
  static permission = "granted";
  static requestPermission() { return Promise.resolve("granted"); }
  constructor(title, options) { window.notes.push({ title, body: options.body }); }
};
const createOscillator = AudioContext.prototype.createOscillator;
AudioContext.prototype.createOscillator = function () {
  window.tones += 1;
  return createOscillator.call(this);
};
"""


async def console(web: Web, server: Server) -> Page:
    page = await web.page(server.url + "/console")
    await browser.login(page, server.agent_token)
    return page


async def step(page: Page, selector: str, timeline_entries: int) -> None:
    """Click a step button and wait for the timeline to grow to `timeline_entries`."""
    await page.click(selector)
    await expect(page.locator("#timeline li")).to_have_count(timeline_entries)
    await expect(page.locator("#detail-error")).to_be_empty()


async def test_escalation_steps_from_the_console(web: Web, tipline_server: Server) -> None:
    """Claim, call outcomes, next contact, law enforcement, urgency and resolve, with tel: links."""
    agent = await console(web, tipline_server)
    reporter = await web.page(tipline_server.url + "/", viewport=PHONE)
    await browser.file_report(reporter, EMERGENCY)
    await browser.open_only_incident(agent)
    assert await agent.locator("[data-step]:not([disabled])").count() == 0
    await expect(agent.locator("#contacts a[href^='tel:']").first).to_be_visible()
    await expect(agent.locator("#le-contact a[href^='tel:']")).to_have_count(1)

    await agent.click("#claim")
    await expect(agent.locator("#timeline li")).to_have_count(2)
    first = agent.locator("#contacts li").nth(0)
    await expect(first).to_have_attribute("aria-current", "step")
    # A no answer is followed by the engine's offer of the next contact (two lines).
    await step(agent, "[data-outcome=no_answer]", 4)
    await expect(agent.locator("#timeline li").nth(2)).to_contain_text("No answer")
    await step(agent, "[data-step=next_contact]", 5)
    await expect(agent.locator("#contacts li").nth(1)).to_have_attribute("aria-current", "step")
    await step(agent, "[data-step=law_enforcement]", 6)
    await agent.select_option("#step-urgency", "urgent")
    await step(agent, "[data-step=set_urgency]", 7)
    await expect(agent.locator("#detail-heading .badge--urgent")).to_be_visible()

    await agent.select_option("#step-resolution", "handled_by_school")
    await agent.fill("#step-note", "Knife taken by the resource officer.")
    await step(agent, "[data-step=resolve]", 8)
    await expect(agent.locator("#timeline li").nth(7)).to_contain_text("resource officer")
    await expect(agent.locator("[data-step=resolve]")).to_be_disabled()
    # The list shows open incidents by default: the resolved one leaves it.
    await expect(agent.locator("#incidents button")).to_have_count(0)
    await agent.select_option("#filter-status", "resolved")
    await expect(agent.locator("#incidents button")).to_have_count(1)
    web.assert_clean()


async def test_refused_step_is_explained(web: Web, tipline_server: Server) -> None:
    """A step the incident's state refuses shows a sentence, and changes nothing."""
    agent = await console(web, tipline_server)
    reporter = await web.page(tipline_server.url + "/", viewport=PHONE)
    await browser.file_report(reporter, EMERGENCY)
    await browser.open_only_incident(agent)
    await agent.click("#claim")
    await expect(agent.locator("#timeline li")).to_have_count(2)
    contacts = await agent.locator("#contacts li").count()
    for n in range(1, contacts):
        await step(agent, "[data-step=next_contact]", 2 + n)
    await agent.click("[data-step=next_contact]")
    await expect(agent.locator("#detail-error")).to_have_text(
        "That step is not possible in the incident's current state."
    )
    await expect(agent.locator("#timeline li")).to_have_count(1 + contacts)
    web.assert_clean()


async def test_phone_report_filed_for_a_caller(web: Web, tipline_server: Server) -> None:
    """An agent files a caller's report; it opens in the console as a phone report."""
    agent = await console(web, tipline_server)
    await agent.click("#phone-open")
    await agent.fill("#phone-code", "NOPE")
    await agent.fill("#phone-text", ROUTINE)
    await agent.click("#phone-send")
    await expect(agent.locator("#phone-error")).not_to_be_empty()
    await agent.fill("#phone-code", "DEMO")
    await agent.select_option("#phone-category", "substance")
    await agent.click("#phone-send")
    await expect(agent.locator("#detail-text")).to_have_text(ROUTINE)
    await expect(agent.locator("#detail-heading")).to_contain_text("Phone")
    await expect(agent.locator("#phone-form")).to_be_hidden()
    await expect(agent.locator("#incidents button")).to_have_count(1)
    web.assert_clean()


async def test_list_order_filters_and_unread(web: Web, tipline_server: Server) -> None:
    """Emergencies come first; the urgency filter narrows; reporter messages count as unread."""
    agent = await console(web, tipline_server)
    routine = await web.page(tipline_server.url + "/", viewport=PHONE)
    await browser.file_report(routine, ROUTINE)
    urgent = await web.page(tipline_server.url + "/", viewport=PHONE)
    await browser.file_report(urgent, EMERGENCY)
    items = agent.locator("#incidents button")
    await expect(items).to_have_count(2)
    await expect(items.nth(0).locator(".badge--emergency")).to_be_visible()
    await agent.select_option("#filter-urgency", "emergency")
    await expect(items).to_have_count(1)
    await agent.select_option("#filter-urgency", "")
    await expect(items).to_have_count(2)

    await items.nth(1).click()
    await expect(agent.locator("#detail-text")).to_have_text(ROUTINE)
    await items.nth(0).click()
    await expect(agent.locator("#detail-text")).to_have_text(EMERGENCY)
    # The routine incident was joined, so its reporter's messages reach this console.
    await browser.say(routine, "It happens at 12:15.")
    unread = agent.locator("#incidents .badge--unread")
    await expect(unread).to_have_text("1 unread")
    await items.nth(1).click()
    await expect(unread).to_have_count(0)
    await expect(agent.locator(".msg--other .msg__text")).to_have_text(["It happens at 12:15."])
    web.assert_clean()


async def test_new_emergency_sounds_and_notifies(web: Web, tipline_server: Server) -> None:
    """A new emergency plays a sound, shows a browser notification and a line on the page."""
    agent = await web.page(tipline_server.url + "/console", init_script=ALARM_SPY)
    await browser.login(agent, tipline_server.agent_token)
    assert await agent.evaluate("window.notes") == []
    reporter = await web.page(tipline_server.url + "/", viewport=PHONE)
    await browser.file_report(reporter, EMERGENCY)
    await expect(agent.locator("#alarm")).to_contain_text("Emergency")
    incident_id = await agent.locator("#incidents button").first.get_attribute("data-incident")
    assert incident_id
    notes = await agent.evaluate("window.notes")
    assert len(notes) == 1
    assert notes[0]["title"] == "Tipline: needs attention now"
    assert incident_id in notes[0]["body"]
    assert EMERGENCY not in notes[0]["body"]
    assert await agent.evaluate("window.tones") == 3
    web.assert_clean()
