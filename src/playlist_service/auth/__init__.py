"""User sessions: short-lived JWTs, rotating refresh tokens, devices, mobile OAuth sign-in."""

from playlist_service.auth._liveness import SessionLiveness
from playlist_service.auth._middleware import auth_middleware, require_principal, unauthorized
from playlist_service.auth._mobile import AttemptStatus, LoginError, MobileLogin, StartedAttempt
from playlist_service.auth._principal import Principal
from playlist_service.auth._revocations import RedisRevocations
from playlist_service.auth._sessions import (
    ACCESS_TOKEN_TYPE,
    DeviceSession,
    IssuedTokens,
    SessionError,
    SessionManager,
)

__all__ = [
    "ACCESS_TOKEN_TYPE",
    "AttemptStatus",
    "DeviceSession",
    "IssuedTokens",
    "LoginError",
    "MobileLogin",
    "Principal",
    "RedisRevocations",
    "SessionError",
    "SessionLiveness",
    "SessionManager",
    "StartedAttempt",
    "auth_middleware",
    "require_principal",
    "unauthorized",
]
