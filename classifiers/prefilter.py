"""One pass over a text for every safety-net pattern at once: which patterns *may* match.

`classifiers.rules.scan` runs on every message a reporter writes. Trying its ~100 Python
regexes one by one cost ~170-450 µs a chat line (docs/performance.md, stop 26), nearly all
for nothing: almost no chat line hits. RE2's `Set` (google-re2) runs all of them as one
automaton, in one pass, and names the patterns that matched; `scan` then runs the exact
Python pattern, with its guards, only on those.

The prefilter must never say "no" where the exact pattern matches. RE2 cannot take every
Python construct, so each source is rewritten into a **superset** (a looser pattern):

- look-arounds (`(?!...)`, `(?<!...)`, `(?=...)`, `(?<=...)`) and `\\b` are dropped: a
  pattern without an assertion matches wherever it matched with it;
- `\\w` outside a class becomes `[^ ]`, any character but a space (a superset: a space
  is never a word character, and normalised text separates words by one space). Written
  as Unicode classes (`[\\pL\\pN_]`), the ~200 gaps `(?:\\w+ ){0,8}` compiled to about a
  million RE2 instructions: +60 MB of memory a process, 0.3 s to build and more than 32 MB
  of RE2's budget just to compile; as `[^ ]`, +3 MB and 0.02 s, the same candidates on
  every corpus text and the same ~1 µs a line (docs/classifier.md, the safety net);
- `\\w` inside a class becomes `\\pL\\pN_` and `\\d` becomes `\\pN` (Python's are
  Unicode: `\\w` is `str.isalnum()` or `_`, inside letters and numbers; RE2's own are ASCII
  only);
- a negated class `[^...]` becomes any character.

Anything else RE2 or this rewrite does not know (a back-reference, `\\s`, `\\W`, ...) is
refused when the table is built, so a new pattern cannot slip past unproven. The test
(tests/classifiers/test_prefilter.py) checks the superset over every corpus, held-out and
example text.
"""

from __future__ import annotations

from collections.abc import Sequence

import re2

# Escapes rewritten to their Unicode supersets, outside and inside a character class.
_OUTSIDE = {"w": r"[^ ]", "d": r"\pN", "b": ""}
_INSIDE = {"w": r"\pL\pN_", "d": r"\pN"}
# Escapes that mean the same in RE2 and in Python's re on normalised text.
_KEPT = set(".^$*+?()[]{}|\\-/ '\"&,:;!#%<=>@`~") | {"n", "t", "r"}


class UntranslatableError(ValueError):
    """A pattern source uses a construct the prefilter cannot loosen soundly."""


def superset(source: str) -> str:
    """An RE2 source matching wherever the Python `source` matches (and maybe more)."""
    out: list[str] = []
    i = 0
    n = len(source)
    while i < n:
        ch = source[i]
        if ch == "\\":
            i = _escape(source, i, out, _OUTSIDE)
        elif ch == "[":
            i = _class(source, i, out)
        elif ch == "(" and source.startswith(("(?!", "(?=", "(?<!", "(?<="), i):
            i = _skip_group(source, i)
        elif ch == "(" and source.startswith("(?", i) and not source.startswith("(?:", i):
            raise UntranslatableError(f"group {source[i : i + 4]!r} at {i}")
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _escape(source: str, i: int, out: list[str], table: dict[str, str]) -> int:
    if i + 1 >= len(source):
        raise UntranslatableError("a trailing backslash")
    letter = source[i + 1]
    if letter in table:
        out.append(table[letter])
    elif letter in _KEPT or not letter.isascii():
        out.append("\\" + letter)
    else:
        raise UntranslatableError(f"escape \\{letter} at {i}")
    return i + 2


def _class(source: str, i: int, out: list[str]) -> int:
    """Copy the class at source[i] ('['), rewriting its escapes; a negated one is any char."""
    j = i + 1
    negated = source.startswith("^", j)
    if negated:
        j += 1
    body: list[str] = []
    if source.startswith("]", j):  # a ']' first is a literal
        body.append(r"\]")
        j += 1
    while j < len(source) and source[j] != "]":
        if source[j] == "\\":
            j = _escape(source, j, body, _INSIDE)
        elif source[j] == "[":
            body.append(r"\[")
            j += 1
        else:
            body.append(source[j])
            j += 1
    if j >= len(source):
        raise UntranslatableError(f"unclosed class at {i}")
    out.append(r"(?s:.)" if negated else "[" + "".join(body) + "]")
    return j + 1


def _skip_group(source: str, i: int) -> int:
    """The index after the group opened at source[i], escapes and classes minded."""
    depth = 0
    j = i
    in_class = False
    while j < len(source):
        ch = source[j]
        if ch == "\\":
            j += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            if source.startswith(("[]", "[^]"), j):
                j += 2 if source[j + 1] == "]" else 3
                continue
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    raise UntranslatableError(f"unclosed group at {i}")


class Prefilter:
    """Which of `sources` (Python regex sources) may match a text, in one RE2 pass."""

    def __init__(self, sources: Sequence[str]) -> None:
        options = re2.Options()
        # RE2's budget for the program and the DFA's cache (the program takes ~3 MB of it). A
        # program over budget fails Compile loudly; the DFA's cache, when full, is reset.
        options.max_mem = 64 << 20
        self._set = re2.Set.SearchSet(options)
        for source in sources:
            try:
                self._set.Add(superset(source))
            except re2.error as exc:
                raise UntranslatableError(f"{source[:60]!r}: {exc}") from None
        self._set.Compile()

    def candidates(self, text: str) -> list[int]:
        """Indices (into `sources`) of the patterns that may match `text`; [] means none can."""
        found = self._set.Match(text)
        return sorted(found) if found else []
