"""The key ring: AEAD bound to its context, key ids in the ciphertext, tamper detection."""

from __future__ import annotations

import pytest

from playlist_service.crypto import DecryptionError, KeyRing, row_context

CTX = row_context("provider_accounts", "access_token", "acc1", "user1")


@pytest.fixture
def ring() -> KeyRing:
    return KeyRing([("k2", KeyRing.generate_key()), ("k1", KeyRing.generate_key())])


def test_round_trip_and_key_id_in_ciphertext(ring: KeyRing) -> None:
    sealed = ring.encrypt(b"secret-token", context=CTX)
    assert b"secret-token" not in sealed
    assert KeyRing.key_id_of(sealed) == "k2"
    assert ring.decrypt(sealed, context=CTX) == b"secret-token"
    assert ring.encrypt(b"secret-token", context=CTX) != sealed  # fresh nonce each time


@pytest.mark.parametrize(
    "other",
    [
        row_context("provider_accounts", "refresh_token", "acc1", "user1"),  # other column
        row_context("provider_accounts", "access_token", "acc2", "user1"),  # other row
        row_context("provider_accounts", "access_token", "acc1", "user2"),  # other user
        row_context("oauth_attempts", "access_token", "acc1", "user1"),  # other table
    ],
)
def test_ciphertext_is_bound_to_its_row(ring: KeyRing, other: bytes) -> None:
    sealed = ring.encrypt(b"secret-token", context=CTX)
    with pytest.raises(DecryptionError):
        ring.decrypt(sealed, context=other)


def test_tampering_is_detected(ring: KeyRing) -> None:
    sealed = bytearray(ring.encrypt(b"secret-token", context=CTX))
    sealed[-1] ^= 1
    with pytest.raises(DecryptionError):
        ring.decrypt(bytes(sealed), context=CTX)


def test_header_key_id_cannot_be_swapped(ring: KeyRing) -> None:
    sealed = ring.encrypt(b"secret-token", context=CTX)
    swapped = sealed.replace(b"k2", b"k1", 1)  # claim the other key: header is authenticated
    with pytest.raises(DecryptionError):
        ring.decrypt(swapped, context=CTX)


def test_old_keys_decrypt_and_unknown_keys_fail(ring: KeyRing) -> None:
    old = KeyRing([("k1", ring._keys["k1"])])
    sealed = old.encrypt(b"old", context=CTX)
    assert ring.needs_rotation(sealed)
    assert ring.decrypt(sealed, context=CTX) == b"old"
    fresh = ring.reencrypt(sealed, context=CTX)
    assert KeyRing.key_id_of(fresh) == "k2"
    assert not ring.needs_rotation(fresh)
    stranger = KeyRing([("k9", KeyRing.generate_key())])
    with pytest.raises(DecryptionError, match="not in the key ring"):
        stranger.decrypt(sealed, context=CTX)


@pytest.mark.parametrize("junk", [b"", b"PI1", b"PI1\x05k", b"nonsense" * 10, b"PI1\x02k1short"])
def test_malformed_ciphertexts_raise_typed_errors(ring: KeyRing, junk: bytes) -> None:
    with pytest.raises(DecryptionError):
        ring.decrypt(junk, context=CTX)


def test_ring_validation_and_repr_hides_keys() -> None:
    key = KeyRing.generate_key()
    with pytest.raises(ValueError):
        KeyRing([])
    with pytest.raises(ValueError):
        KeyRing([("a", key), ("a", key)])
    with pytest.raises(ValueError):
        KeyRing([("a", b"short")])
    assert key.hex() not in repr(KeyRing([("a", key)]))
