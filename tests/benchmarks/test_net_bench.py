"""The safety-net benchmark measures every text it names (one repeat, no figure asserted)."""

from __future__ import annotations

from benchmarks import net_bench
from classifiers import rules


def test_every_text_gets_a_figure_and_the_pattern_count_is_the_nets() -> None:
    """measure() returns a positive time for each text and counts the patterns it timed."""
    figures = net_bench.measure(repeat=1)
    assert set(net_bench.TEXTS) <= set(figures)
    assert all(figures[name] > 0 for name in net_bench.TEXTS)
    assert figures["patterns"] == len(rules.PATTERNS)
