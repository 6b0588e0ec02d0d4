"""Triage in the service: the classifier off the event loop, batched, with a loud fallback.

The model loads once per process in a worker thread while the server already answers
(`/healthz` says `loading`). Reports that arrive together are classified in one batch on a
single worker thread, so chat never waits on inference. If the model cannot load, the server
says so in the log, keeps running on the safety-net rules alone, and every report is at least
`urgent`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from tipline import models

log = logging.getLogger("tipline.triage")
MAX_BATCH = 16
WARM_UP = ["warm-up: someone keeps pushing me in the hallway"] * 4


class VerdictLike(Protocol):
    @property
    def urgency(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def confidence(self) -> float: ...
    @property
    def reasons(self) -> tuple[str, ...]: ...


class EngineLike(Protocol):
    @property
    def name(self) -> str: ...

    def classify(self, texts: Sequence[str]) -> Sequence[VerdictLike]: ...


def to_triage(verdict: VerdictLike, *, floor: models.Urgency | None = None) -> models.Triage:
    urgency = models.Urgency(verdict.urgency)
    reasons = tuple(verdict.reasons)
    if floor is not None and urgency.rank < floor.rank:
        urgency = floor
        reasons = (*reasons, "model unavailable: raised to urgent for a person to review")
    return models.Triage(
        urgency=urgency,
        category=models.Category(verdict.category),
        language=verdict.language,
        confidence=float(verdict.confidence),
        reasons=reasons,
    )


class TriageService:
    """Implements the Triager port over a classifier engine."""

    def __init__(
        self,
        *,
        load: Callable[[], EngineLike],
        fallback: Callable[[], EngineLike],
    ) -> None:
        self._load = load
        self._fallback = fallback
        self._engine: EngineLike | None = None
        self._degraded = False
        self._queue: asyncio.Queue[tuple[str, asyncio.Future[models.Triage]]] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self._loaded = asyncio.Event()
        # One thread: torch already uses the cores for one batch; two batches would fight.
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="triage")

    @property
    def ready(self) -> bool:
        return self._engine is not None

    @property
    def engine_name(self) -> str:
        return self._engine.name if self._engine else "loading"

    @property
    def degraded(self) -> bool:
        return self._degraded

    async def start(self) -> None:
        """Load the model off the loop; on failure fall back to the rules, loudly."""
        self._worker = asyncio.create_task(self._run(), name="triage-batcher")
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        try:
            engine = await loop.run_in_executor(self._pool, self._load)
            # The first batches of a fresh model are several times slower (allocations,
            # lazy initialisation): pay that before saying ready, not on the first reports.
            await loop.run_in_executor(self._pool, engine.classify, WARM_UP)
        except Exception as exc:
            self._degraded = True
            log.error(
                "triage.model_unavailable: running on the safety-net rules alone; every "
                "report is at least urgent",
                extra={"error": type(exc).__name__, "detail": str(exc)[:300]},
            )
            engine = await loop.run_in_executor(self._pool, self._fallback)
        self._engine = engine
        self._loaded.set()
        log.info(
            "triage.ready",
            extra={"engine": engine.name, "seconds": round(time.perf_counter() - started, 2)},
        )

    async def stop(self) -> None:
        if self._worker:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def triage(self, text: str) -> models.Triage:
        future: asyncio.Future[models.Triage] = asyncio.get_running_loop().create_future()
        await self._queue.put((text, future))
        return await future

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self._queue.get()]
            while not self._queue.empty() and len(batch) < MAX_BATCH:
                batch.append(self._queue.get_nowait())
            await self._loaded.wait()  # reports that came in while the model loads wait
            texts = [text for text, _ in batch]
            try:
                results = await loop.run_in_executor(self._pool, self._classify, texts)
            except Exception as exc:  # _classify never raises; this is the executor failing
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)

    def _classify(self, texts: list[str]) -> list[models.Triage]:
        """In the worker thread: the engine, else the rules, else `urgent` for a person."""
        assert self._engine is not None
        floor = models.Urgency.URGENT if self._degraded else None
        try:
            return [to_triage(v, floor=floor) for v in self._engine.classify(texts)]
        except Exception:
            log.exception("triage.failed", extra={"batch": len(texts)})
        try:
            fallback = self._fallback()
            return [to_triage(v, floor=models.Urgency.URGENT) for v in fallback.classify(texts)]
        except Exception:
            log.exception("triage.fallback_failed", extra={"batch": len(texts)})
        unknown = models.Triage(
            urgency=models.Urgency.URGENT,
            category=models.Category.OTHER,
            language="und",
            confidence=0.0,
            reasons=("triage failed: a person must review this report",),
        )
        return [unknown] * len(texts)
