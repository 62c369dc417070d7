"""Users and their linked provider accounts, with provider tokens encrypted at rest.

Each token column is encrypted with the key ring and bound to its row (table, column,
account id, user id); ``token_key_id`` records the key so rotation finds what to redo.
"""

from __future__ import annotations

import datetime as dt
import uuid

import attrs
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from playlist_interop.providers import UserProfile
from playlist_interop.providers.auth import OAuthToken
from playlist_service.crypto import KeyRing, account_context
from playlist_service.store import read_only
from playlist_service.store.tables import provider_accounts, users, utcnow

__all__ = [
    "AccountLinkedElsewhere",
    "AccountStore",
    "AccountTokenSaver",
    "LinkedAccount",
    "LoginResult",
    "new_id",
]


def new_id() -> str:
    """A random 32-character hex id."""
    return uuid.uuid4().hex


class AccountLinkedElsewhere(Exception):
    """The provider account already belongs to another user of the service."""


@attrs.frozen
class LinkedAccount:
    """A provider account linked to a user (no secrets)."""

    id: str
    user_id: str
    provider: str
    provider_user_id: str
    display_name: str | None
    email: str | None
    country: str | None
    scopes: tuple[str, ...]
    token_expires_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


@attrs.frozen
class LoginResult:
    """The outcome of a provider login."""

    user_id: str
    account: LinkedAccount
    created_user: bool
    created_account: bool


def _account(m: sa.RowMapping) -> LinkedAccount:
    scopes = str(m["scopes"] or "")
    return LinkedAccount(
        id=m["id"],
        user_id=m["user_id"],
        provider=m["provider"],
        provider_user_id=m["provider_user_id"],
        display_name=m["display_name"],
        email=m["email"],
        country=m["country"],
        scopes=tuple(scopes.split()),
        token_expires_at=m["token_expires_at"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


_PUBLIC_COLUMNS = (
    provider_accounts.c.id,
    provider_accounts.c.user_id,
    provider_accounts.c.provider,
    provider_accounts.c.provider_user_id,
    provider_accounts.c.display_name,
    provider_accounts.c.email,
    provider_accounts.c.country,
    provider_accounts.c.scopes,
    provider_accounts.c.token_expires_at,
    provider_accounts.c.created_at,
    provider_accounts.c.updated_at,
)


class AccountStore:
    """Users and linked accounts; tokens go in and out only through the key ring."""

    def __init__(self, engine: AsyncEngine, ring: KeyRing) -> None:
        self.engine = engine
        self.ring = ring

    def _token_values(self, account_id: str, user_id: str, token: OAuthToken) -> dict[str, object]:
        access = self.ring.encrypt(
            token.access_token.encode(),
            context=account_context("access_token", account_id, user_id),
        )
        refresh = (
            self.ring.encrypt(
                token.refresh_token.encode(),
                context=account_context("refresh_token", account_id, user_id),
            )
            if token.refresh_token
            else None
        )
        return {
            "access_token": access,
            "refresh_token": refresh,
            "token_expires_at": token.expires_at,
            "scopes": " ".join(token.scope),
            "token_key_id": self.ring.current_id,
        }

    async def login(
        self,
        profile: UserProfile,
        token: OAuthToken,
        *,
        link_to_user: str | None = None,
    ) -> LoginResult:
        """Record a successful provider login: find or create the user, link, store tokens.

        With ``link_to_user`` (a signed-in user adding a provider) the account is linked to
        that user; if it already belongs to someone else, :class:`AccountLinkedElsewhere`.
        """
        for _attempt in range(3):  # a concurrent first login of the same account may race us
            try:
                return await self._login_once(profile, token, link_to_user)
            except IntegrityError:
                continue
        return await self._login_once(profile, token, link_to_user)

    async def _login_once(
        self, profile: UserProfile, token: OAuthToken, link_to_user: str | None
    ) -> LoginResult:
        t = provider_accounts
        now = utcnow()
        async with self.engine.begin() as conn:
            existing = (
                await conn.execute(
                    sa.select(t.c.id, t.c.user_id).where(
                        t.c.provider == profile.provider, t.c.provider_user_id == profile.id
                    )
                )
            ).first()
            details = {
                "display_name": profile.display_name,
                "email": profile.email,
                "country": profile.country,
            }
            if existing is not None:
                if link_to_user is not None and existing.user_id != link_to_user:
                    raise AccountLinkedElsewhere(profile.provider)
                await conn.execute(
                    sa.update(t)
                    .where(t.c.id == existing.id)
                    .values(
                        **details,
                        **self._token_values(existing.id, existing.user_id, token),
                        updated_at=now,
                    )
                )
                account = await self._get(conn, existing.id)
                return LoginResult(existing.user_id, account, False, False)
            created_user = False
            user_id = link_to_user
            if user_id is None:
                user_id = new_id()
                created_user = True
                await conn.execute(
                    sa.insert(users).values(
                        id=user_id, display_name=profile.display_name, created_at=now
                    )
                )
            account_id = new_id()
            await conn.execute(
                sa.insert(t).values(
                    id=account_id,
                    user_id=user_id,
                    provider=profile.provider,
                    provider_user_id=profile.id,
                    **details,
                    **self._token_values(account_id, user_id, token),
                    created_at=now,
                    updated_at=now,
                )
            )
            account = await self._get(conn, account_id)
            return LoginResult(user_id, account, created_user, True)

    @staticmethod
    async def _get(conn: AsyncConnection, account_id: str) -> LinkedAccount:
        row = (
            await conn.execute(
                sa.select(*_PUBLIC_COLUMNS).where(provider_accounts.c.id == account_id)
            )
        ).one()
        return _account(row._mapping)

    async def list_for_user(self, user_id: str) -> list[LinkedAccount]:
        """The user's linked accounts, oldest first."""
        async with read_only(self.engine) as conn:
            rows = await conn.execute(
                sa.select(*_PUBLIC_COLUMNS)
                .where(provider_accounts.c.user_id == user_id)
                .order_by(provider_accounts.c.created_at, provider_accounts.c.id)
            )
            return [_account(row._mapping) for row in rows]

    async def find(self, user_id: str, provider: str) -> LinkedAccount | None:
        """The user's account at ``provider`` (the most recently updated, if several)."""
        t = provider_accounts
        async with read_only(self.engine) as conn:
            row = (
                await conn.execute(
                    sa.select(*_PUBLIC_COLUMNS)
                    .where(t.c.user_id == user_id, t.c.provider == provider)
                    .order_by(t.c.updated_at.desc())
                    .limit(1)
                )
            ).first()
        return _account(row._mapping) if row is not None else None

    async def load_token(self, account: LinkedAccount) -> OAuthToken:
        """Decrypt the account's current tokens."""
        t = provider_accounts
        async with read_only(self.engine) as conn:
            row = (
                await conn.execute(
                    sa.select(
                        t.c.access_token, t.c.refresh_token, t.c.token_expires_at, t.c.scopes
                    ).where(t.c.id == account.id, t.c.user_id == account.user_id)
                )
            ).one()
        access = self.ring.decrypt(
            row.access_token, context=account_context("access_token", account.id, account.user_id)
        ).decode()
        refresh = (
            self.ring.decrypt(
                row.refresh_token,
                context=account_context("refresh_token", account.id, account.user_id),
            ).decode()
            if row.refresh_token is not None
            else None
        )
        return OAuthToken(
            access_token=access,
            refresh_token=refresh,
            expires_at=row.token_expires_at,
            scope=tuple(str(row.scopes or "").split()),
        )

    async def save_token(self, account: LinkedAccount, token: OAuthToken) -> None:
        """Store renewed tokens (the TokenSaver of the account's OAuth session)."""
        t = provider_accounts
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.update(t)
                .where(t.c.id == account.id, t.c.user_id == account.user_id)
                .values(
                    **self._token_values(account.id, account.user_id, token), updated_at=utcnow()
                )
            )

    async def unlink(self, user_id: str, account_id: str, *, keep_one: bool = False) -> str:
        """Remove a linked account and its tokens.

        Returns ``"unlinked"``, ``"not-found"`` (not the user's) or, with ``keep_one``,
        ``"last-account"`` when it is the user's only account. The user's row is locked
        first (PostgreSQL), so two concurrent unlinks cannot remove the last two accounts.
        """
        t = provider_accounts
        async with self.engine.begin() as conn:
            await conn.execute(sa.select(users.c.id).where(users.c.id == user_id).with_for_update())
            owned = (
                (await conn.execute(sa.select(t.c.id).where(t.c.user_id == user_id)))
                .scalars()
                .all()
            )
            if account_id not in owned:
                return "not-found"
            if keep_one and len(owned) == 1:
                return "last-account"
            await conn.execute(sa.delete(t).where(t.c.id == account_id, t.c.user_id == user_id))
            return "unlinked"

    async def user_display_name(self, user_id: str) -> str | None:
        """The user's display name (``None`` when unknown)."""
        async with read_only(self.engine) as conn:
            return await conn.scalar(sa.select(users.c.display_name).where(users.c.id == user_id))


class AccountTokenSaver:
    """A :class:`~playlist_interop.providers.auth.TokenSaver` writing to one account row."""

    def __init__(self, store: AccountStore, account: LinkedAccount) -> None:
        self._store = store
        self._account = account

    async def __call__(self, token: OAuthToken) -> None:
        await self._store.save_token(self._account, token)
