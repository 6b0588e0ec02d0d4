"""Both pages in a real browser: languages, what is stored, keyboard, phone width, contrast,
and the scenes of the README's screenshots (benchmarks/screenshots.py writes them)."""

from __future__ import annotations

import struct
from pathlib import Path

from playwright.async_api import Page, ViewportSize, expect

from benchmarks import screenshots
from tests.conftest import Server
from tests.realtime import browser
from tests.realtime.browser import PHONE, Web

REPORT = "Two older students push a boy from my class around every day at the bus stop."
# Every element with its own text, with its contrast against the first opaque background up
# the tree (WCAG 2 relative luminance). Returns the ones under 4.5:1.
LOW_CONTRAST_JS = """
() => {
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (node) => {
    for (let n = node; n; n = n.parentElement) {
      const c = rgb(getComputedStyle(n).backgroundColor);
      if (c.length === 3 || c[3] === 1) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const low = [];
  for (const node of document.querySelectorAll("body *")) {
    const own = [...node.childNodes].some((c) => c.nodeType === 3 && c.textContent.trim());
    if (!own || !node.checkVisibility() || node.closest(":disabled")) continue;
    const style = getComputedStyle(node);
    const a = lum(rgb(style.color)), b = lum(background(node));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) low.push(`${node.tagName}.${node.className}: ${ratio.toFixed(2)}`);
  }
  return low;
}
"""
UNLABELLED_JS = """
() => [...document.querySelectorAll("input, select, textarea")]
  .filter((n) => !n.labels.length && !n.getAttribute("aria-label"))
  .map((n) => n.id)
"""


async def fits(page: Page, width: int) -> None:
    """Nothing is wider than the screen: no sideways scrolling on a phone."""
    assert await page.evaluate("document.documentElement.scrollWidth") <= width


async def test_language_follows_the_browser_and_can_be_switched(
    web: Web, tipline_server: Server
) -> None:
    """A Spanish browser gets Spanish; the switch turns the page English; 911/988 in both."""
    page = await web.page(tipline_server.url + "/", viewport=PHONE, locale="es-MX")
    assert await page.get_attribute("html", "lang") == "es"
    await expect(page.locator("h1")).to_have_text("Cuéntalo, con seguridad")
    await expect(page.locator("#danger")).to_contain_text("911")
    await expect(page.locator("#danger")).to_contain_text("988")
    await page.select_option("#lang", "en")
    await expect(page.locator("h1")).to_have_text("Tell someone, safely")
    assert await page.get_attribute("html", "lang") == "en"
    await expect(page.locator("#danger")).to_contain_text("call 911")
    await expect(page.locator("#danger")).to_contain_text("988")
    await expect(page.locator("a[href='tel:911']")).to_be_visible()
    web.assert_clean()


async def test_reporter_stores_only_the_receipt(web: Web, tipline_server: Server) -> None:
    """After filing: the receipt in sessionStorage, nothing in localStorage, no cookie."""
    page = await web.page(tipline_server.url + "/", viewport=PHONE)
    receipt = await browser.file_report(page, REPORT)
    stored = await page.evaluate("Object.entries(sessionStorage)")
    assert stored == [["tipline.receipt", receipt]]
    assert await page.evaluate("localStorage.length") == 0
    assert await page.context.cookies() == []
    # A reload resumes from that receipt alone; the receipt is not shown again.
    await browser.say(page, "It happened again today.")
    await page.reload()
    await expect(page.locator("#view-chat")).to_be_visible()
    await expect(page.locator(".msg--own .msg__text")).to_have_text(["It happened again today."])
    await expect(page.locator("#receipt-value")).to_be_empty()
    web.assert_clean()


async def test_console_keeps_the_token_for_this_tab_only(web: Web, tipline_server: Server) -> None:
    """The console keeps its token in sessionStorage only; a wrong token is refused."""
    page = await web.page(tipline_server.url + "/console")
    await page.fill("#token", "not-a-token")
    await page.click("#login-send")
    await expect(page.locator("#login-error")).to_have_text("That token was not accepted.")
    await browser.login(page, tipline_server.agent_token)
    stored = await page.evaluate("Object.keys(sessionStorage)")
    assert stored == ["tipline.console.token"]
    assert await page.evaluate("localStorage.length") == 0
    web.assert_clean()


async def test_reporter_files_with_the_keyboard_alone(web: Web, tipline_server: Server) -> None:
    """Tab, type and Enter file a report; focus then lands on the receipt's heading."""
    page = await web.page(tipline_server.url + "/", viewport=PHONE)
    assert await page.evaluate(UNLABELLED_JS) == []
    for _ in range(12):
        await page.keyboard.press("Tab")
        if await page.evaluate("document.activeElement.id") == "org-code":
            break
    await page.keyboard.type("DEMO")
    await page.keyboard.press("Tab")  # category: left as "Not sure"
    await page.keyboard.press("Tab")
    await page.keyboard.type(REPORT)
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    await expect(page.locator("#receipt-heading")).to_be_focused()
    web.assert_clean()


async def test_pages_fit_a_phone_and_read_clearly(web: Web, tipline_server: Server) -> None:
    """At 360 px nothing scrolls sideways, every field is labelled, text contrast >= 4.5:1."""
    reporter = await web.page(tipline_server.url + "/", viewport=PHONE)
    await fits(reporter, PHONE["width"])
    assert await reporter.evaluate(LOW_CONTRAST_JS) == []
    await browser.file_report(reporter, REPORT)
    await browser.say(reporter, "Are you there?")
    await fits(reporter, PHONE["width"])
    assert await reporter.evaluate(LOW_CONTRAST_JS) == []
    agent = await web.page(tipline_server.url + "/console", viewport=PHONE)
    await browser.login(agent, tipline_server.agent_token)
    await browser.open_only_incident(agent)
    await fits(agent, PHONE["width"])
    assert await agent.evaluate(UNLABELLED_JS) == []
    assert await agent.evaluate(LOW_CONTRAST_JS) == []
    web.assert_clean()


def png_size(path: Path) -> tuple[int, int]:
    width, height = struct.unpack(">II", path.read_bytes()[16:24])
    return width, height


async def test_screenshots_of_both_pages(web: Web, tipline_server: Server, tmp_path: Path) -> None:
    """The README's scenes (benchmarks/screenshots.py) run: phone 390x844, desktop 1366x768."""

    async def open_page(url: str, viewport: ViewportSize) -> Page:
        return await web.page(url, viewport=viewport)

    shots = await screenshots.scenes(
        open_page, tipline_server.url, tipline_server.agent_token, tmp_path
    )
    sizes = {path.stem: png_size(path) for path in shots}
    for name in ("reporter", "reporter-receipt", "reporter-chat", "console"):
        assert sizes[f"{name}-phone"] == (390, 844)
    for name in ("reporter", "reporter-chat", "console"):
        assert sizes[f"{name}-desktop"] == (1366, 768)
    assert sizes["console-wide"] == (1920, 1080)
    web.assert_clean()


async def test_spanish_reporter_reads_the_join_line_in_spanish(
    web: Web, tipline_server: Server
) -> None:
    """The server's "responder joined" line shows in the reporter's language."""
    reporter = await web.page(tipline_server.url + "/", viewport=PHONE, locale="es-US")
    await browser.file_report(reporter, "Un chico dice que va a traer un arma a la escuela.")
    agent = await web.page(tipline_server.url + "/console")
    await browser.login(agent, tipline_server.agent_token)
    await browser.open_only_incident(agent)
    await agent.click("#claim")  # opening says nothing; the claim says "joined"
    await expect(reporter.locator(".msg--system .msg__text")).to_have_text(
        "Una persona capacitada se ha unido a la conversación."
    )
    await expect(reporter.locator("#conn")).to_have_text("Conectado")
    web.assert_clean()
