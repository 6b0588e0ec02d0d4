"""What the page tests of this package share."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.conftest import Server
from tests.realtime import browser
from tests.realtime.browser import Web


@pytest.fixture
async def web(tipline_server: Server) -> AsyncIterator[Web]:
    """Debian's Chromium for one test. It depends on the server so that the browser closes
    first: a server stopping under open websockets waits out its shutdown timeout (10 s a
    test). Tests on a server of their own (`server`) define their own `web`."""
    async with browser.chromium() as launched:
        yield launched
