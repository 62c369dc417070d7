"""The 'Writing a provider' page's Jukebox example passes the conformance kit, as it claims."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

PAGE = Path(__file__).resolve().parents[2] / "docs" / "writing-a-provider.md"


def test_the_documented_provider_passes_the_kit(tmp_path: Path) -> None:
    text = PAGE.read_text(encoding="utf-8")
    python = re.findall(r"```python\n(.*?)```", text, re.S)
    suite = re.findall(r"```text\n(# tests/test_conformance.py.*?)```", text, re.S)
    assert len(python) >= 2
    assert len(suite) == 1
    # The emulator and the adapter blocks, then the conformance subclass the page shows.
    (tmp_path / "test_jukebox.py").write_text(python[0] + "\n" + python[1] + "\n" + suite[0])
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rs",
            "-p",
            "no:cacheprovider",
            "-o",
            "asyncio_mode=strict",
            "-o",
            "asyncio_default_fixture_loop_scope=function",
            "test_jukebox.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "8 passed, 7 skipped" in result.stdout
    assert "jukebox does not offer search_isrc" in result.stdout
