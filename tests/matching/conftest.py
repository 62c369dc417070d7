"""Fixtures of the matching tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def matching_fixtures(shared_fixtures: Path) -> Path:
    """The shared ``matching`` fixtures folder."""
    return shared_fixtures / "matching"
