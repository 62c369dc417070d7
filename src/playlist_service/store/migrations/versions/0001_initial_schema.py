"""Initial schema: users, provider accounts, sessions, refresh tokens, login attempts,
stored playlists and the artist catalog.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.String(length=40)
_TS = sa.DateTime(timezone=True)
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _fk_user(nullable: bool = False) -> sa.Column[str]:
    return sa.Column(
        "user_id", _ID, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=nullable
    )


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", _ID, nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_table(
        "provider_accounts",
        sa.Column("id", _ID, nullable=False),
        _fk_user(),
        sa.Column("provider", sa.String(length=64), nullable=False),
        sa.Column("provider_user_id", sa.String(length=255), nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("country", sa.String(length=8), nullable=True),
        sa.Column("access_token", sa.LargeBinary(), nullable=False),
        sa.Column("refresh_token", sa.LargeBinary(), nullable=True),
        sa.Column("token_expires_at", _TS, nullable=True),
        sa.Column("scopes", sa.Text(), nullable=False),
        sa.Column("token_key_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_accounts")),
        sa.UniqueConstraint(
            "provider",
            "provider_user_id",
            name=op.f("uq_provider_accounts_provider_provider_user_id"),
        ),
    )
    op.create_index(op.f("ix_provider_accounts_user_id"), "provider_accounts", ["user_id"])
    op.create_index(
        op.f("ix_provider_accounts_token_key_id"), "provider_accounts", ["token_key_id"]
    )
    op.create_table(
        "sessions",
        sa.Column("id", _ID, nullable=False),
        _fk_user(),
        sa.Column("device_name", sa.String(length=200), nullable=True),
        sa.Column("user_agent", sa.String(length=512), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("last_used_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("revoked_at", _TS, nullable=True),
        sa.Column("revoked_reason", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
    )
    op.create_index(op.f("ix_sessions_user_id"), "sessions", ["user_id"])
    op.create_table(
        "refresh_tokens",
        sa.Column("id", _ID, nullable=False),
        sa.Column(
            "session_id", _ID, sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("used_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_refresh_tokens_token_hash")),
    )
    op.create_index(op.f("ix_refresh_tokens_session_id"), "refresh_tokens", ["session_id"])
    op.create_table(
        "oauth_attempts",
        sa.Column("id", _ID, nullable=False),
        sa.Column("provider", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("state_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("provider_verifier", sa.LargeBinary(), nullable=False),
        sa.Column("app_challenge", sa.String(length=128), nullable=False),
        sa.Column("app_redirect_uri", sa.String(length=2048), nullable=True),
        sa.Column("device_name", sa.String(length=200), nullable=True),
        _fk_user(nullable=True),
        sa.Column("error", sa.String(length=64), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("completed_at", _TS, nullable=True),
        sa.Column("redeemed_at", _TS, nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'exchanging', 'complete', 'failed', 'redeemed')",
            name=op.f("ck_oauth_attempts_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_attempts")),
        sa.UniqueConstraint("state_hash", name=op.f("uq_oauth_attempts_state_hash")),
    )
    op.create_index(op.f("ix_oauth_attempts_expires_at"), "oauth_attempts", ["expires_at"])
    op.create_table(
        "stored_playlists",
        sa.Column("id", _ID, nullable=False),
        _fk_user(),
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("format", sa.String(length=32), nullable=True),
        sa.Column("provider", sa.String(length=64), nullable=True),
        sa.Column("provider_playlist_id", sa.String(length=255), nullable=True),
        sa.Column("track_count", sa.Integer(), nullable=False),
        sa.Column("document", _JSON, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_playlists")),
    )
    op.create_index(op.f("ix_stored_playlists_user_id"), "stored_playlists", ["user_id"])
    op.create_table(
        "artists",
        sa.Column("id", _ID, nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("name_key", sa.String(length=500), nullable=False),
        sa.Column("musicbrainz_id", sa.String(length=36), nullable=True),
        sa.Column("musicbrainz", _JSON, nullable=True),
        sa.Column("enriched_at", _TS, nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_artists")),
        sa.UniqueConstraint("name_key", name=op.f("uq_artists_name_key")),
    )
    op.create_index(op.f("ix_artists_musicbrainz_id"), "artists", ["musicbrainz_id"])
    op.create_table(
        "playlist_artists",
        sa.Column(
            "playlist_id",
            _ID,
            sa.ForeignKey("stored_playlists.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "artist_id", _ID, sa.ForeignKey("artists.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("track_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("playlist_id", "artist_id", name=op.f("pk_playlist_artists")),
    )
    op.create_index(op.f("ix_playlist_artists_artist_id"), "playlist_artists", ["artist_id"])


def downgrade() -> None:
    for table in (
        "playlist_artists",
        "artists",
        "stored_playlists",
        "oauth_attempts",
        "refresh_tokens",
        "sessions",
        "provider_accounts",
        "users",
    ):
        op.drop_table(table)
