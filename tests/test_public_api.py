"""Every public package's ``__all__`` is sorted, complete and leaks nothing private."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import playlist_interop


def _public_packages() -> list[str]:
    names = ["playlist_interop"]
    for info in pkgutil.walk_packages(playlist_interop.__path__, "playlist_interop."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        names.append(info.name)
    return names


@pytest.mark.parametrize("module_name", _public_packages())
def test_all_is_sorted_and_honest(module_name: str) -> None:
    module = importlib.import_module(module_name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{module_name} has no __all__"
    assert list(exported) == sorted(exported), f"{module_name}.__all__ is not sorted"
    for name in exported:
        assert hasattr(module, name), f"{module_name}.__all__ names missing {name}"
    # Nothing public defined or re-exported here is missing from __all__.
    for name, value in vars(module).items():
        if name.startswith("_") or inspect.ismodule(value):
            continue
        if name in {"annotations", "TYPE_CHECKING"}:
            continue
        defined_here = getattr(value, "__module__", module_name) or module_name
        if defined_here.startswith("playlist_interop"):
            assert name in exported, f"{module_name} exposes {name} outside __all__"


def test_version_comes_from_metadata() -> None:
    from importlib.metadata import version

    assert playlist_interop.__version__ == version("playlist-interop")
