"""Users and linked accounts on SQLite and PostgreSQL: sign-in, linking, unlinking."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from playlist_interop.providers import UserProfile
from playlist_interop.providers.auth import OAuthToken
from playlist_interop.types import ProviderName
from playlist_service.accounts import AccountLinkedElsewhere, AccountStore
from playlist_service.crypto import KeyRing


@pytest.fixture
def store(engine: AsyncEngine) -> AccountStore:
    return AccountStore(engine, KeyRing([("k", KeyRing.generate_key())]))


def _profile(provider: str, uid: str) -> UserProfile:
    return UserProfile(provider=ProviderName(provider), id=uid, display_name=f"{uid} name")


async def test_first_login_creates_a_user_and_the_next_finds_it(store: AccountStore) -> None:
    first = await store.login(_profile("spotify", "s1"), OAuthToken(access_token="a1"))
    assert first.created_user
    assert first.created_account
    again = await store.login(_profile("spotify", "s1"), OAuthToken(access_token="a2"))
    assert again.user_id == first.user_id
    assert not again.created_user
    assert (await store.load_token(again.account)).access_token == "a2"
    assert await store.user_display_name(first.user_id) == "s1 name"


async def test_linking_and_refusing_to_move_an_account(store: AccountStore) -> None:
    alice = await store.login(_profile("spotify", "alice"), OAuthToken(access_token="a"))
    linked = await store.login(
        _profile("tidal", "alice-t"), OAuthToken(access_token="t"), link_to_user=alice.user_id
    )
    assert linked.user_id == alice.user_id
    bob = await store.login(_profile("deezer", "bob"), OAuthToken(access_token="b"))
    with pytest.raises(AccountLinkedElsewhere):
        await store.login(
            _profile("tidal", "alice-t"), OAuthToken(access_token="x"), link_to_user=bob.user_id
        )
    assert [a.provider for a in await store.list_for_user(alice.user_id)] == ["spotify", "tidal"]


async def test_concurrent_first_logins_make_one_user(store: AccountStore) -> None:
    results = await asyncio.gather(
        *(
            store.login(_profile("spotify", "same"), OAuthToken(access_token=f"t{n}"))
            for n in range(5)
        )
    )
    assert len({r.user_id for r in results}) == 1
    assert len(await store.list_for_user(results[0].user_id)) == 1


async def test_two_concurrent_unlinks_keep_one_account(store: AccountStore) -> None:
    a = await store.login(_profile("spotify", "u"), OAuthToken(access_token="a"))
    b = await store.login(
        _profile("tidal", "u"), OAuthToken(access_token="b"), link_to_user=a.user_id
    )
    outcomes = await asyncio.gather(
        store.unlink(a.user_id, a.account.id, keep_one=True),
        store.unlink(a.user_id, b.account.id, keep_one=True),
    )
    assert sorted(outcomes) == ["last-account", "unlinked"]
    assert len(await store.list_for_user(a.user_id)) == 1
    assert await store.unlink("someone-else", b.account.id) == "not-found"
