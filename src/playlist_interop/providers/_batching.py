"""Splitting work into the provider's maximal batches."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import TypeVar

__all__ = ["batch_count", "chunked"]

T = TypeVar("T")


def chunked(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most ``size`` items, in order; nothing for an empty input."""
    if size < 1:
        raise ValueError("batch size must be at least 1")
    for start in range(0, len(items), size):
        yield items[start : start + size]


def batch_count(total: int, size: int) -> int:
    """How many requests ``total`` items need at ``size`` per request: ``ceil(total/size)``."""
    if size < 1:
        raise ValueError("batch size must be at least 1")
    return math.ceil(max(0, total) / size)
