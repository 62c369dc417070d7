"""Mobile sign-in: attempt -> provider -> callback -> the app redeems with its PKCE verifier.

1. ``begin``: the app sends the S256 challenge of a verifier it keeps, and its redirect URI.
   The service creates an *attempt* (10 minutes), makes its own PKCE pair and ``state`` for
   the provider, stores the verifier encrypted (bound to the attempt) and only a hash of the
   state, and answers with the provider's authorization URL.
2. The user consents at the provider, which redirects to ``/auth/callback/{provider}`` with
   ``code`` and ``state``. ``callback`` finds the attempt by the state's hash (a state is
   good once), exchanges the code with the service's verifier, fetches the profile through
   the adapter, creates or links the user, stores the tokens encrypted, and marks the attempt
   complete. The browser is sent back to the app with only the attempt id — no secret.
3. The app polls ``status`` (pending/complete/failed/redeemed/expired — nothing else) and
   calls ``redeem`` with the attempt id and its verifier in a POST body. Only the holder of the
   verifier gets the session, once; a leaked attempt id or redirect reveals nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from typing import Final

import attrs
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from playlist_interop.errors import PlaylistInteropError
from playlist_interop.providers.auth import OAuthSession, PkcePair, code_challenge, generate_state
from playlist_service.accounts import AccountLinkedElsewhere, AccountStore
from playlist_service.auth._sessions import IssuedTokens, SessionManager
from playlist_service.crypto import DecryptionError, KeyRing, attempt_context
from playlist_service.providers import ProviderHub, ProviderNotConfigured
from playlist_service.store import read_only
from playlist_service.store.tables import oauth_attempts, utcnow

__all__ = ["AttemptStatus", "LoginError", "MobileLogin", "StartedAttempt"]

_CHALLENGE: Final = re.compile(r"[A-Za-z0-9_-]{43}")
_VERIFIER: Final = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


class LoginError(Exception):
    """A sign-in step was refused; ``code`` names the problem, ``status`` the HTTP status."""

    def __init__(self, code: str, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


@attrs.frozen
class StartedAttempt:
    """What ``begin`` hands back to the app."""

    attempt_id: str
    authorization_url: str = attrs.field(repr=False)
    expires_at: dt.datetime
    provider: str


@attrs.frozen
class AttemptStatus:
    """What polling an attempt reveals (nothing secret)."""

    attempt_id: str
    provider: str
    status: str
    """``pending``, ``complete``, ``failed``, ``redeemed`` or ``expired``."""
    expires_at: dt.datetime
    error: str | None = None
    app_redirect_uri: str | None = None


class MobileLogin:
    """The sign-in flow; see the module docstring.

    Args:
        engine: The service database.
        ring: Key ring encrypting the provider PKCE verifier.
        state_key: HMAC key for stored ``state`` hashes.
        hub: Configured providers.
        accounts: Users and linked accounts.
        sessions: Session manager (the redeem step opens a device session).
        attempt_ttl: Seconds an attempt lives.
        allowed_redirects: Prefixes an app redirect URI must start with.
    """

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        ring: KeyRing,
        state_key: bytes,
        hub: ProviderHub,
        accounts: AccountStore,
        sessions: SessionManager,
        attempt_ttl: int = 600,
        allowed_redirects: Sequence[str] = (),
    ) -> None:
        self.engine = engine
        self.ring = ring
        self._state_key = state_key
        self.hub = hub
        self.accounts = accounts
        self.sessions = sessions
        self.attempt_ttl = attempt_ttl
        self.allowed_redirects = tuple(allowed_redirects)

    def _state_hash(self, state: str) -> bytes:
        return hmac.new(
            self._state_key, b"oauth-state\x00" + state.encode(), hashlib.sha256
        ).digest()

    def redirect_allowed(self, uri: str) -> bool:
        """Whether an app may ask to be sent back to ``uri``."""
        if len(uri) > 2048 or any(ch in uri for ch in "\r\n\t "):
            return False
        return any(uri.startswith(prefix) for prefix in self.allowed_redirects)

    async def begin(
        self,
        provider: str,
        *,
        code_challenge: str,
        code_challenge_method: str = "S256",
        redirect_uri: str | None = None,
        device_name: str | None = None,
        link_user: str | None = None,
    ) -> StartedAttempt:
        """Create an attempt and the provider authorization URL."""
        try:
            self.hub.get(provider)
        except ProviderNotConfigured:
            raise LoginError(
                "provider-not-configured", f"no sign-in with {provider}", status=404
            ) from None
        if code_challenge_method != "S256":
            raise LoginError("invalid-request", "code_challenge_method must be S256")
        if not _CHALLENGE.fullmatch(code_challenge):
            raise LoginError("invalid-request", "code_challenge must be 43 base64url characters")
        if redirect_uri is not None and not self.redirect_allowed(redirect_uri):
            raise LoginError("redirect-not-allowed", "this redirect_uri is not allowed")
        state = generate_state()
        pkce = PkcePair.generate()
        attempt_id = secrets.token_urlsafe(24)
        now = utcnow()
        expires_at = now + dt.timedelta(seconds=self.attempt_ttl)
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.insert(oauth_attempts).values(
                    id=attempt_id,
                    provider=provider,
                    status="pending",
                    state_hash=self._state_hash(state),
                    provider_verifier=self.ring.encrypt(
                        pkce.verifier.encode(), context=attempt_context(attempt_id, provider)
                    ),
                    app_challenge=code_challenge,
                    app_redirect_uri=redirect_uri,
                    device_name=device_name[:200] if device_name else None,
                    user_id=link_user,
                    created_at=now,
                    expires_at=expires_at,
                )
            )
        client = self.hub.oauth_client(provider)
        try:
            url = client.authorization_url(state=state, pkce=pkce)
        finally:
            await client.aclose()
        return StartedAttempt(attempt_id, url, expires_at, provider)

    async def callback(
        self,
        provider: str,
        *,
        state: str | None,
        code: str | None,
        error: str | None = None,
    ) -> AttemptStatus:
        """Complete the attempt the provider redirect belongs to.

        Raises:
            LoginError: the state is unknown, used, expired or for another provider.
        """
        if not state:
            raise LoginError("invalid-state", "the callback has no state")
        t = oauth_attempts
        now = utcnow()
        state_hash = self._state_hash(state)
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(
                    sa.select(
                        t.c.id, t.c.provider, t.c.provider_verifier, t.c.user_id, t.c.expires_at
                    ).where(t.c.state_hash == state_hash)
                )
            ).first()
            if row is None or row.provider != provider:
                raise LoginError(
                    "attempt-not-found", "no sign-in attempt has this state", status=404
                )
            # Claim the attempt: one callback per state, even if the browser retries.
            claimed = await conn.execute(
                sa.update(t)
                .where(t.c.id == row.id, t.c.status == "pending", t.c.expires_at > now)
                .values(status="exchanging")
            )
        if claimed.rowcount != 1:
            raise LoginError(
                "attempt-used", "this sign-in was already completed or has expired", status=409
            )
        if error or not code:
            return await self._finish(row.id, failed=error or "no-code")
        try:
            verifier = self.ring.decrypt(
                row.provider_verifier, context=attempt_context(row.id, provider)
            ).decode()
            client = self.hub.oauth_client(provider)
            try:
                token = await client.exchange_code(code, code_verifier=verifier)
                session = OAuthSession(client, token)
                adapter = self.hub.adapter(provider, session)
                try:
                    profile = await adapter.current_user()
                finally:
                    await adapter.aclose()
                token = session.token  # in case the adapter had to refresh it already
            finally:
                await client.aclose()
            result = await self.accounts.login(profile, token, link_to_user=row.user_id)
        except AccountLinkedElsewhere:
            return await self._finish(row.id, failed="account-linked-elsewhere")
        except PlaylistInteropError:
            return await self._finish(row.id, failed="provider-error")
        except DecryptionError:
            return await self._finish(row.id, failed="internal-error")
        except BaseException:
            # Never leave the attempt "exchanging": the app would poll until it expires.
            await asyncio.shield(self._finish(row.id, failed="internal-error"))
            raise
        return await self._finish(row.id, user_id=result.user_id)

    async def _finish(
        self, attempt_id: str, *, user_id: str | None = None, failed: str | None = None
    ) -> AttemptStatus:
        t = oauth_attempts
        values: dict[str, object] = {"completed_at": utcnow()}
        if failed is not None:
            values.update(status="failed", error=failed[:64])
        else:
            values.update(status="complete", user_id=user_id)
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.update(t)
                .where(t.c.id == attempt_id, t.c.status == "exchanging")
                .values(**values)
            )
        status = await self.status(attempt_id)
        assert status is not None
        return status

    async def status(self, attempt_id: str) -> AttemptStatus | None:
        """What an attempt's state is (``None`` when unknown)."""
        t = oauth_attempts
        async with read_only(self.engine) as conn:
            row = (
                await conn.execute(
                    sa.select(
                        t.c.provider, t.c.status, t.c.expires_at, t.c.error, t.c.app_redirect_uri
                    ).where(t.c.id == attempt_id)
                )
            ).first()
        if row is None:
            return None
        status = row.status
        if status == "exchanging":
            status = "pending"  # the provider answered; we are still talking to it
        if status in {"pending", "complete"} and row.expires_at <= utcnow():
            status = "expired"
        return AttemptStatus(
            attempt_id=attempt_id,
            provider=row.provider,
            status=status,
            expires_at=row.expires_at,
            error=row.error if status == "failed" else None,
            app_redirect_uri=row.app_redirect_uri,
        )

    async def redeem(
        self,
        attempt_id: str,
        code_verifier: str,
        *,
        user_agent: str | None = None,
        ip: str | None = None,
    ) -> IssuedTokens:
        """Exchange a completed attempt and the app's verifier for a session (once)."""
        if not _VERIFIER.fullmatch(code_verifier):
            raise LoginError("invalid-grant", "malformed code_verifier")
        t = oauth_attempts
        now = utcnow()
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(
                    sa.select(
                        t.c.status, t.c.app_challenge, t.c.user_id, t.c.expires_at, t.c.device_name
                    ).where(t.c.id == attempt_id)
                )
            ).first()
            if row is None:
                raise LoginError("attempt-not-found", "no such sign-in attempt", status=404)
            if row.expires_at <= now:
                raise LoginError("attempt-expired", "the sign-in attempt has expired")
            if row.status != "complete" or row.user_id is None:
                raise LoginError(
                    "attempt-not-complete", f"the sign-in attempt is {row.status}", status=409
                )
            if not hmac.compare_digest(code_challenge(code_verifier), row.app_challenge):
                # One wrong verifier burns the attempt: nobody can try a second guess.
                await conn.execute(
                    sa.update(t)
                    .where(t.c.id == attempt_id, t.c.status == "complete")
                    .values(status="failed", error="invalid-verifier")
                )
                wrong = True
            else:
                wrong = False
                claimed = await conn.execute(
                    sa.update(t)
                    .where(t.c.id == attempt_id, t.c.status == "complete")
                    .values(status="redeemed", redeemed_at=now)
                )
                if claimed.rowcount != 1:
                    raise LoginError(
                        "attempt-not-complete", "the sign-in attempt was redeemed", status=409
                    )
                return await self.sessions.start(
                    row.user_id,
                    device_name=row.device_name,
                    user_agent=user_agent,
                    ip=ip,
                    conn=conn,
                )
        assert wrong
        raise LoginError("invalid-grant", "the code_verifier does not match")
