"""``playlist-service`` commands: migrate-db, rotate-keys, bad settings."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from playlist_service.__main__ import main


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("PLAYLIST_SERVICE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PLAYLIST_SERVICE_DATA_DIR", str(tmp_path))
    return tmp_path


def test_migrate_db_then_rotate_keys(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate-db"]) == 0
    assert "empty -> 0" in capsys.readouterr().out
    assert main(["migrate-db"]) == 0  # already at head
    out = capsys.readouterr().out
    assert "empty" not in out
    assert (env / "playlist-service.sqlite3").exists()

    assert main(["rotate-keys"]) == 0
    assert "re-encrypted 0 secrets under key 'k1'" in capsys.readouterr().out


def test_rotate_keys_prints_a_fresh_key(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rotate-keys", "--new-key", "k2"]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    key_id, _, key = line.partition(":")
    assert key_id == "k2"
    assert len(base64.b64decode(key)) == 32


def test_bad_settings_exit_2(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PLAYLIST_SERVICE_JWT_SECRET", "short")
    assert main(["migrate-db"]) == 2
    assert "JWT_SECRET" in capsys.readouterr().err
