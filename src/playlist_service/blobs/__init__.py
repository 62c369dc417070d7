"""Blob storage: a local directory by default, S3-compatible buckets for scale-out."""

from playlist_service.blobs._factory import open_blob_store
from playlist_service.blobs._local import LocalBlobStore
from playlist_service.blobs._protocol import (
    BlobData,
    BlobError,
    BlobInfo,
    BlobNotFound,
    BlobStore,
    InvalidBlobKey,
    check_key,
    read_all,
)
from playlist_service.blobs._s3 import S3BlobStore

__all__ = [
    "BlobData",
    "BlobError",
    "BlobInfo",
    "BlobNotFound",
    "BlobStore",
    "InvalidBlobKey",
    "LocalBlobStore",
    "S3BlobStore",
    "check_key",
    "open_blob_store",
    "read_all",
]
