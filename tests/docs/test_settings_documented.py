"""The 'Running the service' guide lists every environment variable the service reads."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "guides" / "service.md"
SOURCES = [
    ROOT / "src" / "playlist_service" / "settings.py",
    ROOT / "src" / "playlist_service" / "worker" / "_options.py",
]
# Names read as get("NAME"), get(_PREFIX + "NAME") or listed as ("NAME", "attribute") pairs.
READ = re.compile(
    r'get\((?:_PREFIX \+ )?"([A-Z][A-Z0-9_]+)"|\(\s*"([A-Z][A-Z0-9_]+)",\s*"[a-z0-9_]+"'
)


def read_variables() -> set[str]:
    names: set[str] = set()
    for source in SOURCES:
        for match in READ.finditer(source.read_text(encoding="utf-8")):
            names.add("PLAYLIST_SERVICE_" + (match.group(1) or match.group(2)))
    return names


def test_every_setting_is_in_the_guide() -> None:
    variables = read_variables()
    assert "PLAYLIST_SERVICE_DATABASE_URL" in variables  # the pattern still finds them
    assert "PLAYLIST_SERVICE_WORKER_CONCURRENCY" in variables
    assert "PLAYLIST_SERVICE_S3_ENDPOINT_URL" in variables
    assert "PLAYLIST_SERVICE_WEBHOOK_ALLOW_HTTP" in variables
    documented = set(re.findall(r"`(PLAYLIST_SERVICE_[A-Z0-9_]+)`", GUIDE.read_text("utf-8")))
    assert sorted(variables - documented) == []
