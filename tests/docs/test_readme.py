"""The README stays the front door: the two commands first, and links that lead somewhere."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_two_commands_come_first() -> None:
    first_block = README.split("```bash\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()]
    assert commands == ["bash scripts/serve", "bash scripts/test"]
    assert README.index("```bash") < README.index("```python")


def test_relative_links_point_at_files() -> None:
    targets = re.findall(r"\]\(((?!https?://|#)[^)\s]+)\)", README)
    assert "docs/quickstart.md" in targets
    missing = [t for t in targets if not (ROOT / t.split("#")[0]).exists()]
    assert missing == []
