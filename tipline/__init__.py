"""Tipline: an anonymous school-safety tip line."""
