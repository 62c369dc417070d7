"""``playlist providers``: the provider plugins found, with their load status."""

from __future__ import annotations

import argparse
import json
from typing import Any

from playlist_interop.providers import PluginStatus, discover_providers

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``providers`` command."""
    parser = subparsers.add_parser(
        "providers",
        help="list the music-service providers and plugin status",
        description=(
            "List every provider registered in the 'playlist_interop.providers' entry point "
            "group (built-in and plugins) with its status: loaded, load error or invalid."
        ),
    )
    parser.add_argument("--json", action="store_true", help="print the list as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print the providers; exit 1 when any plugin failed to load."""
    entries = discover_providers(refresh=True)
    if args.json:
        rows = [
            {
                "name": e.name,
                "status": str(e.status),
                "target": e.value,
                "distribution": e.distribution,
                "capabilities": sorted(c.value for c in e.capabilities),
                "error": e.error,
            }
            for e in entries
        ]
        print(json.dumps(rows, indent=2))
    elif not entries:
        print("no providers installed")
    else:
        width = max(len(e.name) for e in entries)
        for entry in entries:
            detail = entry.distribution or entry.value
            if entry.status is PluginStatus.LOADED:
                caps = ", ".join(sorted(c.value for c in entry.capabilities))
                print(f"{entry.name:<{width}}  loaded      {detail}")
                print(f"{'':<{width}}  capabilities: {caps}")
            else:
                print(f"{entry.name:<{width}}  {entry.status:<10}  {detail}: {entry.error}")
    broken = any(e.status is not PluginStatus.LOADED for e in entries)
    return 1 if broken else 0
