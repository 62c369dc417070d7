"""mkdocs hooks: put the service contract into the site at build time.

``docs/service/api.md`` renders ``service/openapi.yaml`` with the swagger-ui-tag plugin. That
file is generated here from ``src/playlist_service/api/openapi.yaml`` (the source of truth)
instead of keeping a copy under ``docs/`` that could drift.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

CONTRACT = Path(__file__).resolve().parent / "src" / "playlist_service" / "api" / "openapi.yaml"
SITE_PATH = "service/openapi.yaml"


def on_files(files: Files, config: Any, **_kwargs: Any) -> Files:
    """Add the contract to the documentation files (before pages are rendered)."""
    files.append(File.generated(config, SITE_PATH, content=CONTRACT.read_bytes()))
    return files
