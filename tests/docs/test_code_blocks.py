"""Every ``python`` code block in README.md and docs/ runs, top to bottom, per page."""

from __future__ import annotations

import os
import re
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


# Languages of blocks that are shown, not run. A Python example must be a ``python`` block
# (``py``, ``pycon`` or an unlabelled block would silently escape the test above).
SHOWN = {"bash", "console", "json", "text", "toml", "yaml"}
FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([\w+-]*)", re.MULTILINE)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_block_is_run_or_marked_as_shown(page: Path) -> None:
    opening = True
    for match in FENCE.finditer(page.read_text(encoding="utf-8")):
        if opening:
            language = match.group(3)
            assert language in SHOWN | {"python"}, f"{page.name}: a ```{language} block"
        opening = not opening
    assert opening, f"{page.name}: an unclosed code block"
