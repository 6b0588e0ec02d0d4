"""`tipline classify`: JSON lines in, one JSON verdict line out per input line, in order.

Streaming: a reader thread feeds lines into a queue; the main loop takes the lines that
are ready (at most `batch_size`), classifies them as one batch and flushes. So a pipe of
thousands of lines is classified in full batches, while a person typing one line at a
time gets each answer at once instead of waiting for a batch to fill.
"""

from __future__ import annotations

import json
import pathlib
import queue
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TextIO

from classifiers import evaluation

if TYPE_CHECKING:
    from classifiers import Engine

# The reader stays at most this many batches ahead, so memory stays bounded on huge input.
_AHEAD_BATCHES = 4


def parse(line: str) -> str | dict[str, str]:
    """The text of one input line, or the error object that answers it."""
    try:
        data: Any = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"error": f"not JSON: {exc.msg}"}
    if not isinstance(data, dict):
        return {"error": "expected a JSON object with a text"}
    text = data.get("text")
    if not isinstance(text, str):
        return {"error": 'missing "text" (a string)'}
    if not text.strip():
        return {"error": '"text" is empty'}
    return text


def _read(infile: TextIO, lines: queue.Queue[str | None]) -> None:
    try:
        for line in infile:
            lines.put(line)
    finally:
        lines.put(None)  # end of input, also when reading failed


def _batches(infile: TextIO, batch_size: int) -> Iterator[list[str]]:
    """Lines in batches cut when no more input is ready (or the batch is full)."""
    lines: queue.Queue[str | None] = queue.Queue(maxsize=batch_size * _AHEAD_BATCHES)
    threading.Thread(target=_read, args=(infile, lines), daemon=True).start()
    done = False
    while not done:
        first = lines.get()
        if first is None:
            return
        batch = [first]
        while len(batch) < batch_size:
            try:
                more = lines.get_nowait()
            except queue.Empty:
                break
            if more is None:
                done = True
                break
            batch.append(more)
        yield batch


def classify_stream(
    engine: Engine, infile: TextIO, outfile: TextIO, *, batch_size: int = 16
) -> int:
    """Answer every line of `infile` on `outfile`; returns the exit status (0: bad lines
    are answered with {"error": ...}, they do not stop the run)."""
    for batch in _batches(infile, batch_size):
        parsed = [parse(line) for line in batch]
        texts = [p for p in parsed if isinstance(p, str)]
        verdicts = iter(engine.classify(texts)) if texts else iter(())
        for item in parsed:
            answer = next(verdicts).to_wire() if isinstance(item, str) else item
            outfile.write(json.dumps(answer, ensure_ascii=False) + "\n")
        outfile.flush()
    return 0


def evaluate(engine: Engine, path: pathlib.Path, out: TextIO) -> evaluation.EvalReport:
    """Print per-class scores, both confusion matrices, emergency recall and precision and
    every missed emergency of `engine` on a labelled JSON-lines file; return the report."""
    return evaluation.evaluate(engine, path, out)
