"""The page files themselves: CSP-safe markup and scripts, complete en/es catalogues."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from escalation import commands, engine
from tipline import models

ROOT = Path(__file__).parents[2]
STATIC = ROOT / "realtime" / "static"
PAGES = [STATIC / "index.html", STATIC / "console.html"]
SCRIPTS = sorted(STATIC.glob("*.js"))
LANGS = ("en", "es")
# A catalogue key as written in our scripts: "file.send", "console.step.claim", ...
KEY = re.compile(
    r"[\"'`]((?:app|lang|danger|file|resume|receipt|chat|conn|err|privacy|category|urgency|"
    r"status|console|system)\.[a-z0-9_.]+)[\"'`]"
)
MARKUP_KEY = re.compile(r"data-i18n(?:-placeholder|-label|-title)?=\"([^\"]+)\"")


def catalogue(lang: str) -> dict[str, str]:
    data: dict[str, str] = json.loads((STATIC / "i18n" / f"{lang}.json").read_text("utf-8"))
    return data


def used_keys() -> set[str]:
    keys: set[str] = set()
    for page in PAGES:
        html = page.read_text("utf-8")
        keys |= set(MARKUP_KEY.findall(html))
        keys |= set(re.findall(r'data-title-key="([^"]+)"', html))
    for script in SCRIPTS:
        keys |= set(KEY.findall(script.read_text("utf-8")))
    # Keys built from wire values (`category.${c}`) must cover every value the server sends.
    keys |= {f"category.{c.value}" for c in models.Category}
    keys |= {f"urgency.{u.value}" for u in models.Urgency}
    keys |= {f"status.{s.value}" for s in models.Status}
    keys |= {f"console.channel.{c.value}" for c in models.Channel}
    # A call's result is the outcome of a contact step; a resolution the outcome of `resolve`.
    keys |= {f"console.outcome.{o.value}" for o in commands.ContactResult}
    keys |= {f"console.resolution.{r.value}" for r in commands.Resolution}
    keys |= {f"console.step.{action}" for action in step_actions()}
    keys |= {f"chat.state.{s}" for s in ("queued", "sent", "delivered", "failed")}
    return keys


def step_actions() -> set[str]:
    """Every `action` the engine and the service write on an incident's trail, read from
    their source, so that a new step cannot reach the timeline without a text."""
    engine_src = (ROOT / "escalation" / "engine.py").read_text("utf-8")
    service_src = (ROOT / "tipline" / "service.py").read_text("utf-8")
    actions = set(re.findall(r'draft\.step\(\s*[A-Za-z_."]+,\s*"([a-z_]+)"', engine_src))
    actions |= set(re.findall(r'action="([a-z_]+)"', service_src))
    assert {"claim", "resolve", "take_over", "suggest_next_contact", "phone_report"} <= actions
    return actions


def test_catalogues_have_the_same_keys() -> None:
    """English and Spanish name exactly the same texts, none of them empty."""
    en, es = catalogue("en"), catalogue("es")
    assert set(en) == set(es)
    assert all(v.strip() for v in [*en.values(), *es.values()])


@pytest.mark.parametrize("lang", LANGS)
def test_every_text_the_pages_use_is_in_the_catalogue(lang: str) -> None:
    """Each key in the markup and scripts, and each wire value shown, has a text."""
    assert sorted(used_keys() - set(catalogue(lang))) == []


def test_catalogue_has_no_unused_text() -> None:
    """Every text in the catalogue is shown somewhere (a stale text gets removed)."""
    assert sorted(set(catalogue("en")) - used_keys()) == []


def test_the_servers_system_lines_are_translated() -> None:
    """The page knows the engine's system lines ("joined", "reopened"), so a Spanish reader
    gets Spanish."""
    chat = (STATIC / "chat.js").read_text("utf-8")
    assert json.dumps(engine.JOINED) + ': "system.joined"' in chat
    assert json.dumps(engine.REOPENED) + ': "system.reopened"' in chat
    assert catalogue("en")["system.reopened"] == engine.REOPENED


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_markup_has_no_inline_code_or_text(page: Path) -> None:
    """No inline script, style or handler (the CSP forbids them); texts come from catalogues."""
    html = page.read_text("utf-8")
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert "<style" not in html
    assert re.findall(r"\sstyle=", html) == []
    assert re.findall(r"\son[a-z]+=", html) == []
    body = html[html.index("<body") :]
    text = re.sub(r"<[^>]+>", " ", body)
    assert text.split() == []


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_scripts_never_parse_strings_as_html_or_code(script: Path) -> None:
    """Our scripts set text with textContent: no innerHTML, document.write or eval."""
    source = script.read_text("utf-8")
    for banned in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert banned not in source, banned
    assert "new Function" not in source


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_pages_load_only_files_that_exist_here(page: Path) -> None:
    """Every asset a page names is a file under realtime/static, served as /static/..."""
    refs = re.findall(r'(?:src|href)="([^"]+)"', page.read_text("utf-8"))
    assets = [r for r in refs if not r.startswith(("tel:", "sms:", "#"))]
    assert assets
    for ref in assets:
        assert ref.startswith("/static/"), ref
        assert (STATIC / ref.removeprefix("/static/")).is_file(), ref


def test_vendored_socketio_client_keeps_its_license() -> None:
    """The vendored socket.io client is the official dist file with its MIT header."""
    head = (STATIC / "vendor" / "socket.io.min.js").read_text("utf-8")[:200]
    assert "Socket.IO v4." in head
    assert "MIT" in head
    assert (STATIC / "vendor" / "socket.io-client.LICENSE").is_file()
