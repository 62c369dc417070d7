"""Checking that a codec streams: resident memory stops growing once it is warmed up."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterable
from pathlib import Path

import pytest

_STATM = Path("/proc/self/statm")


def _resident_bytes() -> int:
    return int(_STATM.read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def rss_growth(items: Iterable[object], *, warmup: int = 2_000) -> tuple[int, int]:
    """Consume ``items``; return how many there were and how far resident memory rose above
    its level after the first ``warmup`` items.

    Resident memory, not ``tracemalloc``: lxml's trees live in libxml2's own allocations,
    which Python's tracing does not see. Inputs are made large enough (tens of MB if kept)
    that "bounded" and "grows with the file" are far apart.
    """
    if not _STATM.exists():
        pytest.skip("needs /proc/self/statm")
    iterator = iter(items)
    count = 0
    for _ in range(warmup):
        next(iterator)
        count += 1
    gc.collect()
    baseline = peak = _resident_bytes()
    for _ in iterator:
        count += 1
        if count % 500 == 0:
            peak = max(peak, _resident_bytes())
    return count, peak - baseline
