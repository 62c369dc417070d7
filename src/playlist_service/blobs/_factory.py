"""Opening a blob store from a URL setting."""

from __future__ import annotations

import urllib.parse
from pathlib import Path

from playlist_service.blobs._local import LocalBlobStore
from playlist_service.blobs._protocol import BlobStore
from playlist_service.blobs._s3 import S3BlobStore

__all__ = ["open_blob_store"]


def open_blob_store(url: str, *, endpoint_url: str | None = None) -> BlobStore:
    """Build a store from a URL.

    - ``file:///var/lib/playlist/blobs`` or a plain path: :class:`LocalBlobStore`.
    - ``s3://bucket/optional/prefix?endpoint_url=http://127.0.0.1:9000&region=eu-west-1``:
      :class:`S3BlobStore`; credentials come from boto3's usual chain (environment,
      profile, instance role), never from the URL. ``endpoint_url`` (the
      ``PLAYLIST_SERVICE_S3_ENDPOINT_URL`` setting) is used when the URL names none.

    Raises:
        ValueError: unknown scheme, or credentials in the URL.
    """
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme in {"", "file"}:
        path = urllib.parse.unquote(parsed.path) if parsed.scheme else url
        return LocalBlobStore(Path(path))
    if parsed.scheme == "s3":
        if parsed.username or parsed.password:
            raise ValueError("put S3 credentials in the environment, not in the blob URL")
        if not parsed.hostname:
            raise ValueError("s3 blob URL needs a bucket: s3://bucket/prefix")
        query = dict(urllib.parse.parse_qsl(parsed.query))
        unknown = set(query) - {"endpoint_url", "region"}
        if unknown:
            raise ValueError(f"unknown s3 blob URL parameters: {sorted(unknown)}")
        return S3BlobStore(
            parsed.hostname,
            prefix=parsed.path.strip("/"),
            endpoint_url=query.get("endpoint_url") or endpoint_url,
            region_name=query.get("region"),
        )
    raise ValueError(f"unsupported blob store URL scheme {parsed.scheme!r}")
