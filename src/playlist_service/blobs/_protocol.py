"""The ``BlobStore`` protocol, blob keys and blob errors."""

from __future__ import annotations

import re
from collections.abc import AsyncIterable, AsyncIterator
from typing import Protocol, TypeAlias, runtime_checkable

import attrs

__all__ = [
    "BlobData",
    "BlobError",
    "BlobInfo",
    "BlobNotFound",
    "BlobStore",
    "InvalidBlobKey",
    "check_key",
    "read_all",
]

BlobData: TypeAlias = "bytes | AsyncIterable[bytes]"
"""What :meth:`BlobStore.put` accepts: the whole content, or an async stream of chunks."""

_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,199}")
_MAX_KEY = 1024


class BlobError(Exception):
    """Root of the blob storage errors."""


class InvalidBlobKey(BlobError, ValueError):
    """A key is empty, too long, absolute, or has a segment that could escape the store."""


class BlobNotFound(BlobError, LookupError):
    """No blob is stored under the key.

    Attributes:
        key: The key that was looked up.
    """

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"no blob stored under {key!r}")


def check_key(key: str) -> str:
    """Return ``key`` when it is a safe blob key, raise :class:`InvalidBlobKey` otherwise.

    A key is 1 to 1024 characters of ``/``-separated segments; each segment is ASCII
    letters, digits, ``.``, ``_`` and ``-``, does not start with ``.`` or ``-`` (so no
    ``..``, no hidden files, nothing an option parser could take for a flag).
    """
    if not key or len(key) > _MAX_KEY:
        raise InvalidBlobKey(f"blob key must have 1 to {_MAX_KEY} characters")
    for segment in key.split("/"):
        if not _SEGMENT.fullmatch(segment):
            raise InvalidBlobKey(f"invalid blob key segment {segment!r} in {key!r}")
    return key


@attrs.frozen
class BlobInfo:
    """What a store knows about one stored blob."""

    key: str
    """The blob's key."""
    size: int
    """Length in bytes."""
    sha256: str | None = None
    """Hex SHA-256 of the content, when the store computed it on write."""
    content_type: str | None = None
    """Media type given on write, when the store keeps it."""


@runtime_checkable
class BlobStore(Protocol):
    """Where the service keeps files: exports, uploaded imports, job artifacts.

    Writes are atomic: a reader sees the old content or the new, never a partial blob.
    Writing the same key twice replaces the content, so a handler that derives its key
    from the job id is idempotent under retries.
    """

    async def put(self, key: str, data: BlobData, *, content_type: str | None = None) -> BlobInfo:
        """Store ``data`` under ``key``, replacing any previous content atomically."""
        ...

    def get(self, key: str, *, chunk_size: int = 65536) -> AsyncIterator[bytes]:
        """Stream the blob's content.

        Raises:
            BlobNotFound: on first iteration, when nothing is stored under ``key``.
        """
        ...

    async def stat(self, key: str) -> BlobInfo | None:
        """Size (and what else the store knows) of the blob, ``None`` when absent."""
        ...

    async def exists(self, key: str) -> bool:
        """Whether a blob is stored under ``key``."""
        ...

    async def delete(self, key: str) -> bool:
        """Remove the blob; ``True`` when there was one."""
        ...

    async def presigned_url(
        self, key: str, *, expires_in: int = 300, filename: str | None = None
    ) -> str | None:
        """A time-limited download URL, or ``None`` when the store cannot make one.

        Callers fall back to streaming the blob through an authorised route when this
        returns ``None`` (the local directory store always does).
        """
        ...

    async def aclose(self) -> None:
        """Release clients and threads."""
        ...


async def read_all(store: BlobStore, key: str) -> bytes:
    """The whole content of a blob (for small blobs only)."""
    return b"".join([chunk async for chunk in store.get(key)])
