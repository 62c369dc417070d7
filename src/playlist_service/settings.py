"""Service settings, read from ``PLAYLIST_SERVICE_*`` environment variables.

Every setting has an embedded default so ``playlist-service`` runs with no configuration:
a SQLite file and a blob directory under ``data_dir``, the worker inside the API process,
no Redis, demo mode off. Secrets (the JWT and refresh-token keys, the token-encryption key
ring) default to keys generated once and kept in ``data_dir/secrets.json`` (mode 0600), so a
restart keeps sessions valid; production sets them explicitly.

=================================================  =========================================
Variable                                           Meaning
=================================================  =========================================
``PLAYLIST_SERVICE_DATA_DIR``                      folder for the embedded defaults
``PLAYLIST_SERVICE_DATABASE_URL``                  ``sqlite+aiosqlite:///...`` or
                                                   ``postgresql://...`` (asyncpg)
``PLAYLIST_SERVICE_DATABASE_POOL_SIZE``             connections each process keeps open (20)
``PLAYLIST_SERVICE_REDIS_URL``                     optional; shared rate limits etc.
``PLAYLIST_SERVICE_BLOB_URL``                      ``file:///dir`` (default) or ``s3://bucket``
``PLAYLIST_SERVICE_S3_ENDPOINT_URL``               S3-compatible endpoint for ``s3://``
``PLAYLIST_SERVICE_WORKER``                        ``inprocess`` (default) or ``external``
``PLAYLIST_SERVICE_HOST`` / ``_PORT``              listen address (``127.0.0.1:8080``)
``PLAYLIST_SERVICE_PUBLIC_URL``                    base URL the service is reached at
``PLAYLIST_SERVICE_JWT_SECRET``                    HS256 key, >= 32 bytes
``PLAYLIST_SERVICE_JWT_ISSUER`` / ``_AUDIENCE``    ``iss`` / ``aud`` claims
``PLAYLIST_SERVICE_ACCESS_TOKEN_TTL``              session JWT lifetime, seconds (900)
``PLAYLIST_SERVICE_REFRESH_TOKEN_TTL``             refresh token lifetime, seconds (30 days)
``PLAYLIST_SERVICE_SESSION_CHECK_INTERVAL``        seconds a process trusts a session it found
                                                   live (1.0; 0 asks the database each time)
``PLAYLIST_SERVICE_REFRESH_HASH_KEY``              HMAC key for stored refresh tokens
``PLAYLIST_SERVICE_TOKEN_KEYS``                    key ring: ``id:base64key,id:base64key``,
                                                   the first is current, the rest old
``PLAYLIST_SERVICE_OAUTH_ATTEMPT_TTL``             mobile login attempt lifetime (600 s)
``PLAYLIST_SERVICE_PROVIDERS``                     JSON: ``{"spotify": {"client_id": ...,
                                                   "client_secret": ..., "redirect_uri":
                                                   ..., "scopes": [...], "base_urls":
                                                   {"auth": ..., "api": ...}}}``; names
                                                   are registered library providers with
                                                   OAuth sign-in (spotify, tidal,
                                                   youtube...)
``PLAYLIST_SERVICE_ALLOWED_REDIRECTS``             comma list of app redirect URI prefixes
``PLAYLIST_SERVICE_MUSICBRAINZ_URL``               MusicBrainz web service (default: the
                                                   public one); ``off`` disables enrichment
``PLAYLIST_SERVICE_MUSICBRAINZ_USER_AGENT``        ``App/1.0 ( contact )`` sent to MusicBrainz
``PLAYLIST_SERVICE_MIGRATION_TIMEOUT``             seconds for schema migrations (60)
``PLAYLIST_SERVICE_DEMO``                          ``1`` starts the provider emulators
``PLAYLIST_SERVICE_EVENT_LOOP``                    ``auto`` (uvloop when installed),
                                                   ``uvloop`` or ``asyncio``
``PLAYLIST_SERVICE_CORS_ORIGINS``                  comma list of allowed browser origins
``PLAYLIST_SERVICE_TRUSTED_PROXIES``               comma list of proxy networks (CIDR)
``PLAYLIST_SERVICE_RATE_LIMIT``                    per client, all routes (``100/minute``)
``PLAYLIST_SERVICE_AUTH_RATE_LIMIT``               per client, ``/auth/`` (``10/minute``)
``PLAYLIST_SERVICE_RATE_LIMITS_ENABLED``           ``0`` switches rate limiting off
``PLAYLIST_SERVICE_REDIS_PREFIX``                  namespace of keys in Redis (``playlist``)
=================================================  =========================================
"""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

__all__ = ["ProviderSettings", "Settings", "SettingsError"]

_PREFIX = "PLAYLIST_SERVICE_"
MIN_SECRET_BYTES = 32
MAX_SESSION_CHECK_INTERVAL = 60.0  # a revoked session must not live on for long


class SettingsError(ValueError):
    """A setting is missing or malformed."""


@attrs.frozen
class ProviderSettings:
    """OAuth client registration of the service at one provider."""

    client_id: str
    """OAuth client id."""
    client_secret: str | None = attrs.field(default=None, repr=False)
    """OAuth client secret (``None`` for public clients)."""
    redirect_uri: str | None = None
    """Callback URL registered at the provider (default ``{public_url}/auth/callback/{name}``)."""
    scopes: tuple[str, ...] = ()
    """Scopes to request; empty means the adapter's defaults."""
    base_urls: Mapping[str, str] = attrs.field(factory=dict)
    """Overrides of the provider's endpoints (used by the demo emulators)."""


def _bytes_secret(value: str, name: str) -> bytes:
    """Decode a secret given as ``base64:...``, hex or plain text; enforce >= 32 bytes."""
    if value.startswith("base64:"):
        raw = base64.b64decode(value[7:], validate=True)
    else:
        raw = value.encode()
    if len(raw) < MIN_SECRET_BYTES:
        raise SettingsError(f"{name} must be at least {MIN_SECRET_BYTES} bytes")
    return raw


def _parse_key_ring(value: str) -> tuple[tuple[str, bytes], ...]:
    keys: list[tuple[str, bytes]] = []
    for raw_item in value.split(","):
        item = raw_item.strip()
        if not item:
            continue
        key_id, sep, b64 = item.partition(":")
        if not sep or not key_id:
            raise SettingsError("TOKEN_KEYS entries look like id:base64key")
        try:
            key = base64.b64decode(b64, validate=True)
        except ValueError as exc:
            raise SettingsError(f"TOKEN_KEYS key {key_id!r} is not base64") from exc
        if len(key) != 32:
            raise SettingsError(f"TOKEN_KEYS key {key_id!r} must be 32 bytes")
        keys.append((key_id, key))
    if not keys:
        raise SettingsError("TOKEN_KEYS is empty")
    if len({key_id for key_id, _ in keys}) != len(keys):
        raise SettingsError("TOKEN_KEYS has duplicate key ids")
    return tuple(keys)


def _parse_providers(value: str) -> dict[str, ProviderSettings]:
    try:
        raw = json.loads(value)
    except ValueError as exc:
        raise SettingsError("PROVIDERS must be a JSON object") from exc
    if not isinstance(raw, dict):
        raise SettingsError("PROVIDERS must be a JSON object")
    result: dict[str, ProviderSettings] = {}
    for name, conf in raw.items():
        if not isinstance(conf, dict) or "client_id" not in conf:
            raise SettingsError(f"PROVIDERS[{name!r}] needs a client_id")
        result[str(name)] = ProviderSettings(
            client_id=str(conf["client_id"]),
            client_secret=conf.get("client_secret"),
            redirect_uri=conf.get("redirect_uri"),
            scopes=tuple(conf.get("scopes", ())),
            base_urls=dict(conf.get("base_urls", {})),
        )
    return result


def _load_or_create_secrets(data_dir: Path) -> dict[str, str]:
    """Keys generated on first start and kept in ``data_dir/secrets.json`` (0600)."""
    path = data_dir / "secrets.json"
    if path.exists():
        loaded: dict[str, str] = json.loads(path.read_text())
        return loaded
    data_dir.mkdir(parents=True, exist_ok=True)
    generated = {
        "jwt_secret": "base64:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        "refresh_hash_key": "base64:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        "token_keys": "k1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(generated, fh)
    return generated


@attrs.frozen
class Settings:
    """Everything the service reads from its environment; build with :meth:`from_env`."""

    data_dir: Path
    """Folder for the embedded defaults (SQLite file, blobs, generated secrets)."""
    database_url: str
    """SQLAlchemy URL: ``sqlite+aiosqlite:///path`` or ``postgresql+asyncpg://...``."""
    jwt_secret: bytes = attrs.field(repr=False)
    """HS256 key for session JWTs (>= 32 bytes)."""
    refresh_hash_key: bytes = attrs.field(repr=False)
    """HMAC-SHA256 key under which refresh tokens are stored."""
    token_keys: tuple[tuple[str, bytes], ...] = attrs.field(repr=False)
    """Key ring for provider tokens: ``(key id, 32-byte key)``, the first is current."""
    database_pool_size: int = 20
    """Database connections each process keeps open; up to as many again are opened for
    bursts and closed afterwards. Size it to the requests a process serves at once: a
    request that finds the pool empty pays for opening a connection."""
    redis_url: str | None = None
    """Redis URL, when several API processes share state."""
    blob_url: str | None = None
    """Blob store: ``file:///dir`` (default ``data_dir/blobs``) or ``s3://bucket/prefix``."""
    s3_endpoint_url: str | None = None
    """Endpoint of an S3-compatible store."""
    worker: str = "inprocess"
    """``inprocess`` runs the job worker inside the API process; ``external`` does not."""
    host: str = "127.0.0.1"
    """Listen address."""
    port: int = 8080
    """Listen port (0 picks a free one)."""
    public_url: str | None = None
    """Base URL clients and providers reach the service at; derived from host/port if unset."""
    jwt_issuer: str = "playlist-service"
    """``iss`` claim of session JWTs."""
    jwt_audience: str = "playlist-service-api"
    """``aud`` claim of session JWTs."""
    access_token_ttl: int = 900
    """Session JWT lifetime in seconds."""
    refresh_token_ttl: int = 30 * 24 * 3600
    """Refresh token lifetime in seconds."""
    session_check_interval: float = 1.0
    """Seconds an API process takes a session it found live as still live without asking the
    database again. The process that revokes a session forgets it at once, and with Redis
    every other process does too; without Redis other processes notice within this time."""
    oauth_attempt_ttl: int = 600
    """Mobile login attempt lifetime in seconds."""
    providers: Mapping[str, ProviderSettings] = attrs.field(factory=dict)
    """OAuth client registrations per provider name."""
    allowed_redirects: tuple[str, ...] = ()
    """Prefixes an app's ``redirect_uri`` must start with (custom schemes, universal links)."""
    musicbrainz_url: str | None = None
    """MusicBrainz web service base URL; ``None`` uses the public one, ``"off"`` disables."""
    musicbrainz_user_agent: str | None = None
    """User-Agent for MusicBrainz (``App/version ( contact )``); the library's default if unset."""
    migration_timeout: float = 60.0
    """Seconds the schema migration may take before start-up fails."""
    migrate_on_start: bool = True
    """Run pending migrations when the API starts (embedded default)."""
    demo: bool = False
    """Start loopback provider emulators and register them as providers."""
    event_loop: str = "auto"
    """``auto`` runs the API and workers on uvloop when it is installed (the ``service``
    extra installs it where it builds), ``uvloop`` insists on it, ``asyncio`` never uses it."""
    cors_origins: tuple[str, ...] = ()
    """Browser origins allowed to call the API (exact ``scheme://host[:port]``)."""
    trusted_proxies: tuple[str, ...] = ()
    """Networks of reverse proxies whose ``X-Forwarded-For`` names the client."""
    rate_limit: str = "100/minute"
    """Requests per client on every route (``limits`` notation)."""
    auth_rate_limit: str = "10/minute"
    """Requests per client on ``/auth/`` routes, on top of :attr:`rate_limit`."""
    rate_limits_enabled: bool = True
    """Switch rate limiting off (load tests behind a proxy that limits already)."""
    redis_prefix: str = "playlist"
    """Namespace of the service's keys in Redis (several deployments can share one server)."""

    @property
    def base_url(self) -> str:
        """The public base URL, without a trailing slash."""
        if self.public_url:
            return self.public_url.rstrip("/")
        return f"http://{self.host}:{self.port}"

    @property
    def blob_location(self) -> str:
        """The blob store URL with the default applied."""
        return self.blob_url or (self.data_dir / "blobs").resolve().as_uri()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read settings from ``PLAYLIST_SERVICE_*`` variables; ``overrides`` win."""
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(_PREFIX + name)
            return value if value not in (None, "") else None

        data_dir = Path(overrides.pop("data_dir", None) or get("DATA_DIR") or "./var")
        values: dict[str, Any] = {"data_dir": data_dir}
        url = get("DATABASE_URL")
        if url is None:
            url = f"sqlite+aiosqlite:///{(data_dir / 'playlist-service.sqlite3').resolve()}"
        values["database_url"] = normalise_database_url(url)

        for name, attr in (("JWT_SECRET", "jwt_secret"), ("REFRESH_HASH_KEY", "refresh_hash_key")):
            given = overrides.pop(attr, None) or get(name)
            if isinstance(given, bytes):
                values[attr] = given
            elif given is not None:
                values[attr] = _bytes_secret(given, name)
        ring = overrides.pop("token_keys", None) or get("TOKEN_KEYS")
        if ring is not None:
            values["token_keys"] = _parse_key_ring(ring) if isinstance(ring, str) else ring
        missing = {"jwt_secret", "refresh_hash_key", "token_keys"} - set(values)
        if missing:  # embedded default: keys generated once, kept in the data dir
            generated = _load_or_create_secrets(data_dir)
            values.setdefault("jwt_secret", _bytes_secret(generated["jwt_secret"], "JWT_SECRET"))
            values.setdefault(
                "refresh_hash_key",
                _bytes_secret(generated["refresh_hash_key"], "REFRESH_HASH_KEY"),
            )
            values.setdefault("token_keys", _parse_key_ring(generated["token_keys"]))
        for name, attr in (
            ("REDIS_URL", "redis_url"),
            ("BLOB_URL", "blob_url"),
            ("S3_ENDPOINT_URL", "s3_endpoint_url"),
            ("WORKER", "worker"),
            ("EVENT_LOOP", "event_loop"),
            ("HOST", "host"),
            ("PUBLIC_URL", "public_url"),
            ("JWT_ISSUER", "jwt_issuer"),
            ("JWT_AUDIENCE", "jwt_audience"),
            ("MUSICBRAINZ_URL", "musicbrainz_url"),
            ("MUSICBRAINZ_USER_AGENT", "musicbrainz_user_agent"),
        ):
            value = get(name)
            if value is not None:
                values[attr] = value
        numbers: tuple[tuple[str, str, type[int] | type[float]], ...] = (
            ("PORT", "port", int),
            ("DATABASE_POOL_SIZE", "database_pool_size", int),
            ("ACCESS_TOKEN_TTL", "access_token_ttl", int),
            ("REFRESH_TOKEN_TTL", "refresh_token_ttl", int),
            ("OAUTH_ATTEMPT_TTL", "oauth_attempt_ttl", int),
            ("MIGRATION_TIMEOUT", "migration_timeout", float),
            ("SESSION_CHECK_INTERVAL", "session_check_interval", float),
        )
        for name, attr, kind in numbers:
            value = get(name)
            if value is not None:
                try:
                    values[attr] = kind(value)
                except ValueError as exc:
                    what = "an integer" if kind is int else "a number"
                    raise SettingsError(f"{_PREFIX}{name} must be {what}") from exc
        if (providers := get("PROVIDERS")) is not None:
            values["providers"] = _parse_providers(providers)
        if (redirects := get("ALLOWED_REDIRECTS")) is not None:
            values["allowed_redirects"] = tuple(
                item.strip() for item in redirects.split(",") if item.strip()
            )
        for name, attr in (
            ("CORS_ORIGINS", "cors_origins"),
            ("TRUSTED_PROXIES", "trusted_proxies"),
        ):
            if (listed := get(name)) is not None:
                values[attr] = tuple(item.strip() for item in listed.split(",") if item.strip())
        for name, attr in (
            ("RATE_LIMIT", "rate_limit"),
            ("AUTH_RATE_LIMIT", "auth_rate_limit"),
            ("REDIS_PREFIX", "redis_prefix"),
        ):
            if (limit := get(name)) is not None:
                values[attr] = limit
        for name, attr in (
            ("DEMO", "demo"),
            ("MIGRATE_ON_START", "migrate_on_start"),
            ("RATE_LIMITS_ENABLED", "rate_limits_enabled"),
        ):
            value = get(name)
            if value is not None:
                values[attr] = value.lower() in {"1", "true", "yes", "on"}
        if "database_url" in overrides:
            overrides["database_url"] = normalise_database_url(overrides["database_url"])
        values.update(overrides)
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        """Raise :class:`SettingsError` for inconsistent values."""
        if len(self.jwt_secret) < MIN_SECRET_BYTES:
            raise SettingsError(f"JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes")
        if len(self.refresh_hash_key) < MIN_SECRET_BYTES:
            raise SettingsError(f"REFRESH_HASH_KEY must be at least {MIN_SECRET_BYTES} bytes")
        if not self.token_keys:
            raise SettingsError("TOKEN_KEYS is empty")
        if self.event_loop not in {"auto", "uvloop", "asyncio"}:
            raise SettingsError("EVENT_LOOP must be 'auto', 'uvloop' or 'asyncio'")
        if self.worker not in {"inprocess", "external"}:
            raise SettingsError("WORKER must be 'inprocess' or 'external'")
        if self.database_pool_size < 1:
            raise SettingsError("DATABASE_POOL_SIZE must be at least 1")
        if self.access_token_ttl <= 0 or self.refresh_token_ttl <= 0:
            raise SettingsError("token lifetimes must be positive")
        if not 0 <= self.session_check_interval <= MAX_SESSION_CHECK_INTERVAL:
            raise SettingsError(
                f"SESSION_CHECK_INTERVAL must be between 0 and {MAX_SESSION_CHECK_INTERVAL} s"
            )
        for network in self.trusted_proxies:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError as exc:
                raise SettingsError(f"TRUSTED_PROXIES: {network!r} is not a network") from exc
        for name, limit in (
            ("RATE_LIMIT", self.rate_limit),
            ("AUTH_RATE_LIMIT", self.auth_rate_limit),
        ):
            if not re.fullmatch(r"\s*\d+\s*(/|per)\s*(\d+\s*)?[a-z]+\s*", limit):
                raise SettingsError(f"{name} looks like '100/minute', not {limit!r}")
        for origin in self.cors_origins:
            if not re.fullmatch(r"https?://[^/\s]+", origin.rstrip("/")):
                raise SettingsError(f"CORS_ORIGINS: {origin!r} is not scheme://host[:port]")


def normalise_database_url(url: str) -> str:
    """Pick the async driver: ``postgresql://`` -> asyncpg, ``sqlite://`` -> aiosqlite."""
    for prefix, driver in (
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(prefix):
            return driver + url[len(prefix) :]
    return url
