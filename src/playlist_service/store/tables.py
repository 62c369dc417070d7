"""SQLAlchemy Core tables of the service, all on one shared :data:`metadata`.

Other table modules (``tables_jobs``) import :data:`metadata` from here so Alembic sees one
schema. Conventions: ids are random strings chosen by the application (portable between
SQLite and PostgreSQL, never guessable), timestamps are :class:`UtcDateTime` (always
timezone-aware UTC in Python, whatever the database stores), secrets are stored encrypted
(``LargeBinary`` ciphertexts from :mod:`playlist_service.crypto`) or as HMAC hashes, never
in plain text. Constraint names follow :data:`NAMING_CONVENTION` so migrations can refer to
them on both databases.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect

__all__ = [
    "NAMING_CONVENTION",
    "JsonDocument",
    "UtcDateTime",
    "artists",
    "metadata",
    "oauth_attempts",
    "playlist_artists",
    "provider_accounts",
    "refresh_tokens",
    "sessions",
    "stored_playlists",
    "users",
    "utcnow",
]

NAMING_CONVENTION: Final = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata: Final = sa.MetaData(naming_convention=NAMING_CONVENTION)
"""The one metadata every table of the service is declared on."""


def utcnow() -> dt.datetime:
    """The current time as an aware UTC datetime."""
    return dt.datetime.now(dt.UTC)


class UtcDateTime(sa.types.TypeDecorator[dt.datetime]):
    """A timestamp that is always an aware UTC ``datetime`` on the Python side.

    SQLite has no time zones and hands back naive values; PostgreSQL uses ``timestamptz``.
    Naive values are refused on the way in, so no local time ever reaches the database.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UtcDateTime column")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # pragma: no cover - drivers return datetimes
            value = dt.datetime.fromisoformat(value)
        assert isinstance(value, dt.datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


JsonDocument: Final = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
"""A JSON column: ``JSONB`` on PostgreSQL, ``JSON`` (text) on SQLite."""

_ID = 40  # room for a 32-char hex uuid or a 40-char urlsafe token


def _id(name: str = "id", *args: Any, **kwargs: Any) -> sa.Column[str]:
    return sa.Column(name, sa.String(_ID), *args, **kwargs)


def _created() -> sa.Column[dt.datetime]:
    return sa.Column("created_at", UtcDateTime(), nullable=False, default=utcnow)


users: Final = sa.Table(
    "users",
    metadata,
    _id(primary_key=True),
    sa.Column("display_name", sa.String(200)),
    _created(),
)
"""People using the service; created on their first provider login."""

provider_accounts: Final = sa.Table(
    "provider_accounts",
    metadata,
    _id(primary_key=True),
    _id("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("provider", sa.String(64), nullable=False),
    sa.Column("provider_user_id", sa.String(255), nullable=False),
    sa.Column("display_name", sa.String(255)),
    sa.Column("email", sa.String(320)),
    sa.Column("country", sa.String(8)),
    sa.Column("access_token", sa.LargeBinary, nullable=False),
    sa.Column("refresh_token", sa.LargeBinary),
    sa.Column("token_expires_at", UtcDateTime()),
    sa.Column("scopes", sa.Text, nullable=False, default=""),
    sa.Column("token_key_id", sa.String(64), nullable=False, index=True),
    _created(),
    sa.Column("updated_at", UtcDateTime(), nullable=False, default=utcnow, onupdate=utcnow),
    sa.UniqueConstraint("provider", "provider_user_id"),
)
"""A user's linked account at a provider, tokens encrypted (``token_key_id`` = key used)."""

sessions: Final = sa.Table(
    "sessions",
    metadata,
    _id(primary_key=True),
    _id("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("device_name", sa.String(200)),
    sa.Column("user_agent", sa.String(512)),
    sa.Column("ip", sa.String(64)),
    _created(),
    sa.Column("last_used_at", UtcDateTime(), nullable=False, default=utcnow),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Column("revoked_at", UtcDateTime()),
    sa.Column("revoked_reason", sa.String(64)),
)
"""One device's sign-in: the family every refresh token of that device belongs to."""

refresh_tokens: Final = sa.Table(
    "refresh_tokens",
    metadata,
    _id(primary_key=True),
    _id(
        "session_id",
        sa.ForeignKey("sessions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("token_hash", sa.LargeBinary(32), nullable=False, unique=True),
    _created(),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Column("used_at", UtcDateTime()),
)
"""Refresh tokens as HMAC-SHA256 hashes; ``used_at`` set once, when rotated."""

oauth_attempts: Final = sa.Table(
    "oauth_attempts",
    metadata,
    _id(primary_key=True),
    sa.Column("provider", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("state_hash", sa.LargeBinary(32), nullable=False, unique=True),
    sa.Column("provider_verifier", sa.LargeBinary, nullable=False),
    sa.Column("app_challenge", sa.String(128), nullable=False),
    sa.Column("app_redirect_uri", sa.String(2048)),
    sa.Column("device_name", sa.String(200)),
    _id("user_id", sa.ForeignKey("users.id", ondelete="CASCADE")),
    sa.Column("error", sa.String(64)),
    _created(),
    sa.Column("expires_at", UtcDateTime(), nullable=False, index=True),
    sa.Column("completed_at", UtcDateTime()),
    sa.Column("redeemed_at", UtcDateTime()),
    sa.CheckConstraint(
        "status IN ('pending', 'exchanging', 'complete', 'failed', 'redeemed')", name="status"
    ),
)
"""Mobile login attempts: our PKCE verifier (encrypted), the state (hashed), the app's challenge."""

stored_playlists: Final = sa.Table(
    "stored_playlists",
    metadata,
    _id(primary_key=True),
    _id("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("name", sa.String(500)),
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("format", sa.String(32)),
    sa.Column("provider", sa.String(64)),
    sa.Column("provider_playlist_id", sa.String(255)),
    sa.Column("track_count", sa.Integer, nullable=False),
    sa.Column("document", JsonDocument, nullable=False),
    _created(),
    sa.Column("updated_at", UtcDateTime(), nullable=False, default=utcnow, onupdate=utcnow),
)
"""Playlists kept by the service (imported files, snapshots of provider playlists)."""

artists: Final = sa.Table(
    "artists",
    metadata,
    _id(primary_key=True),
    sa.Column("name", sa.String(500), nullable=False),
    sa.Column("name_key", sa.String(500), nullable=False, unique=True),
    sa.Column("musicbrainz_id", sa.String(36), index=True),
    sa.Column("musicbrainz", JsonDocument),
    sa.Column("enriched_at", UtcDateTime()),
    _created(),
)
"""The artist catalog: names seen in stored playlists, with MusicBrainz data once enriched."""

playlist_artists: Final = sa.Table(
    "playlist_artists",
    metadata,
    _id(
        "playlist_id",
        sa.ForeignKey("stored_playlists.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    _id("artist_id", sa.ForeignKey("artists.id", ondelete="CASCADE"), primary_key=True, index=True),
    sa.Column("track_count", sa.Integer, nullable=False),
)
"""Which catalog artists appear in which stored playlist, and on how many of its entries."""
