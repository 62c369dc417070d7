"""Provider tokens are encrypted at rest and survive key rotation (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from playlist_interop.providers import UserProfile
from playlist_interop.providers.auth import OAuthToken
from playlist_interop.types import ProviderName
from playlist_service.accounts import AccountStore
from playlist_service.crypto import KeyRing, rotate
from playlist_service.store.tables import metadata

OLD = ("old", KeyRing.generate_key())
NEW = ("new", KeyRing.generate_key())


def _token(n: int) -> OAuthToken:
    return OAuthToken(
        access_token=f"PLAINTEXT-ACCESS-{n}-a8f3",
        refresh_token=f"PLAINTEXT-REFRESH-{n}-77c1",
        expires_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
        scope=("playlist-read-private",),
    )


async def _dump(engine: AsyncEngine) -> bytes:
    """Every value of every table, as bytes (what a stolen database backup would show)."""
    out = bytearray()
    async with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if not await conn.run_sync(lambda c, name=table.name: sa.inspect(c).has_table(name)):
                continue
            for row in await conn.execute(sa.select(table)):
                for value in row:
                    out += value if isinstance(value, bytes) else str(value).encode()
                    out += b"\x00"
    return bytes(out)


async def test_no_plaintext_token_in_the_database(engine: AsyncEngine) -> None:
    store = AccountStore(engine, KeyRing([NEW]))
    for n in range(3):
        profile = UserProfile(provider=ProviderName("spotify"), id=f"user{n}")
        await store.login(profile, _token(n))
    dump = await _dump(engine)
    assert b"spotify" in dump  # the dump does see the rows
    assert b"user1" in dump
    assert b"PLAINTEXT" not in dump
    # and the raw file of an embedded database has no plaintext either
    if engine.dialect.name == "sqlite":
        from pathlib import Path

        path = Path(engine.url.database or "")
        raw = path.read_bytes() + (path.parent / (path.name + "-wal")).read_bytes()
        assert b"PLAINTEXT" not in raw


async def test_rotation_reencrypts_everything_and_is_resumable(engine: AsyncEngine) -> None:
    old_store = AccountStore(engine, KeyRing([OLD]))
    accounts = []
    for n in range(7):
        result = await old_store.login(
            UserProfile(provider=ProviderName("deezer"), id=f"u{n}"), _token(n)
        )
        accounts.append(result.account)

    rotated_ring = KeyRing([NEW, OLD])
    # The API restarted with the new ring: a token refreshed now is written under "new"...
    api_store = AccountStore(engine, rotated_ring)
    await api_store.save_token(accounts[0], _token(100))
    # ...and the rotation run only has the six others left to do.
    first = await rotate(engine, rotated_ring, batch=2)
    assert first.reencrypted == 6
    assert first.failed == 0
    again = await rotate(engine, rotated_ring, batch=2)  # rerun: nothing left to do
    assert again.reencrypted == 0

    new_only = AccountStore(engine, KeyRing([NEW]))  # the old key can now be dropped
    assert (await new_only.load_token(accounts[0])).access_token == "PLAINTEXT-ACCESS-100-a8f3"
    for n, account in enumerate(accounts[1:], start=1):
        token = await new_only.load_token(account)
        assert token.access_token == f"PLAINTEXT-ACCESS-{n}-a8f3"
        assert token.refresh_token == f"PLAINTEXT-REFRESH-{n}-77c1"
        assert token.scope == ("playlist-read-private",)


async def test_interrupted_rotation_continues_where_it_stopped(engine: AsyncEngine) -> None:
    old_store = AccountStore(engine, KeyRing([OLD]))
    for n in range(5):
        await old_store.login(UserProfile(provider=ProviderName("tidal"), id=f"t{n}"), _token(n))
    ring = KeyRing([NEW, OLD])

    partial = await rotate(engine, ring, batch=1, max_rows=2)  # stopped after two rows
    assert partial.reencrypted == 2
    async with engine.connect() as conn:
        keys = [
            k for (k,) in await conn.execute(sa.text("SELECT token_key_id FROM provider_accounts"))
        ]
    assert sorted(keys) == ["new", "new", "old", "old", "old"]
    report = await rotate(engine, ring, batch=2)
    assert report.reencrypted == 3
    async with engine.connect() as conn:
        keys = [
            k for (k,) in await conn.execute(sa.text("SELECT token_key_id FROM provider_accounts"))
        ]
    assert keys == ["new"] * 5
