"""A real classifier engine that is slow on purpose, and a server that runs it.

It goes in through the composition root's classifier pair (`app.running(classifier=...)`),
as the model would: no patch of our own code. `loading` holds the model's load until the
test sets it; `reading` holds every batch after the warm-up; `per_text_s` makes each text
cost real time, like long reports on a busy CPU. It records what it read, in order.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from classifiers import RulesClassifier
from classifiers.verdict import Verdict
from tests.conftest import server_settings, wait_for
from tipline import app
from tipline.ports import Classifier
from tipline.triage import WARM_UP

# The word that makes the slow model call a report an emergency (the safety net does not know
# it), so a test can see the model's verdict raise a report the rules filed as urgent.
ALARM = "tonight"
HOLD_S = 60.0  # the longest a gate holds a thread: a failing test never hangs its process


class SlowModel:
    name = "slow-model"

    def __init__(self, *, per_text_s: float = 0.0, loaded: bool = True) -> None:
        self.per_text_s = per_text_s
        self.loading = threading.Event()
        self.reading = threading.Event()
        self.reading.set()
        if loaded:
            self.loading.set()
        self.asked: list[str] = []  # every text given to `classify`, before it waits
        self.read: list[str] = []  # every text classified, in order

    def load(self) -> Classifier:
        self.loading.wait(HOLD_S)
        return self

    def classify(self, texts: Sequence[str]) -> list[Verdict]:
        if list(texts) != WARM_UP:
            self.asked.extend(texts)
            self.reading.wait(HOLD_S)
            time.sleep(self.per_text_s * len(texts))
            self.read.extend(texts)
        return [self._one(text) for text in texts]

    def _one(self, text: str) -> Verdict:
        if ALARM in text:
            return Verdict("emergency", "threat", "en", 0.93, ("model: emergency (93%)",))
        return Verdict("routine", "bullying", "en", 0.88, ("model: routine (88%)",))

    def open_all(self) -> None:
        self.loading.set()
        self.reading.set()


class SlowRules:
    """The real safety-net rules, whose loading waits for `loading` (like the classifier
    package's imports of torch on a busy machine, seconds after a start)."""

    def __init__(self) -> None:
        self.loading = threading.Event()

    def load(self) -> Classifier:
        self.loading.wait(HOLD_S)
        return RulesClassifier()


@contextlib.asynccontextmanager
async def serve(
    model: SlowModel,
    prefix: str,
    tmp_path: Path,
    *,
    rules: SlowRules | None = None,
    **changes: Any,
) -> AsyncIterator[app.Running]:
    """Tipline in this process on the real Redis, triaging with `model` (the safety net is
    the real rules). It does not wait for the model: that is what the tests are about."""
    config = server_settings(prefix, tmp_path, **changes)
    pair = (model.load, rules.load if rules else RulesClassifier)
    try:
        async with app.running(config, classifier=pair) as running:
            yield running
    finally:
        model.open_all()
        if rules:
            rules.loading.set()


async def model_reads(model: SlowModel, text: str, timeout: float = 20.0) -> None:
    async def read() -> bool:
        return text in model.read

    await wait_for(read, what="the model reading the report", timeout=timeout)
