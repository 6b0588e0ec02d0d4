"""The real PostgreSQL of the tests (127.0.0.1:5432, database `test`), one schema per test.

`schema()` creates a fresh schema and yields a URL whose connections use it (asyncpg sends
unknown query parameters as server settings: `?search_path=...`), then drops it with all it
holds; tests in parallel never see each other's tables or migration lock.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg

DATABASE_URL = os.environ.get(
    "TIPLINE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def in_schema(url: str, schema: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}search_path={schema}"


@contextlib.asynccontextmanager
async def schema() -> AsyncIterator[str]:
    """A URL of a new, empty schema of the test database, dropped on exit."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(DATABASE_URL)
    try:
        await admin.execute(f"CREATE SCHEMA {name}")
        yield in_schema(DATABASE_URL, name)
    finally:
        await admin.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        await admin.close()


def postgres_processes(data_dir: Path) -> list[int]:
    """Pids of live postgres processes (the postmaster and its children) whose data folder
    lies in `data_dir`. They chdir to their data folder, so their working directory tells."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            exe = os.readlink(entry / "exe")
            state = (entry / "stat").read_text().rsplit(") ", 1)[-1][:1]
            cwd = Path(os.readlink(entry / "cwd"))
        except OSError:
            continue
        if state != "Z" and Path(exe).name == "postgres" and cwd.is_relative_to(data_dir):
            found.append(int(entry.name))
    return found
