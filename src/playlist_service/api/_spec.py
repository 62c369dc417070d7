"""Loading the packaged ``openapi.yaml`` contract."""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import yaml

__all__ = ["load_spec", "spec_bytes"]


@functools.cache
def spec_bytes() -> bytes:
    """The contract exactly as shipped (package data)."""
    return resources.files("playlist_service.api").joinpath("openapi.yaml").read_bytes()


def load_spec() -> dict[str, Any]:
    """The contract parsed into plain data (a fresh copy on each call)."""
    loaded = yaml.safe_load(spec_bytes())
    assert isinstance(loaded, dict)
    return loaded
