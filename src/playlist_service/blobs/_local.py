"""Blob storage in a local directory (the embedded default)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import time
import uuid
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import BinaryIO

from playlist_service.blobs._protocol import (
    BlobData,
    BlobInfo,
    BlobNotFound,
    InvalidBlobKey,
    check_key,
)

__all__ = ["LocalBlobStore"]

_TMP_PREFIX = ".tmp-"


class LocalBlobStore:
    """A :class:`~playlist_service.blobs.BlobStore` over a directory.

    Keys map to paths below ``root``; :func:`~playlist_service.blobs.check_key` and a
    resolved-path check keep every key inside it (symbolic links included). Writes go to
    a temporary file in the target folder, are flushed with ``fsync`` and renamed over the
    target, so readers never see a partial file. File I/O runs in worker threads.

    A process killed in the middle of a write leaves its temporary file behind (never a
    partial blob: temporary names start with ``.``, which no key may). The next successful
    write of the same key removes such leftovers older than ``stale_seconds``, and
    :meth:`sweep` removes them everywhere (the service does it on start).

    This store cannot make presigned URLs; the service streams its blobs through an
    authorised route instead. Content types are not kept (callers record them).
    """

    def __init__(self, root: str | os.PathLike[str], *, stale_seconds: float = 3600.0) -> None:
        self._root = Path(root).resolve()
        self._root.mkdir(parents=True, exist_ok=True)
        self._stale_seconds = stale_seconds

    @property
    def root(self) -> Path:
        """The directory holding the blobs."""
        return self._root

    def _path(self, key: str) -> Path:
        check_key(key)
        path = (self._root / key).resolve()
        if not path.is_relative_to(self._root) or path == self._root:
            raise InvalidBlobKey(f"blob key {key!r} resolves outside the store")
        return path

    async def put(self, key: str, data: BlobData, *, content_type: str | None = None) -> BlobInfo:
        """Store ``data`` under ``key`` atomically (temporary file, fsync, rename)."""
        path = self._path(key)
        await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
        tmp = path.parent / f"{_TMP_PREFIX}{uuid.uuid4().hex}-{path.name}"
        digest = hashlib.sha256()
        size = 0
        handle: BinaryIO = await asyncio.to_thread(open, tmp, "xb")
        try:
            try:
                if isinstance(data, bytes | bytearray | memoryview):
                    chunk = bytes(data)
                    digest.update(chunk)
                    size = len(chunk)
                    await asyncio.to_thread(handle.write, chunk)
                else:
                    async for chunk in data:
                        digest.update(chunk)
                        size += len(chunk)
                        await asyncio.to_thread(handle.write, chunk)
                await asyncio.to_thread(_flush, handle)
            finally:
                await asyncio.to_thread(handle.close)
            await asyncio.to_thread(os.replace, tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                await asyncio.to_thread(tmp.unlink)
            raise
        await asyncio.to_thread(
            _remove_stale, path.parent.glob(f"{_TMP_PREFIX}*-{path.name}"), self._stale_seconds
        )
        return BlobInfo(key=key, size=size, sha256=digest.hexdigest(), content_type=content_type)

    async def get(self, key: str, *, chunk_size: int = 65536) -> AsyncIterator[bytes]:
        """Stream the file in ``chunk_size`` pieces."""
        path = self._path(key)
        try:
            handle: BinaryIO = await asyncio.to_thread(open, path, "rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise BlobNotFound(key) from None
        try:
            while chunk := await asyncio.to_thread(handle.read, chunk_size):
                yield chunk
        finally:
            await asyncio.to_thread(handle.close)

    async def stat(self, key: str) -> BlobInfo | None:
        """Size of the file, ``None`` when absent."""
        path = self._path(key)
        try:
            result = await asyncio.to_thread(path.stat)
        except (FileNotFoundError, NotADirectoryError):
            return None
        if not path.is_file():
            return None
        return BlobInfo(key=key, size=result.st_size)

    async def exists(self, key: str) -> bool:
        """Whether a file is stored under ``key``."""
        return await self.stat(key) is not None

    async def delete(self, key: str) -> bool:
        """Remove the file; ``True`` when there was one."""
        path = self._path(key)
        try:
            await asyncio.to_thread(path.unlink)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return False
        return True

    async def presigned_url(
        self, key: str, *, expires_in: int = 300, filename: str | None = None
    ) -> str | None:
        """Always ``None``: a local directory has no URL of its own."""
        self._path(key)
        return None

    async def sweep(self, *, older_than: float | None = None) -> int:
        """Remove temporary files left by killed writers; returns how many.

        Only files older than ``older_than`` seconds (default ``stale_seconds``) go, so
        writes in progress elsewhere are left alone.
        """
        limit = self._stale_seconds if older_than is None else older_than
        return await asyncio.to_thread(_remove_stale, self._root.rglob(f"{_TMP_PREFIX}*"), limit)

    async def aclose(self) -> None:
        """Nothing to release."""


def _remove_stale(candidates: Iterable[Path], older_than: float) -> int:
    cutoff = time.time() - older_than
    removed = 0
    for candidate in candidates:
        with contextlib.suppress(OSError):
            if candidate.is_file() and candidate.stat().st_mtime <= cutoff:
                candidate.unlink()
                removed += 1
    return removed


def _flush(handle: BinaryIO) -> None:
    handle.flush()
    os.fsync(handle.fileno())
