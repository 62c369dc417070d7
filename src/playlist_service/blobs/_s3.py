"""Blob storage in an S3-compatible bucket (for several API and worker processes)."""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
from collections.abc import AsyncIterator
from typing import Any

from playlist_service.blobs._protocol import BlobData, BlobInfo, BlobNotFound, check_key

__all__ = ["S3BlobStore"]

_SPOOL_IN_MEMORY = 8 * 1024 * 1024
_MISSING = {"404", "NoSuchKey", "NotFound"}


class S3BlobStore:
    """A :class:`~playlist_service.blobs.BlobStore` over an S3-compatible bucket.

    Uses boto3 (thread-safe clients) in worker threads. Streams given to :meth:`put` are
    spooled (in memory up to 8 MiB, then to a temporary file) and uploaded with boto3's
    managed transfer, which switches to multipart uploads for large blobs; S3 makes each
    object visible atomically. Downloads can go straight to the bucket through
    :meth:`presigned_url`.

    Args:
        bucket: Bucket name (must exist).
        prefix: Prepended to every key (``"playlist-service/"``), may be empty.
        endpoint_url: For S3-compatible services (MinIO, Ceph, moto); ``None`` for AWS.
        region_name: Region of the bucket.
        client: A ready boto3 S3 client, instead of building one from the other arguments
            and boto3's usual credential chain.
    """

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint_url: str | None = None,
        region_name: str | None = None,
        aws_access_key_id: str | None = None,
        aws_secret_access_key: str | None = None,
        client: Any = None,
    ) -> None:
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        if prefix:
            check_key(prefix.rstrip("/"))
        self._bucket = bucket
        self._prefix = prefix
        if client is None:
            import boto3
            from botocore.config import Config

            client = boto3.session.Session().client(
                "s3",
                endpoint_url=endpoint_url,
                region_name=region_name,
                aws_access_key_id=aws_access_key_id,
                aws_secret_access_key=aws_secret_access_key,
                config=Config(signature_version="s3v4", retries={"mode": "standard"}),
            )
        self._client = client

    @property
    def bucket(self) -> str:
        """The bucket's name."""
        return self._bucket

    def _object_key(self, key: str) -> str:
        return self._prefix + check_key(key)

    async def put(self, key: str, data: BlobData, *, content_type: str | None = None) -> BlobInfo:
        """Upload ``data``; S3 replaces the object atomically."""
        object_key = self._object_key(key)
        digest = hashlib.sha256()
        size = 0
        extra: dict[str, Any] = {}
        if content_type:
            extra["ContentType"] = content_type
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY) as spool:
            if isinstance(data, bytes | bytearray | memoryview):
                chunk = bytes(data)
                digest.update(chunk)
                size = len(chunk)
                spool.write(chunk)
            else:
                async for chunk in data:
                    digest.update(chunk)
                    size += len(chunk)
                    if spool._rolled:  # type: ignore[attr-defined]  # on disk: write off-loop
                        await asyncio.to_thread(spool.write, chunk)
                    else:
                        spool.write(chunk)
            spool.seek(0)
            extra["Metadata"] = {"sha256": digest.hexdigest()}
            await asyncio.to_thread(
                self._client.upload_fileobj, spool, self._bucket, object_key, ExtraArgs=extra
            )
        return BlobInfo(key=key, size=size, sha256=digest.hexdigest(), content_type=content_type)

    async def get(self, key: str, *, chunk_size: int = 65536) -> AsyncIterator[bytes]:
        """Stream the object's body."""
        object_key = self._object_key(key)
        try:
            response = await asyncio.to_thread(
                self._client.get_object, Bucket=self._bucket, Key=object_key
            )
        except Exception as exc:
            if _is_missing(exc):
                raise BlobNotFound(key) from None
            raise
        body = response["Body"]
        try:
            while chunk := await asyncio.to_thread(body.read, chunk_size):
                yield chunk
        finally:
            await asyncio.to_thread(body.close)

    async def stat(self, key: str) -> BlobInfo | None:
        """``HEAD`` the object."""
        object_key = self._object_key(key)
        try:
            head = await asyncio.to_thread(
                self._client.head_object, Bucket=self._bucket, Key=object_key
            )
        except Exception as exc:
            if _is_missing(exc):
                return None
            raise
        return BlobInfo(
            key=key,
            size=int(head["ContentLength"]),
            sha256=head.get("Metadata", {}).get("sha256"),
            content_type=head.get("ContentType"),
        )

    async def exists(self, key: str) -> bool:
        """Whether the object exists."""
        return await self.stat(key) is not None

    async def delete(self, key: str) -> bool:
        """Delete the object; ``True`` when it existed."""
        if not await self.exists(key):
            return False
        await asyncio.to_thread(
            self._client.delete_object, Bucket=self._bucket, Key=self._object_key(key)
        )
        return True

    async def presigned_url(
        self, key: str, *, expires_in: int = 300, filename: str | None = None
    ) -> str | None:
        """A signed ``GET`` URL valid for ``expires_in`` seconds.

        With ``filename`` the response carries ``Content-Disposition: attachment`` so a
        browser saves the file under that name.
        """
        params: dict[str, Any] = {"Bucket": self._bucket, "Key": self._object_key(key)}
        if filename:
            safe = "".join(c for c in filename if c.isalnum() or c in "._- ")[:200] or "download"
            params["ResponseContentDisposition"] = f'attachment; filename="{safe}"'
        url: str = await asyncio.to_thread(
            self._client.generate_presigned_url,
            "get_object",
            Params=params,
            ExpiresIn=expires_in,
        )
        return url

    async def aclose(self) -> None:
        """Close the client's connection pool."""
        await asyncio.to_thread(self._client.close)


def _is_missing(exc: Exception) -> bool:
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return False
    code = str(response.get("Error", {}).get("Code", ""))
    return code in _MISSING
