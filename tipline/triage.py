"""Triage in the service: the safety net at once, the model off the event loop, fairly.

Two stages, each on its own worker thread, so that neither ever waits behind the other:

- **The safety net** (the multilingual life-threat rules, well under a millisecond a report)
  answers every report at once, from the first second after a start. A hit is an emergency;
  anything else is at least `urgent` until the model has read it.
- **The model** loads once per process while the server already answers (`/healthz` says
  `loading`), then reads reports in batches on one thread (torch already uses both cores for
  one batch). Its queue is one FIFO per school, served round-robin: a batch takes one report
  of each waiting school in turn, so a flood to one school delays another school's report by
  at most about one batch, never by the whole flood.

The service (`tipline.service`) asks for both, waits for the model only up to a bound, stores
the report, and re-triages it when the model answers (urgency only ever raised,
`tipline.retriage`). If the model cannot load, the server says so in the log and keeps
running on the safety net alone; every report is then at least `urgent`.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import dataclasses
import logging
import time
from collections.abc import Callable

from tipline import models, ports

log = logging.getLogger("tipline.triage")
MAX_BATCH = 16
NET_BATCH = 64  # texts per call of the safety net's thread
WARM_UP = ["warm-up: someone keeps pushing me in the hallway"] * 4
# The reasons of a report nobody could classify: a person must read it.
UNKNOWN = models.Triage(
    urgency=models.Urgency.URGENT,
    category=models.Category.OTHER,
    language="und",
    confidence=0.0,
    reasons=("triage failed: a person must review this report",),
)
# The verdict of a report filed before even the safety net could read it (its patterns load
# with the classifier package, which imports torch: seconds on a busy machine, issue #15).
STARTING = models.Triage(
    urgency=models.Urgency.URGENT,
    category=models.Category.OTHER,
    language="und",
    confidence=0.0,
    reasons=(
        "triage still starting: filed for a person to review; the rules and the model read it next",
    ),
)


def to_triage(verdict: ports.Verdict, *, floor: models.Urgency | None = None) -> models.Triage:
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


@dataclasses.dataclass(frozen=True, slots=True)
class _Job:
    text: str
    future: asyncio.Future[models.Triage]


class FairQueue:
    """One FIFO per school, taken round-robin: the next batch holds one job of each waiting
    school in turn. Cancelled jobs (a retry that found its report already filed) are skipped."""

    def __init__(self) -> None:
        self._queues: dict[str, collections.deque[_Job]] = {}
        self._turns: collections.deque[str] = collections.deque()

    def __len__(self) -> int:
        return sum(len(q) for q in self._queues.values())

    def put(self, school: str, job: _Job) -> None:
        queue = self._queues.get(school)
        if queue is None:
            queue = self._queues[school] = collections.deque()
            self._turns.append(school)
        queue.append(job)

    def take(self, limit: int) -> list[_Job]:
        batch: list[_Job] = []
        while self._turns and len(batch) < limit:
            school = self._turns.popleft()
            queue = self._queues[school]
            job = queue.popleft()
            if queue:
                self._turns.append(school)
            else:
                del self._queues[school]
            if not job.future.done():
                batch.append(job)
        return batch

    def drain(self) -> list[_Job]:
        jobs = [job for queue in self._queues.values() for job in queue]
        self._queues.clear()
        self._turns.clear()
        return jobs


class TriageService:
    """Implements the Triager port over a classifier engine and its safety net."""

    def __init__(
        self,
        *,
        load: Callable[[], ports.Classifier],
        fallback: Callable[[], ports.Classifier],
        net: Callable[[], ports.Classifier] | None = None,
    ) -> None:
        self._load = load
        self._fallback = fallback
        # The safety net's engine: the rules, by default the fallback itself; the service
        # passes them without language detection (a verdict's urgency does not depend on
        # the language, and lingua takes seconds to load; the model tells the language).
        self._net_engine = net or fallback
        self._engine: ports.Classifier | None = None
        self._net: ports.Classifier | None = None
        self._degraded = False
        self._queue = FairQueue()
        self._wake = asyncio.Event()
        self._in_flight: list[_Job] = []
        self._worker: asyncio.Task[None] | None = None
        self._loaded = asyncio.Event()
        # One thread: torch already uses the cores for one batch; two batches would fight.
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="triage")
        # The safety net's own thread, so that it never waits behind a model batch.
        self._net_pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="safety-net")
        self._net_jobs: list[tuple[str, asyncio.Future[models.Triage]]] = []
        self._net_drainer: asyncio.Task[None] | None = None

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
        """Build the safety net, then load the model off the loop; on failure fall back to
        the rules, loudly."""
        self._worker = asyncio.create_task(self._run(), name="triage-batcher")
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        await loop.run_in_executor(self._net_pool, self._safety_net_engine)
        try:
            engine = await loop.run_in_executor(self._pool, self._load)
            # The first batches of a fresh model are several times slower (allocations,
            # lazy initialisation): pay that before saying ready, not on the first reports.
            await loop.run_in_executor(self._pool, engine.classify, WARM_UP)
        except Exception as exc:
            self._degraded = True
            # The safety-net rules alone triage from now on: every report is at least urgent.
            log.error(
                "triage.model_unavailable",
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
        # Whoever waits on a verdict that will never come hears so now (a cancelled future).
        for job in [*self._queue.drain(), *self._in_flight]:
            job.future.cancel()
        if self._net_drainer is not None:
            self._net_drainer.cancel()
            await asyncio.gather(self._net_drainer, return_exceptions=True)
        for _, future in self._net_jobs:
            future.cancel()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._net_pool.shutdown(wait=False, cancel_futures=True)

    async def safety_net(self, text: str) -> models.Triage:
        """The rules' verdict, at once: never behind the model, loaded or not.

        Texts that arrive while the net's thread is busy go to it together, in one call: the
        net reads every message a reporter writes, and at chat rates a thread round trip per
        message cost the event loop more than the rules themselves (docs/performance.md)."""
        future: asyncio.Future[models.Triage] = asyncio.get_running_loop().create_future()
        self._net_jobs.append((text, future))
        if self._net_drainer is None or self._net_drainer.done():
            self._net_drainer = asyncio.create_task(self._drain_net(), name="safety-net")
        return await future

    async def _drain_net(self) -> None:
        loop = asyncio.get_running_loop()
        while self._net_jobs:
            batch = self._net_jobs[:NET_BATCH]
            del self._net_jobs[:NET_BATCH]
            texts = [text for text, _ in batch]
            try:
                results = await loop.run_in_executor(self._net_pool, self._net_classify_all, texts)
            except asyncio.CancelledError:  # stop(): whoever waits hears so
                for _, future in batch:
                    future.cancel()
                raise
            except Exception as exc:  # the pool is shut down; _net_classify never raises
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)

    def _net_classify_all(self, texts: list[str]) -> list[models.Triage]:
        return [self._net_classify(text) for text in texts]

    def submit(self, text: str, *, school: str) -> asyncio.Future[models.Triage]:
        """Queue `text` for the model in `school`'s FIFO; the future has its verdict (the
        rules', at least urgent, if the model fails). Cancel it to withdraw the text."""
        future: asyncio.Future[models.Triage] = asyncio.get_running_loop().create_future()
        self._queue.put(school, _Job(text, future))
        self._wake.set()
        return future

    async def triage(self, text: str, *, school: str = "") -> models.Triage:
        """The model's verdict, however long it takes (tests and tools; the service bounds
        its wait, see `tipline.service`)."""
        return await self.submit(text, school=school)

    @property
    def backlog(self) -> int:
        """Reports waiting for the model."""
        return len(self._queue)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        await self._loaded.wait()  # reports that come in while the model loads wait here
        while True:
            batch = self._queue.take(MAX_BATCH)
            if not batch:
                self._wake.clear()
                await self._wake.wait()
                continue
            self._in_flight = batch
            texts = [job.text for job in batch]
            try:
                results = await loop.run_in_executor(self._pool, self._classify, texts)
            except Exception as exc:  # _classify never raises; this is the executor failing
                for job in batch:
                    if not job.future.done():
                        job.future.set_exception(exc)
                continue
            finally:
                self._in_flight = []
            for job, result in zip(batch, results, strict=True):
                if not job.future.done():
                    job.future.set_result(result)

    def _safety_net_engine(self) -> ports.Classifier:
        """In the safety net's thread: the rules, built once."""
        if self._net is None:
            self._net = self._net_engine()
        return self._net

    def _net_classify(self, text: str) -> models.Triage:
        try:
            verdict = self._safety_net_engine().classify([text])[0]
            return to_triage(verdict, floor=models.Urgency.URGENT)
        except Exception:
            log.exception("triage.safety_net_failed")
            return UNKNOWN

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
        return [UNKNOWN] * len(texts)
