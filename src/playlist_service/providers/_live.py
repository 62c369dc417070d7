"""Calling a user's provider account, with renewed tokens saved and a lost race recovered.

Provider access tokens are renewed by the library's ``OAuthSession`` when they expire; the
new tokens go back to the account row through a ``TokenSaver``. Two requests of the same
user (or two API processes) may renew at the same moment: providers that rotate refresh
tokens (Spotify) accept the old refresh token once, so the slower request is refused. It
then reads the account again and, when the other request has stored newer tokens, retries
once with them instead of failing (it looks again for up to ~1.5 s, as the winner may
still be writing them).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from playlist_interop.errors import AuthError
from playlist_interop.providers import Provider
from playlist_service.accounts import AccountStore, AccountTokenSaver
from playlist_service.providers._hub import ProviderHub

__all__ = ["ProviderNotLinked", "call_provider"]

T = TypeVar("T")

_RELOAD_DELAYS = (0.0, 0.05, 0.1, 0.2, 0.4, 0.8)
"""Seconds to wait before each re-read of the account after a refused renewal (~1.5 s)."""


class ProviderNotLinked(LookupError):
    """The user has no account at this provider."""


async def call_provider(
    hub: ProviderHub,
    accounts: AccountStore,
    user_id: str,
    name: str,
    operation: Callable[[Provider], Awaitable[T]],
) -> T:
    """Run ``operation`` with the user's adapter at ``name``.

    Raises:
        ProviderNotConfigured: the deployment has no such provider.
        ProviderNotLinked: the user has no account there.
        AuthError: the provider refused the account's grant (the user must sign in again).
    """
    hub.get(name)
    account = await accounts.find(user_id, name)
    if account is None:
        raise ProviderNotLinked(name)
    token = await accounts.load_token(account)
    saver = AccountTokenSaver(accounts, account)
    try:
        async with hub.open(name, token, saver=saver) as provider:
            return await operation(provider)
    except AuthError:
        # The winner of a renewal race may still be storing its tokens: look a few times.
        for delay in _RELOAD_DELAYS:
            await asyncio.sleep(delay)
            fresh = await accounts.load_token(account)
            if fresh != token:
                break
        else:
            raise  # nobody renewed it meanwhile: the grant itself is gone
    async with hub.open(name, fresh, saver=saver) as provider:
        return await operation(provider)
