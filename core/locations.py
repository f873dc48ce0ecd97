"""Bins and the walk: pick lines follow the configured walk sequence, else natural bin order."""

from __future__ import annotations

import re
from collections.abc import Mapping

_CHUNKS = re.compile(r"([0-9]+)")


def natural_key(code: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that puts ``A-2`` before ``A-10``."""
    parts = _CHUNKS.split(code.upper())
    return tuple((0, int(part)) if _CHUNKS.fullmatch(part) else (1, part) for part in parts if part)


def walk_key(
    code: str, sequences: Mapping[str, int]
) -> tuple[int, int, tuple[tuple[int, int | str], ...]]:
    """Where a bin comes in the walk: sequenced bins first in their order, then the rest
    naturally, then lines without a bin."""
    if not code:
        return (2, 0, ())
    sequence = sequences.get(code.upper())
    if sequence is not None:
        return (0, sequence, natural_key(code))
    return (1, 0, natural_key(code))
