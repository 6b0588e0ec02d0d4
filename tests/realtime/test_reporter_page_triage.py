"""The reporter page in a real Chromium while the model loads, and when an answer is lost:
the student gets a receipt, and a retry files nothing twice (real server, Redis, engine)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import redis.asyncio as aioredis
from playwright.async_api import Page, Route, WebSocketRoute, expect

from tests.conftest import wait_for
from tests.realtime import browser
from tests.realtime.browser import PHONE
from tests.realtime.slow_model import ALARM, SlowModel, serve
from tipline import app, models

TEXT = f"the older boys told my brother to come to the parking lot {ALARM}"
# The page waits 10 s for an answer before it tries again: a lost answer costs that.
RETRIED_MS = 25_000


def report_frames(frames: list[str]) -> list[dict[str, object]]:
    """The payloads of the `report:create` events among Socket.IO text frames."""
    found = []
    for frame in frames:
        match = re.match(r"^2/report,(\d+)(\[.*\])$", frame)
        if match:
            event, *args = json.loads(match.group(2))
            if event == "report:create":
                found.append(args[0])
    return found


async def test_page_files_a_report_while_the_model_loads_and_shows_the_receipt(
    prefix: str, tmp_path: Path, redis_client: aioredis.Redis
) -> None:
    """A report sent in the first seconds after a start (model loading) gets its receipt on
    the page; the model raises it to emergency once loaded."""
    model = SlowModel(loaded=False)
    async with serve(model, prefix, tmp_path) as running, browser.chromium() as web:
        page = await web.page(running.url + "/", viewport=PHONE)
        wire = Wire(lossy=False)
        await wire.attach(page)
        receipt = await browser.file_report(page, TEXT)
        assert not running.triage.ready
        model.loading.set()
        incident = await raised(running, receipt)
        web.assert_clean()
    assert receipt
    (payload,) = report_frames(wire.sent)
    assert isinstance(payload["client_id"], str)
    assert len(payload["client_id"]) >= 16
    assert incident.urgency is models.Urgency.EMERGENCY


async def test_page_retries_a_lost_answer_with_the_same_client_id(
    prefix: str, tmp_path: Path, redis_client: aioredis.Redis
) -> None:
    """The first answer to `report:create` never reaches the page: it tries again with the
    same client id, shows the receipt, and the server holds one incident."""
    async with serve(SlowModel(), prefix, tmp_path) as running, browser.chromium() as web:
        page = await web.page(running.url + "/", viewport=PHONE)
        lossy = Wire(lossy=True)
        await lossy.attach(page)
        await expect(page.locator("body[data-ready=true]")).to_be_attached()
        await page.fill("#org-code", "DEMO")
        await page.fill("#report-text", TEXT)
        await page.click("#file-send")
        receipt = page.locator("#receipt-value")
        await expect(receipt).not_to_be_empty(timeout=RETRIED_MS)
        shown = await receipt.text_content()
        incidents = await running.store.list_incidents(org_code="DEMO", status=None)
        web.assert_clean()
    assert len(lossy.dropped) == 1
    tries = report_frames(lossy.sent)
    assert len(tries) >= 2
    assert len({str(t["client_id"]) for t in tries}) == 1
    assert len(incidents) == 1
    assert shown


class Wire:
    """Between the page and the server, on both Engine.IO transports: records the packets the
    page sends and, with `lossy`, drops the first answer to a `report:create` (a connection
    lost at the wrong moment)."""

    def __init__(self, *, lossy: bool) -> None:
        self.lossy = lossy
        self.sent: list[str] = []
        self.dropped: list[str] = []

    async def attach(self, page: Page) -> None:
        """Put the wire in and reload: only sockets of a page loaded afterwards go through."""
        await page.context.route_web_socket(re.compile(r".*/socket\.io/.*"), self.route)
        await page.context.route(re.compile(r".*/socket\.io/.*transport=polling.*"), self.poll)
        await page.reload()
        await expect(page.locator("body[data-ready=true]")).to_be_attached()

    def drops(self, packet: str) -> bool:
        """Whether `packet` (server to page, without its Engine.IO type) is the answer to
        lose: the first one that carries a receipt."""
        answer = re.match(r"^3/report,\d+\[", packet) and '"receipt"' in packet
        if not (self.lossy and answer) or self.dropped:
            return False
        self.dropped.append(packet)
        return True

    async def poll(self, route: Route) -> None:
        """Long-polling responses (before the websocket upgrade) lose the same answer."""
        response = await route.fetch()
        body = await response.text()
        if route.request.method == "GET":
            packets = body.split("\x1e")
            kept = [p for p in packets if not (p.startswith("4") and self.drops(p[1:]))]
            body = "\x1e".join(kept) if kept else "6"  # "6": a noop, the poll stays valid
        else:
            self.sent += [p[1:] for p in (route.request.post_data or "").split("\x1e")]
        await route.fulfill(response=response, body=body)

    async def route(self, ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def to_server(message: str | bytes) -> None:
            if isinstance(message, str):
                self.sent.append(message[1:])
            server.send(message)

        def to_page(message: str | bytes) -> None:
            if isinstance(message, str) and message.startswith("4") and self.drops(message[1:]):
                return
            ws.send(message)

        ws.on_message(to_server)
        server.on_message(to_page)


async def raised(running: app.Running, receipt: str) -> models.Incident:
    async def emergency() -> bool:
        incident = await running.service.resume(receipt)
        return incident.urgency is models.Urgency.EMERGENCY

    await wait_for(emergency, what="the model raising the report", timeout=20)
    return await running.service.resume(receipt)
