"""Sessions: short-lived JWTs and single-use refresh tokens, one family per device.

- The **access token** is a JWT (HS256 only, ``typ: at+jwt`` as in RFC 9068, ``iss``/``aud``
  checked, ``exp`` required) naming the user (``sub``) and the device session (``sid``). The
  signing key must be at least 32 bytes; PyJWT only warns about short keys, so the manager
  refuses them itself, and checks the ``typ`` header itself (PyJWT does not).
- The **refresh token** is 256 random bits, stored only as HMAC-SHA256 under a server key.
  Using it rotates it: the row is marked used by a conditional ``UPDATE ... WHERE used_at IS
  NULL`` and only the request whose update changed a row gets new tokens, so of N concurrent
  refreshes with one token exactly one succeeds (atomic in the database, whatever the number
  of API processes).
- Presenting a refresh token that was already used means it leaked (or a client replayed it):
  the whole device session — the family — is revoked, so the thief's and the owner's tokens
  both stop working and the owner signs in again.
- Each sign-in is a device session with its name, user agent and IP; the user can list them
  and revoke one or all. Revocation also stops access tokens: every authenticated request
  checks that its session is still live. A process remembers a confirmed session for
  ``session_check_interval`` seconds (:class:`SessionLiveness`) instead of asking the
  database on every request; the process that revokes forgets it at once and tells the
  others through ``revocations`` (Redis when configured), so only a lost broadcast can
  leave another process accepting a revoked session, for at most that interval.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Final

import attrs
import jwt
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from playlist_service.auth._liveness import SessionLiveness
from playlist_service.auth._principal import Principal
from playlist_service.store import read_only
from playlist_service.store.tables import refresh_tokens, sessions, utcnow

__all__ = [
    "ACCESS_TOKEN_TYPE",
    "DeviceSession",
    "IssuedTokens",
    "SessionError",
    "SessionManager",
]

ACCESS_TOKEN_TYPE: Final = "at+jwt"  # noqa: S105 - a JWT typ header value
_ALGORITHM: Final = "HS256"
_MIN_KEY_BYTES: Final = 32
_REFRESH_PREFIX: Final = "rt1."
MAX_VERIFIED_TOKENS: Final = 10_000
"""Access tokens a process remembers as verified (by digest); the oldest are dropped first."""


class SessionError(Exception):
    """A token was refused. ``code`` is the problem code the API answers with."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@attrs.frozen
class IssuedTokens:
    """What a sign-in or a refresh hands to the client."""

    access_token: str = attrs.field(repr=False)
    refresh_token: str = attrs.field(repr=False)
    expires_in: int
    """Seconds until the access token expires."""
    refresh_expires_at: dt.datetime
    session_id: str
    user_id: str


@attrs.frozen
class DeviceSession:
    """A device's sign-in as the sessions list shows it."""

    id: str
    device_name: str | None
    user_agent: str | None
    ip: str | None
    created_at: dt.datetime
    last_used_at: dt.datetime
    expires_at: dt.datetime


_SESSION_STATE = sa.select(sessions.c.user_id, sessions.c.revoked_at, sessions.c.expires_at).where(
    sessions.c.id == sa.bindparam("sid", type_=sessions.c.id.type)
)
"""What :meth:`SessionManager.authenticate` asks of a session (built once, bound per call)."""

RevocationBroadcast = Callable[[str | None, str | None], Awaitable[None]]
"""``(session_id, user_id)`` -> tell every other process to forget them."""


def _new_id() -> str:
    return uuid.uuid4().hex


class SessionManager:
    """Issues, verifies, refreshes and revokes sessions.

    Args:
        engine: The service database.
        jwt_secret: HS256 key (>= 32 bytes).
        refresh_hash_key: HMAC key for stored refresh tokens (>= 32 bytes).
        issuer: ``iss`` of the JWTs.
        audience: ``aud`` of the JWTs.
        access_ttl: Access token lifetime in seconds.
        refresh_ttl: Device session (and refresh token) lifetime in seconds; each refresh
            extends it.
        session_check_interval: Seconds a session confirmed live in the database is taken
            as live without asking again (0: ask on every request).
    """

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        jwt_secret: bytes,
        refresh_hash_key: bytes,
        issuer: str,
        audience: str,
        access_ttl: int = 900,
        refresh_ttl: int = 30 * 24 * 3600,
        session_check_interval: float = 1.0,
    ) -> None:
        if len(jwt_secret) < _MIN_KEY_BYTES:
            raise ValueError(f"the JWT key must be at least {_MIN_KEY_BYTES} bytes")
        if len(refresh_hash_key) < _MIN_KEY_BYTES:
            raise ValueError(f"the refresh-token key must be at least {_MIN_KEY_BYTES} bytes")
        self.engine = engine
        self._jwt_key = jwt_secret
        self._hash_key = refresh_hash_key
        self.issuer = issuer
        self.audience = audience
        self.access_ttl = access_ttl
        self.refresh_ttl = refresh_ttl
        self.liveness = SessionLiveness(session_check_interval)
        self._verified: dict[bytes, tuple[Principal, float]] = {}
        self.broadcast: RevocationBroadcast | None = None
        """Tells other processes about revocations (set by the app when Redis is there)."""

    def __repr__(self) -> str:
        return f"SessionManager(issuer={self.issuer!r}, audience={self.audience!r})"

    # -- tokens -------------------------------------------------------------------------

    def hash_refresh_token(self, token: str) -> bytes:
        """The stored form of a refresh token."""
        return hmac.new(self._hash_key, token.encode(), hashlib.sha256).digest()

    def _access_token(self, user_id: str, session_id: str, now: dt.datetime) -> str:
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": user_id,
            "sid": session_id,
            "jti": _new_id(),
            "iat": int(now.timestamp()),
            "exp": int(now.timestamp()) + self.access_ttl,
        }
        return jwt.encode(
            claims, self._jwt_key, algorithm=_ALGORITHM, headers={"typ": ACCESS_TOKEN_TYPE}
        )

    def decode_access_token(self, token: str) -> Principal:
        """Verify signature, algorithm, ``typ``, ``iss``, ``aud`` and expiry (no database).

        A token verified before is recognised by its SHA-256 digest and only its expiry is
        checked again: the rest of the verdict cannot change for the same bytes under the
        same key, and a client sends the same token with every request until it expires.
        """
        digest = hashlib.sha256(token.encode()).digest()
        known = self._verified.get(digest)
        if known is not None:
            principal, expires = known
            if time.time() < expires:
                return principal
            del self._verified[digest]  # expired: the full check below says so
        principal, expires = self._verify(token)
        verified = self._verified
        if len(verified) >= MAX_VERIFIED_TOKENS:
            del verified[next(iter(verified))]  # the oldest first
        verified[digest] = (principal, expires)
        return principal

    def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise SessionError("invalid-token", "the access token is malformed") from exc
        if header.get("alg") != _ALGORITHM:
            raise SessionError("invalid-token", "unexpected token algorithm")
        if header.get("typ") != ACCESS_TOKEN_TYPE:  # PyJWT does not check typ
            raise SessionError("invalid-token", "not an access token")
        try:
            claims = jwt.decode(
                token,
                self._jwt_key,
                algorithms=[_ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "sid", "jti"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise SessionError("token-expired", "the access token has expired") from exc
        except jwt.InvalidTokenError as exc:
            raise SessionError("invalid-token", "the access token is invalid") from exc
        principal = Principal(
            user_id=str(claims["sub"]), session_id=str(claims["sid"]), token_id=str(claims["jti"])
        )
        return principal, float(claims["exp"])

    async def authenticate(self, token: str) -> Principal:
        """Verify an access token and check that its device session is still live."""
        principal = self.decode_access_token(token)
        now = utcnow()
        if self.liveness.is_live(principal.session_id, principal.user_id, now):
            return principal
        async with read_only(self.engine) as conn:
            row = (await conn.execute(_SESSION_STATE, {"sid": principal.session_id})).first()
        if row is None or row.user_id != principal.user_id:
            raise SessionError("session-revoked", "the session no longer exists")
        if row.revoked_at is not None:
            raise SessionError("session-revoked", "the session was signed out")
        if row.expires_at <= now:
            raise SessionError("session-expired", "the session has expired")
        self.liveness.remember(principal.session_id, row.user_id, row.expires_at)
        return principal

    async def _revoked(self, *, session_id: str | None = None, user_id: str | None = None) -> None:
        """Forget revoked sessions here at once and tell the other processes."""
        if session_id is not None:
            self.liveness.forget(session_id)
        if user_id is not None:
            self.liveness.forget_user(user_id)
        if self.broadcast is not None:
            await self.broadcast(session_id, user_id)

    async def _new_refresh_token(
        self, conn: AsyncConnection, session_id: str, now: dt.datetime
    ) -> tuple[str, dt.datetime]:
        token = _REFRESH_PREFIX + secrets.token_urlsafe(32)
        expires_at = now + dt.timedelta(seconds=self.refresh_ttl)
        await conn.execute(
            sa.insert(refresh_tokens).values(
                id=_new_id(),
                session_id=session_id,
                token_hash=self.hash_refresh_token(token),
                created_at=now,
                expires_at=expires_at,
            )
        )
        return token, expires_at

    # -- lifecycle ----------------------------------------------------------------------

    async def start(
        self,
        user_id: str,
        *,
        device_name: str | None = None,
        user_agent: str | None = None,
        ip: str | None = None,
        conn: AsyncConnection | None = None,
    ) -> IssuedTokens:
        """Open a device session for a user who just signed in.

        Pass ``conn`` to do it inside the caller's transaction.
        """
        if conn is None:
            async with self.engine.begin() as own:
                return await self.start(
                    user_id, device_name=device_name, user_agent=user_agent, ip=ip, conn=own
                )
        now = utcnow()
        session_id = _new_id()
        await conn.execute(
            sa.insert(sessions).values(
                id=session_id,
                user_id=user_id,
                device_name=(device_name or None) and device_name[:200],
                user_agent=(user_agent or None) and user_agent[:512],
                ip=ip,
                created_at=now,
                last_used_at=now,
                expires_at=now + dt.timedelta(seconds=self.refresh_ttl),
            )
        )
        refresh, refresh_expires = await self._new_refresh_token(conn, session_id, now)
        return IssuedTokens(
            access_token=self._access_token(user_id, session_id, now),
            refresh_token=refresh,
            expires_in=self.access_ttl,
            refresh_expires_at=refresh_expires,
            session_id=session_id,
            user_id=user_id,
        )

    async def refresh(
        self, refresh_token: str, *, user_agent: str | None = None, ip: str | None = None
    ) -> IssuedTokens:
        """Trade a refresh token for a new pair; a reused token revokes its family."""
        token_hash = self.hash_refresh_token(refresh_token)
        now = utcnow()
        rt, s = refresh_tokens, sessions
        async with self.engine.begin() as conn:
            # The one atomic step: only one request can flip used_at from NULL.
            claimed = await conn.execute(
                sa.update(rt)
                .where(rt.c.token_hash == token_hash, rt.c.used_at.is_(None), rt.c.expires_at > now)
                .values(used_at=now)
            )
            if claimed.rowcount == 1:
                row = (
                    await conn.execute(
                        sa.select(s.c.id, s.c.user_id, s.c.revoked_at, s.c.expires_at)
                        .join(rt, rt.c.session_id == s.c.id)
                        .where(rt.c.token_hash == token_hash)
                    )
                ).one()
                if row.revoked_at is not None or row.expires_at <= now:
                    raise SessionError("session-revoked", "the session was signed out")
                expires_at = now + dt.timedelta(seconds=self.refresh_ttl)
                await conn.execute(
                    sa.update(s)
                    .where(s.c.id == row.id)
                    .values(
                        last_used_at=now,
                        expires_at=expires_at,
                        **({"user_agent": user_agent[:512]} if user_agent else {}),
                        **({"ip": ip} if ip else {}),
                    )
                )
                new_token, refresh_expires = await self._new_refresh_token(conn, row.id, now)
                return IssuedTokens(
                    access_token=self._access_token(row.user_id, row.id, now),
                    refresh_token=new_token,
                    expires_in=self.access_ttl,
                    refresh_expires_at=refresh_expires,
                    session_id=row.id,
                    user_id=row.user_id,
                )
            known = (
                await conn.execute(
                    sa.select(rt.c.session_id, rt.c.used_at, rt.c.expires_at).where(
                        rt.c.token_hash == token_hash
                    )
                )
            ).first()
            if known is None:
                raise SessionError("invalid-refresh-token", "unknown refresh token")
            if known.used_at is None:  # unused, so the update failed on expiry
                raise SessionError("refresh-token-expired", "the refresh token has expired")
            await conn.execute(
                sa.update(s)
                .where(s.c.id == known.session_id, s.c.revoked_at.is_(None))
                .values(revoked_at=now, revoked_reason="refresh-token-reused")
            )
        # committed: the family stays revoked even though this request fails
        await self._revoked(session_id=known.session_id)
        raise SessionError(
            "refresh-token-reused",
            "this refresh token was already used; the session has been revoked",
        )

    async def list_sessions(self, user_id: str) -> list[DeviceSession]:
        """The user's live device sessions, most recently used first."""
        s = sessions
        async with read_only(self.engine) as conn:
            rows = await conn.execute(
                sa.select(
                    s.c.id,
                    s.c.device_name,
                    s.c.user_agent,
                    s.c.ip,
                    s.c.created_at,
                    s.c.last_used_at,
                    s.c.expires_at,
                )
                .where(s.c.user_id == user_id, s.c.revoked_at.is_(None), s.c.expires_at > utcnow())
                .order_by(s.c.last_used_at.desc(), s.c.id)
            )
            return [DeviceSession(**row._mapping) for row in rows]

    async def revoke(self, user_id: str, session_id: str, *, reason: str = "signed-out") -> bool:
        """Sign one device out; ``False`` when it is not a live session of this user."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                sa.update(sessions)
                .where(
                    sessions.c.id == session_id,
                    sessions.c.user_id == user_id,
                    sessions.c.revoked_at.is_(None),
                )
                .values(revoked_at=utcnow(), revoked_reason=reason)
            )
        await self._revoked(session_id=session_id)
        return bool(result.rowcount)

    async def revoke_all(self, user_id: str, *, except_session: str | None = None) -> int:
        """Sign every device of the user out (optionally all but one); returns how many."""
        conditions = [sessions.c.user_id == user_id, sessions.c.revoked_at.is_(None)]
        if except_session is not None:
            conditions.append(sessions.c.id != except_session)
        async with self.engine.begin() as conn:
            result = await conn.execute(
                sa.update(sessions)
                .where(*conditions)
                .values(revoked_at=utcnow(), revoked_reason="signed-out-everywhere")
            )
        await self._revoked(user_id=user_id)
        return int(result.rowcount)
