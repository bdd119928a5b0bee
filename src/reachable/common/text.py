"""Small text checks shared by every domain."""

from __future__ import annotations


def is_digits(value: str) -> bool:
    """Only the ASCII digits 0-9, at least one: str.isdigit() also accepts '³' and '①', which int() refuses."""
    return value.isascii() and value.isdigit()
