"""The chat on the reporter page when an ack comes late: a catch-up that brings the
student's own message first shows it once, delivered, never a stored copy beside an unsent
one (real Chromium, server, Redis; the ack held back on the websocket between them)."""

from __future__ import annotations

import json
import re

from playwright.async_api import Page, WebSocketRoute, expect

from tests.conftest import Peers, Server, responder, wait_for
from tests.realtime import browser
from tests.realtime.browser import PHONE, Web

REPORT = "Someone keeps taking my lunch money in the cafeteria."
OWN = "it happened again today after gym"
REPLY = "Thank you. Who was it, do you know their name?"


class AckHold:
    """Between the page and the server on the websocket: while `holding`, the server's acks
    to the page's `message:send` are kept back until `release()`."""

    def __init__(self) -> None:
        self.holding = False
        self.sends: set[str] = set()  # ack ids of the page's message:send
        self.held: list[str] = []
        self._ws: WebSocketRoute | None = None

    async def attach(self, page: Page) -> None:
        """Put the hold in and reload: only sockets of a page loaded afterwards go through
        it. The page stays on the websocket (no long-polling to route)."""
        await page.context.route_web_socket(re.compile(r".*/socket\.io/.*"), self.route)
        await page.reload()
        await expect(page.locator("body[data-ready=true]")).to_be_attached()

    async def route(self, ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        self._ws = ws

        def to_server(message: str | bytes) -> None:
            if isinstance(message, str):
                sent = re.match(r"^42/report,(\d+)(\[.*\])$", message)
                if sent and json.loads(sent.group(2))[0] == "message:send":
                    self.sends.add(sent.group(1))
            server.send(message)

        def to_page(message: str | bytes) -> None:
            if isinstance(message, str):
                ack = re.match(r"^43/report,(\d+)\[", message)
                if self.holding and ack and ack.group(1) in self.sends:
                    self.held.append(message)
                    return
            ws.send(message)

        ws.on_message(to_server)
        server.on_message(to_page)

    def release(self) -> None:
        self.holding = False
        assert self._ws is not None
        for message in self.held:
            self._ws.send(message)


async def test_catch_up_before_the_ack_shows_the_own_message_once_delivered(
    web: Web, tipline_server: Server, peers: Peers
) -> None:
    """The ack of the student's message is late; a reply arrives with a gap, the page catches
    up and gets its own message from the server first: one copy, delivered, in its place;
    the late ack then changes nothing."""
    page = await web.page(tipline_server.url + "/", viewport=PHONE)
    hold = AckHold()
    await hold.attach(page)
    await browser.file_report(page, REPORT)
    agent = await responder(tipline_server, peers, tipline_server.agent_token)
    (incident,) = (await agent.call("incident:list", {}))["incidents"]
    incident_id = incident["incident_id"]
    assert (await agent.call("incident:join", {"incident_id": incident_id}))["ok"]
    assert (await agent.call("incident:claim", {"incident_id": incident_id}))["ok"]
    await expect(page.locator(".msg--system")).to_have_count(1)  # "a responder has joined"

    hold.holding = True
    await page.fill("#chat-input", OWN)
    await page.click("#chat-send")
    own = page.locator(".msg--own", has_text=OWN)
    await expect(own).to_have_attribute("data-state", "sent")

    async def stored() -> bool:
        return any(m["from"] == "reporter" for m in agent.events.get("message", []))

    await wait_for(stored, what="the student's message reaching the agent")  # its ack is held
    (written,) = [m for m in agent.events["message"] if m["from"] == "reporter"]
    assert written["text"] == OWN

    reply = {"incident_id": incident_id, "text": REPLY, "client_id": "reply-1"}
    assert (await agent.call("message:send", reply))["ok"]
    await expect(page.locator(".msg--other", has_text=REPLY)).to_be_visible()
    assert len(hold.held) == 1
    await expect(own).to_have_count(1)
    await expect(own).to_have_attribute("data-state", "delivered")
    assert await own.get_attribute("data-seq") == str(written["seq"])
    assert await browser.texts(page) == [
        "A trained responder has joined the conversation.",
        OWN,
        REPLY,
    ]

    hold.release()
    # Written after the late ack went through: it is acked as usual, and nothing doubled.
    await browser.say(page, "his name is on the list")
    await expect(own).to_have_count(1)
    await expect(own).to_have_attribute("data-state", "delivered")
    assert await page.locator(".msg--own").count() == 2
    web.assert_clean()
