"""mkdocs hooks: the service contract in the site, and Sphinx roles in docstrings.

- ``docs/service/api.md`` renders ``service/openapi.yaml`` with the swagger-ui-tag plugin.
  That file is generated here from ``src/playlist_service/api/openapi.yaml`` (the source of
  truth) instead of keeping a copy under ``docs/`` that could drift.
- Docstrings cross-reference with Sphinx roles (``:class:`~pkg.Name```), which Markdown
  renders as ``:class:`` followed by code. The roles are dropped from the rendered pages and
  ``~`` shortens a dotted path to its last part, as Sphinx would show it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

CONTRACT = Path(__file__).resolve().parent / "src" / "playlist_service" / "api" / "openapi.yaml"
SITE_PATH = "service/openapi.yaml"
_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|attr|data|exc|obj|const):(?=<code>)")
_SHORTEN = re.compile(r"<code>~(?:\w+\.)*(\w+)</code>")


def on_files(files: Files, config: Any, **_kwargs: Any) -> Files:
    """Add the contract to the documentation files (before pages are rendered)."""
    files.append(File.generated(config, SITE_PATH, content=CONTRACT.read_bytes()))
    return files


def on_page_content(html: str, **_kwargs: Any) -> str:
    """Drop Sphinx roles before inline code (``:class:<code>X</code>`` -> ``<code>X</code>``)."""
    return _SHORTEN.sub(r"<code>\1</code>", _ROLE.sub("", html))
