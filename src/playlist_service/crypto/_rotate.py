"""Re-encrypting every stored secret under the current key (key rotation), resumably.

Procedure: put a new key first in ``PLAYLIST_SERVICE_TOKEN_KEYS`` (keep the old ones after
it), restart the API processes (they now encrypt with the new key and still decrypt the
old), run ``playlist-service rotate-keys``, then remove the old keys. The command works in
small committed batches and only touches rows still under an old key, so it can be stopped
at any point and run again; a row refreshed concurrently by the API (already under the new
key) is left alone thanks to a conditional update.
"""

from __future__ import annotations

import logging
from typing import Final

import attrs
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from playlist_service.crypto._keyring import DecryptionError, KeyRing, row_context
from playlist_service.store.tables import oauth_attempts, provider_accounts, utcnow

__all__ = ["RotationReport", "rotate"]

_log = logging.getLogger(__name__)
DEFAULT_BATCH: Final = 200


@attrs.frozen
class RotationReport:
    """What a rotation run did."""

    reencrypted: int
    """Rows now under the current key."""
    failed: int
    """Rows that could not be decrypted (their key is no longer in the ring)."""
    current_key: str
    """The key everything was re-encrypted under."""


def account_context(column: str, account_id: str, user_id: str) -> bytes:
    """Associated data of a provider account's token column."""
    return row_context("provider_accounts", column, account_id, user_id)


def attempt_context(attempt_id: str, provider: str) -> bytes:
    """Associated data of a login attempt's PKCE verifier."""
    return row_context("oauth_attempts", "provider_verifier", attempt_id, provider)


async def _rotate_accounts(
    engine: AsyncEngine, ring: KeyRing, batch: int, max_rows: int | None
) -> tuple[int, int]:
    done = failed = 0
    after = ""
    t = provider_accounts
    while max_rows is None or done + failed < max_rows:
        if max_rows is not None:
            batch = min(batch, max_rows - done - failed)
        async with engine.begin() as conn:
            rows = (
                await conn.execute(
                    sa.select(
                        t.c.id, t.c.user_id, t.c.access_token, t.c.refresh_token, t.c.token_key_id
                    )
                    .where(t.c.token_key_id != ring.current_id, t.c.id > after)
                    .order_by(t.c.id)
                    .limit(batch)
                )
            ).all()
            if not rows:
                return done, failed
            for row in rows:
                after = row.id
                try:
                    access = ring.reencrypt(
                        row.access_token,
                        context=account_context("access_token", row.id, row.user_id),
                    )
                    refresh = (
                        ring.reencrypt(
                            row.refresh_token,
                            context=account_context("refresh_token", row.id, row.user_id),
                        )
                        if row.refresh_token is not None
                        else None
                    )
                except DecryptionError as exc:
                    failed += 1
                    _log.error("cannot re-encrypt provider account %s: %s", row.id, exc)
                    continue
                result = await conn.execute(
                    sa.update(t)
                    .where(t.c.id == row.id, t.c.token_key_id == row.token_key_id)
                    .values(
                        access_token=access,
                        refresh_token=refresh,
                        token_key_id=ring.current_id,
                        updated_at=utcnow(),
                    )
                )
                done += result.rowcount
        _log.info("key rotation: %d provider accounts re-encrypted so far", done)
    return done, failed


async def _rotate_attempts(engine: AsyncEngine, ring: KeyRing) -> tuple[int, int]:
    done = failed = 0
    t = oauth_attempts
    async with engine.begin() as conn:
        rows = (
            await conn.execute(
                sa.select(t.c.id, t.c.provider, t.c.provider_verifier).where(
                    t.c.status == "pending", t.c.expires_at > utcnow()
                )
            )
        ).all()
        for row in rows:
            try:
                if not ring.needs_rotation(row.provider_verifier):
                    continue
                fresh = ring.reencrypt(
                    row.provider_verifier, context=attempt_context(row.id, row.provider)
                )
            except DecryptionError:
                failed += 1
                continue
            result = await conn.execute(
                sa.update(t)
                .where(t.c.id == row.id, t.c.provider_verifier == row.provider_verifier)
                .values(provider_verifier=fresh)
            )
            done += result.rowcount
    return done, failed


async def rotate(
    engine: AsyncEngine,
    ring: KeyRing,
    *,
    batch: int = DEFAULT_BATCH,
    max_rows: int | None = None,
) -> RotationReport:
    """Re-encrypt every secret not under ``ring``'s current key; safe to interrupt and rerun.

    Args:
        engine: The service database.
        ring: The key ring, new key first.
        batch: Rows per committed transaction.
        max_rows: Stop after this many provider accounts (to spread the work over several
            runs); ``None`` does everything.
    """
    accounts_done, accounts_failed = await _rotate_accounts(engine, ring, batch, max_rows)
    attempts_done, attempts_failed = await _rotate_attempts(engine, ring)
    return RotationReport(
        reencrypted=accounts_done + attempts_done,
        failed=accounts_failed + attempts_failed,
        current_key=ring.current_id,
    )
