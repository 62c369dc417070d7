"""Settings from PLAYLIST_SERVICE_* variables, their defaults and their validation."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest

from playlist_service.settings import Settings, SettingsError, normalise_database_url

KEY = base64.b64encode(os.urandom(32)).decode()


def test_embedded_defaults_generate_and_keep_secrets(tmp_path: Path) -> None:
    first = Settings.from_env({"PLAYLIST_SERVICE_DATA_DIR": str(tmp_path)})
    assert first.database_url == (
        f"sqlite+aiosqlite:///{(tmp_path / 'playlist-service.sqlite3').resolve()}"
    )
    assert first.blob_location == (tmp_path / "blobs").resolve().as_uri()
    assert first.worker == "inprocess"
    assert first.demo is False
    assert first.redis_url is None
    secrets_file = tmp_path / "secrets.json"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    second = Settings.from_env({"PLAYLIST_SERVICE_DATA_DIR": str(tmp_path)})
    assert second.jwt_secret == first.jwt_secret  # a restart keeps sessions valid
    assert second.token_keys == first.token_keys
    assert first.jwt_secret.hex() not in repr(first)


def test_variables_are_read(tmp_path: Path) -> None:
    env = {
        "PLAYLIST_SERVICE_DATA_DIR": str(tmp_path),
        "PLAYLIST_SERVICE_DATABASE_URL": "postgresql://u@db:5432/app?search_path=t1",
        "PLAYLIST_SERVICE_JWT_SECRET": "base64:" + KEY,
        "PLAYLIST_SERVICE_REFRESH_HASH_KEY": "x" * 40,
        "PLAYLIST_SERVICE_TOKEN_KEYS": f"new:{KEY},old:{KEY}",
        "PLAYLIST_SERVICE_PORT": "9000",
        "PLAYLIST_SERVICE_DATABASE_POOL_SIZE": "7",
        "PLAYLIST_SERVICE_SESSION_CHECK_INTERVAL": "0.5",
        "PLAYLIST_SERVICE_PUBLIC_URL": "https://api.example.org/",
        "PLAYLIST_SERVICE_DEMO": "true",
        "PLAYLIST_SERVICE_ALLOWED_REDIRECTS": "com.example.app:/cb, https://example.org/app",
        "PLAYLIST_SERVICE_PROVIDERS": json.dumps(
            {"spotify": {"client_id": "abc", "scopes": ["playlist-read-private"]}}
        ),
    }
    settings = Settings.from_env(env)
    assert settings.database_url == "postgresql+asyncpg://u@db:5432/app?search_path=t1"
    assert settings.jwt_secret == base64.b64decode(KEY)
    assert [key_id for key_id, _ in settings.token_keys] == ["new", "old"]
    assert settings.port == 9000
    assert settings.database_pool_size == 7
    assert settings.session_check_interval == 0.5
    assert settings.base_url == "https://api.example.org"
    assert settings.demo is True
    assert settings.allowed_redirects == ("com.example.app:/cb", "https://example.org/app")
    assert settings.providers["spotify"].client_id == "abc"
    assert settings.providers["spotify"].scopes == ("playlist-read-private",)
    assert not (tmp_path / "secrets.json").exists()  # nothing generated when all are given


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("JWT_SECRET", "too-short", "at least 32 bytes"),
        ("TOKEN_KEYS", "k1:" + base64.b64encode(b"short").decode(), "32 bytes"),
        ("TOKEN_KEYS", f"k1:{KEY},k1:{KEY}", "duplicate"),
        ("TOKEN_KEYS", "nonsense", "id:base64key"),
        ("PORT", "eighty", "integer"),
        ("WORKER", "threads", "WORKER"),
        ("EVENT_LOOP", "trio", "EVENT_LOOP"),
        ("DATABASE_POOL_SIZE", "0", "at least 1"),
        ("DATABASE_POOL_SIZE", "many", "integer"),
        ("SESSION_CHECK_INTERVAL", "-1", "between 0 and 60"),
        ("SESSION_CHECK_INTERVAL", "3600", "between 0 and 60"),
        ("SESSION_CHECK_INTERVAL", "soon", "number"),
        ("PROVIDERS", '{"spotify": {}}', "client_id"),
    ],
)
def test_bad_values_are_refused(tmp_path: Path, name: str, value: str, message: str) -> None:
    env = {"PLAYLIST_SERVICE_DATA_DIR": str(tmp_path), f"PLAYLIST_SERVICE_{name}": value}
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


def test_database_url_drivers() -> None:
    assert normalise_database_url("postgres://h/db") == "postgresql+asyncpg://h/db"
    assert normalise_database_url("sqlite:///x.db") == "sqlite+aiosqlite:///x.db"
    assert normalise_database_url("sqlite+aiosqlite:///x.db") == "sqlite+aiosqlite:///x.db"
