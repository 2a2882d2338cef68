"""How a flag reads: DreamFactory's spellings of true and false in queries, bodies and configs."""

from __future__ import annotations

from typing import Any

TRUE_WORDS = frozenset({"true", "1", "yes", "y", "t", "on"})
"""Spellings read as true (compared lower-cased), as DreamFactory's ``to_bool``."""
FALSE_WORDS = frozenset({"false", "0", "no", "n", "f", "off"})


def to_bool(value: Any) -> bool:
    """DreamFactory's flag reading: ``true/1/yes/y/t/on`` (any case) are true, all else false."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    return str(value).strip().lower() in TRUE_WORDS
