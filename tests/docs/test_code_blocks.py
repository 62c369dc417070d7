"""Every ``python`` code block in README.md and docs/ runs, top to bottom, per page."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from mktestdocs import check_md_file

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_code_blocks_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Pages write files relative to the working directory: give each its own.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PLAYLIST_DOCS_ROOT", str(ROOT))
    monkeypatch.setitem(os.environ, "PLAYLIST_CONFIG_DIR", str(tmp_path / "config"))
    check_md_file(fpath=page, memory=True)
