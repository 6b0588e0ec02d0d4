"""pt life-threat patterns (normalised text)."""

from __future__ import annotations

from classifiers.patterns import Pattern

PATTERNS: tuple[Pattern, ...] = ()
