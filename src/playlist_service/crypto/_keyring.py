"""Authenticated encryption of secrets at rest, under a key ring with key ids.

Ciphertext layout (all lengths in bytes)::

    b"PI1" | key id length (1) | key id (ASCII) | nonce (24) | XChaCha20-Poly1305 output

The cipher is libsodium's XChaCha20-Poly1305-IETF AEAD through PyNaCl's bindings (the
construction behind ``SecretBox`` has no associated data; this one does). The associated
data is the header (version and key id) followed by a *context* naming where the value
lives — table, column, row id and owner — so a ciphertext copied to another row, column or
user fails to decrypt instead of leaking a token to the wrong account.

The first key of the ring encrypts; every key decrypts, found by the id in the header, so
keys can rotate: add a new key in front, re-encrypt (:func:`playlist_service.crypto.rotate`),
then drop the old key.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from typing import Final

import nacl.bindings as sodium
import nacl.exceptions

__all__ = ["DecryptionError", "KeyRing", "row_context"]

_MAGIC: Final = b"PI1"
_NONCE_BYTES: Final = sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
_KEY_BYTES: Final = sodium.crypto_aead_xchacha20poly1305_ietf_KEYBYTES


class DecryptionError(ValueError):
    """A ciphertext is malformed, names an unknown key, or fails authentication."""


def row_context(table: str, column: str, row_id: str, owner_id: str) -> bytes:
    """The associated data binding a ciphertext to one column of one row of one owner."""
    parts = (table, column, row_id, owner_id)
    if any("\x00" in part for part in parts):
        raise ValueError("context parts must not contain NUL")
    return "\x00".join(parts).encode()


class KeyRing:
    """Encryption keys by id; the first one is current (it encrypts), all of them decrypt.

    Args:
        keys: ``(key id, 32-byte key)`` pairs, current first. Ids are 1-64 ASCII characters.
    """

    def __init__(self, keys: Iterable[tuple[str, bytes]]) -> None:
        ordered = list(keys)
        if not ordered:
            raise ValueError("a key ring needs at least one key")
        self._keys: dict[str, bytes] = {}
        for key_id, key in ordered:
            if not key_id or len(key_id) > 64 or not key_id.isascii() or ":" in key_id:
                raise ValueError(f"bad key id {key_id!r}")
            if len(key) != _KEY_BYTES:
                raise ValueError(f"key {key_id!r} must be {_KEY_BYTES} bytes")
            if key_id in self._keys:
                raise ValueError(f"duplicate key id {key_id!r}")
            self._keys[key_id] = bytes(key)
        self.current_id: str = ordered[0][0]
        """Id of the key that encrypts."""

    def __repr__(self) -> str:  # never show key material
        return f"KeyRing(current={self.current_id!r}, ids={list(self._keys)!r})"

    @property
    def key_ids(self) -> tuple[str, ...]:
        """Every key id, current first."""
        return tuple(self._keys)

    @staticmethod
    def generate_key() -> bytes:
        """A fresh random key."""
        return secrets.token_bytes(_KEY_BYTES)

    @staticmethod
    def _header(key_id: str) -> bytes:
        raw = key_id.encode("ascii")
        return _MAGIC + bytes([len(raw)]) + raw

    def encrypt(self, plaintext: bytes, *, context: bytes) -> bytes:
        """Encrypt under the current key, bound to ``context``."""
        header = self._header(self.current_id)
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
            plaintext, header + context, nonce, self._keys[self.current_id]
        )
        return header + nonce + sealed

    @staticmethod
    def key_id_of(ciphertext: bytes) -> str:
        """The id of the key a ciphertext was made with (no key needed)."""
        if len(ciphertext) < len(_MAGIC) + 1 or not ciphertext.startswith(_MAGIC):
            raise DecryptionError("not a key-ring ciphertext")
        length = ciphertext[len(_MAGIC)]
        start = len(_MAGIC) + 1
        raw = ciphertext[start : start + length]
        if len(raw) != length or not length:
            raise DecryptionError("truncated ciphertext header")
        try:
            return raw.decode("ascii")
        except UnicodeDecodeError as exc:
            raise DecryptionError("bad key id in ciphertext") from exc

    def decrypt(self, ciphertext: bytes, *, context: bytes) -> bytes:
        """Decrypt with whichever ring key the header names; check ``context``."""
        key_id = self.key_id_of(ciphertext)
        key = self._keys.get(key_id)
        if key is None:
            raise DecryptionError(f"ciphertext key {key_id!r} is not in the key ring")
        header_len = len(_MAGIC) + 1 + len(key_id)
        header = ciphertext[:header_len]
        nonce = ciphertext[header_len : header_len + _NONCE_BYTES]
        sealed = ciphertext[header_len + _NONCE_BYTES :]
        if len(nonce) != _NONCE_BYTES or not sealed:
            raise DecryptionError("truncated ciphertext")
        try:
            return bytes(
                sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
                    sealed, header + context, nonce, key
                )
            )
        except nacl.exceptions.CryptoError as exc:
            raise DecryptionError("ciphertext failed authentication") from exc

    def needs_rotation(self, ciphertext: bytes) -> bool:
        """Whether a ciphertext was made with a key other than the current one."""
        return self.key_id_of(ciphertext) != self.current_id

    def reencrypt(self, ciphertext: bytes, *, context: bytes) -> bytes:
        """Decrypt and encrypt again under the current key (same context)."""
        return self.encrypt(self.decrypt(ciphertext, context=context), context=context)

    @classmethod
    def from_mapping(cls, keys: Mapping[str, bytes], current: str) -> KeyRing:
        """Build a ring from a mapping, naming the current key."""
        ordered = [(current, keys[current])]
        ordered += [(k, v) for k, v in keys.items() if k != current]
        return cls(ordered)
