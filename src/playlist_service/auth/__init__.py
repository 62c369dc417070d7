"""User sessions: short-lived JWTs, rotating refresh tokens, devices, mobile OAuth."""

from playlist_service.auth._principal import Principal

__all__ = ["Principal"]
