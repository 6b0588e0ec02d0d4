"""Benchmarks and bounded scripts (run from the repository root: python -m benchmarks.X)."""
