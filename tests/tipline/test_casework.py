"""The one compare-and-set loop of the incident service (tipline/casework.py)."""

from __future__ import annotations

import pytest

from tipline import casework
from tipline.casework import AGAIN, Again
from tipline.errors import AppError


async def test_a_change_is_read_again_until_it_is_stored() -> None:
    """An attempt that lost the race is run again; the first one stored is the answer."""
    tries: list[int] = []

    async def attempt() -> str | Again:
        tries.append(1)
        return AGAIN if len(tries) < 3 else "stored"

    assert await casework.until_stored(attempt) == "stored"
    assert len(tries) == 3


async def test_a_change_that_always_loses_gives_up_with_conflict() -> None:
    """Past MAX_ATTEMPTS lost races the caller gets `conflict`, never an endless loop."""
    tries: list[int] = []

    async def attempt() -> Again | None:
        tries.append(1)
        return AGAIN

    with pytest.raises(AppError) as refused:
        await casework.until_stored(attempt)
    assert refused.value.code == "conflict"
    assert len(tries) == casework.MAX_ATTEMPTS
