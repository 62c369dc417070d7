"""Provider tests never really sleep: the HTTP core's testing switch is on by default."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from playlist_interop.providers import is_testing, set_testing


@pytest.fixture(autouse=True)
def _no_real_waits() -> Iterator[None]:
    before = is_testing()
    set_testing(True)
    yield
    set_testing(before)
