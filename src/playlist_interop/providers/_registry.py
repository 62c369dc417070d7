"""Provider plugins: discovery through the ``playlist_interop.providers`` entry point group.

Built-in providers register in the package's own metadata exactly like third-party ones.
Discovery loads every entry point once, records a :class:`ProviderEntry` with a status for
each, and never lets one broken plugin hide the others.
"""

from __future__ import annotations

import enum
import inspect
import logging
import threading
from importlib.metadata import EntryPoint, entry_points
from typing import Any, cast

import attrs

from playlist_interop.errors import PluginError
from playlist_interop.providers._protocol import Capability, Provider, ProviderFactory
from playlist_interop.types import ProviderName

__all__ = [
    "ENTRY_POINT_GROUP",
    "PluginStatus",
    "ProviderEntry",
    "available_providers",
    "discover_providers",
    "get_provider",
]

logger = logging.getLogger("playlist_interop.providers")

ENTRY_POINT_GROUP = "playlist_interop.providers"
"""The entry point group provider plugins register in."""

_REQUIRED_METHODS = tuple(
    name
    for name, value in vars(Provider).items()
    if not name.startswith("_") and inspect.isfunction(value)
)


class PluginStatus(enum.StrEnum):
    """Outcome of loading one entry point."""

    LOADED = "loaded"
    """Imported and valid; usable through :func:`get_provider`."""
    LOAD_ERROR = "load error"
    """Importing the entry point raised."""
    INVALID = "invalid"
    """Imported, but not a provider (or a duplicate name)."""


@attrs.frozen
class ProviderEntry:
    """What discovery learnt about one entry point."""

    name: ProviderName
    """Entry point name, which is the provider name."""
    value: str
    """The entry point's target, ``module:attribute``."""
    distribution: str | None
    """Distribution (package) that declared it, with its version."""
    status: PluginStatus
    """Whether it can be used."""
    error: str | None = None
    """Why not, when it cannot."""
    factory: Any = attrs.field(default=None, repr=False, eq=False)
    """The provider class (loaded entries only)."""
    capabilities: frozenset[Capability] = frozenset()
    """What the provider declares it can do (loaded entries only)."""


def _validate(name: str, obj: object) -> str | None:
    """Why ``obj`` is not a provider factory, or ``None`` when it is one."""
    if not callable(obj):
        return f"{type(obj).__name__} object is not callable"
    declared = getattr(obj, "name", None)
    if declared != name:
        return f"declares name {declared!r}, registered as {name!r}"
    caps = getattr(obj, "capabilities", None)
    if not isinstance(caps, frozenset) or not all(isinstance(c, Capability) for c in caps):
        return "capabilities is not a frozenset of Capability"
    batch = getattr(obj, "max_add_batch", None)
    if not isinstance(batch, int) or isinstance(batch, bool) or batch < 1:
        return "max_add_batch is not a positive int"
    missing = [m for m in _REQUIRED_METHODS if not callable(getattr(obj, m, None))]
    if missing:
        return "missing methods: " + ", ".join(missing)
    return None


def _distribution(ep: EntryPoint) -> str | None:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return None
    return f"{dist.metadata['Name']} {dist.version}"


def _is_builtin(ep: EntryPoint) -> bool:
    """Whether ``ep`` is declared by this library's own distribution."""
    dist = getattr(ep, "dist", None)
    return dist is not None and dist.metadata["Name"] == "playlist-interop"


def _load(ep: EntryPoint) -> ProviderEntry:
    name = ProviderName(ep.name)
    dist = _distribution(ep)
    try:
        obj = ep.load()
    except Exception as exc:  # noqa: BLE001 - plugin code may raise anything; isolate it
        logger.warning("provider plugin %s (%s) failed to load: %r", name, ep.value, exc)
        return ProviderEntry(
            name=name,
            value=ep.value,
            distribution=dist,
            status=PluginStatus.LOAD_ERROR,
            error=f"{type(exc).__name__}: {exc}",
        )
    problem = _validate(ep.name, obj)
    if problem is not None:
        logger.warning("provider plugin %s (%s) is invalid: %s", name, ep.value, problem)
        return ProviderEntry(
            name=name,
            value=ep.value,
            distribution=dist,
            status=PluginStatus.INVALID,
            error=problem,
        )
    return ProviderEntry(
        name=name,
        value=ep.value,
        distribution=dist,
        status=PluginStatus.LOADED,
        factory=obj,
        capabilities=getattr(obj, "capabilities", frozenset()),
    )


_lock = threading.Lock()
_cache: tuple[ProviderEntry, ...] | None = None


def discover_providers(*, refresh: bool = False) -> tuple[ProviderEntry, ...]:
    """Load every provider entry point once and report on each, sorted by name.

    Args:
        refresh: Forget earlier results and scan the installed distributions again
            (after installing a plugin at run time).
    """
    global _cache  # noqa: PLW0603 - one process-wide cache of loaded plugins
    with _lock:
        if _cache is not None and not refresh:
            return _cache
        seen: dict[str, ProviderEntry] = {}
        duplicates: list[ProviderEntry] = []
        # Built-ins first among equal names: a plugin cannot shadow them by coming earlier
        # on sys.path; between plugins, the first found wins.
        ordered = sorted(
            entry_points(group=ENTRY_POINT_GROUP), key=lambda e: (e.name, not _is_builtin(e))
        )
        for ep in ordered:
            if ep.name in seen:
                if seen[ep.name].value == ep.value:
                    continue  # the same distribution found twice on sys.path
                duplicates.append(
                    ProviderEntry(
                        name=ProviderName(ep.name),
                        value=ep.value,
                        distribution=_distribution(ep),
                        status=PluginStatus.INVALID,
                        error=f"duplicate provider name; {seen[ep.name].value} was loaded",
                    )
                )
                continue
            seen[ep.name] = _load(ep)
        _cache = tuple(sorted([*seen.values(), *duplicates], key=lambda e: (e.name, e.value)))
        return _cache


def available_providers() -> list[ProviderName]:
    """Names of the providers that loaded, sorted."""
    return sorted({e.name for e in discover_providers() if e.status is PluginStatus.LOADED})


def get_provider(name: str) -> ProviderFactory:
    """The provider class registered as ``name``; call it to build an adapter.

    Raises:
        PluginError: No such provider, or its plugin failed to load or is invalid.
    """
    entries = [e for e in discover_providers() if e.name == name]
    for entry in entries:
        if entry.status is PluginStatus.LOADED:
            return cast(ProviderFactory, entry.factory)
    if entries:
        entry = entries[0]
        raise PluginError(f"provider {name!r} is unusable ({entry.status}): {entry.error}")
    known = ", ".join(available_providers()) or "none"
    raise PluginError(f"unknown provider {name!r} (available: {known})")
