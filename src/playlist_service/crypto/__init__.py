"""Secrets at rest: AEAD encryption bound to the row, a key ring with ids, key rotation."""

from playlist_service.crypto._keyring import DecryptionError, KeyRing, row_context
from playlist_service.crypto._rotate import (
    RotationReport,
    account_context,
    attempt_context,
    rotate,
)

__all__ = [
    "DecryptionError",
    "KeyRing",
    "RotationReport",
    "account_context",
    "attempt_context",
    "rotate",
    "row_context",
]
