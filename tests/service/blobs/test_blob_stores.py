"""One behavioural suite for every blob store, run against a directory and a loopback S3."""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from playlist_service.blobs import (
    BlobNotFound,
    BlobStore,
    InvalidBlobKey,
    LocalBlobStore,
    S3BlobStore,
    check_key,
    open_blob_store,
    read_all,
)


async def _chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        await asyncio.sleep(0)
        yield part


class BlobStoreSuite:
    """Subclass and provide a ``store`` fixture."""

    async def test_put_get_roundtrip_bytes(self, store: BlobStore) -> None:
        info = await store.put(
            "exports/a/playlist.m3u", b"#EXTM3U\n", content_type="audio/x-mpegurl"
        )
        assert info.size == 8
        assert info.sha256 == hashlib.sha256(b"#EXTM3U\n").hexdigest()
        assert await read_all(store, "exports/a/playlist.m3u") == b"#EXTM3U\n"

    async def test_put_stream_and_chunked_get(self, store: BlobStore) -> None:
        parts = [os.urandom(70_000), os.urandom(1), os.urandom(100_000)]
        info = await store.put("big/blob.bin", _chunks(*parts))
        assert info.size == sum(map(len, parts))
        got = [chunk async for chunk in store.get("big/blob.bin", chunk_size=65536)]
        assert b"".join(got) == b"".join(parts)
        assert max(map(len, got)) <= 65536

    async def test_overwrite_replaces_content(self, store: BlobStore) -> None:
        await store.put("k/x.txt", b"first version, long")
        await store.put("k/x.txt", b"second")
        assert await read_all(store, "k/x.txt") == b"second"
        stat = await store.stat("k/x.txt")
        assert stat is not None
        assert stat.size == 6

    async def test_missing_blob(self, store: BlobStore) -> None:
        assert not await store.exists("nope/none.bin")
        assert await store.stat("nope/none.bin") is None
        with pytest.raises(BlobNotFound) as info:
            await read_all(store, "nope/none.bin")
        assert info.value.key == "nope/none.bin"
        assert await store.delete("nope/none.bin") is False

    async def test_delete(self, store: BlobStore) -> None:
        await store.put("d/e.bin", b"x")
        assert await store.exists("d/e.bin")
        assert await store.delete("d/e.bin") is True
        assert not await store.exists("d/e.bin")

    @pytest.mark.parametrize(
        "key",
        [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a//b",
            "a/./b",
            ".hidden",
            "-rf",
            "a\\b",
            "é",
            "a/",
        ],
    )
    async def test_hostile_keys_rejected(self, store: BlobStore, key: str) -> None:
        with pytest.raises(InvalidBlobKey):
            await store.put(key, b"x")
        with pytest.raises(InvalidBlobKey):
            await store.exists(key)

    async def test_failed_stream_leaves_old_content(self, store: BlobStore) -> None:
        await store.put("atomic/x.bin", b"old")

        async def broken() -> AsyncIterator[bytes]:
            yield b"new partial"
            raise RuntimeError("upstream died")

        with pytest.raises(RuntimeError):
            await store.put("atomic/x.bin", broken())
        assert await read_all(store, "atomic/x.bin") == b"old"


def test_check_key_accepts_ordinary_keys() -> None:
    assert check_key("exports/0b1c/playlist.xspf") == "exports/0b1c/playlist.xspf"


class TestLocalBlobStore(BlobStoreSuite):
    @pytest.fixture
    def store(self, tmp_path: Path) -> LocalBlobStore:
        return LocalBlobStore(tmp_path / "blobs")

    async def test_symlink_escape_rejected(self, store: LocalBlobStore, tmp_path: Path) -> None:
        outside = tmp_path / "outside"
        outside.mkdir()
        (store.root / "link").symlink_to(outside, target_is_directory=True)
        with pytest.raises(InvalidBlobKey):
            await store.put("link/evil.txt", b"x")
        assert not (outside / "evil.txt").exists()

    async def test_no_temporary_files_left(self, store: LocalBlobStore) -> None:
        await store.put("t/a.bin", b"1")

        async def broken() -> AsyncIterator[bytes]:
            yield b"2"
            raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            await store.put("t/b.bin", broken())
        assert sorted(p.name for p in (store.root / "t").iterdir()) == ["a.bin"]

    async def test_leftovers_of_killed_writers_are_swept(self, store: LocalBlobStore) -> None:
        await store.put("s/a.bin", b"1")
        leftover = store.root / "s" / ".tmp-deadbeef-a.bin"
        leftover.write_bytes(b"partial")
        other = store.root / "s" / ".tmp-cafe-b.bin"
        other.write_bytes(b"partial")
        assert await store.sweep(older_than=3600) == 0  # might be a write in progress
        await store.put("s/a.bin", b"2")  # fresh leftovers stay...
        assert leftover.exists()
        old = time.time() - 7200
        os.utime(leftover, (old, old))
        await store.put("s/a.bin", b"3")  # ...stale ones of the same key go
        assert not leftover.exists()
        assert other.exists()
        assert await store.sweep(older_than=0) == 1
        assert sorted(p.name for p in (store.root / "s").iterdir()) == ["a.bin"]

    async def test_no_presigned_urls(self, store: LocalBlobStore) -> None:
        await store.put("p/a.bin", b"1")
        assert await store.presigned_url("p/a.bin") is None

    def test_factory_paths(self, tmp_path: Path) -> None:
        assert isinstance(open_blob_store(str(tmp_path / "x")), LocalBlobStore)
        store = open_blob_store((tmp_path / "y").as_uri())
        assert isinstance(store, LocalBlobStore)
        assert store.root == (tmp_path / "y").resolve()


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 API on 127.0.0.1, a free port."""
    from moto.server import ThreadedMotoServer

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


class TestS3BlobStore(BlobStoreSuite):
    @pytest.fixture
    async def store(self, s3_endpoint: str) -> AsyncIterator[S3BlobStore]:
        bucket = f"b-{uuid.uuid4().hex[:12]}"
        store = S3BlobStore(
            bucket,
            prefix="svc",
            endpoint_url=s3_endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        await asyncio.to_thread(store._client.create_bucket, Bucket=bucket)
        yield store
        await store.aclose()

    async def test_presigned_url_downloads(self, store: S3BlobStore) -> None:
        await store.put(
            "exports/j1/playlist.xspf", b"<playlist/>", content_type="application/xspf+xml"
        )
        url = await store.presigned_url("exports/j1/playlist.xspf", filename="My mix.xspf")
        assert url is not None
        assert "X-Amz-Signature" in url
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            assert response.status == 200
            assert await response.read() == b"<playlist/>"
            assert response.headers["Content-Disposition"] == 'attachment; filename="My mix.xspf"'
        stat = await store.stat("exports/j1/playlist.xspf")
        assert stat is not None
        assert stat.content_type == "application/xspf+xml"

    async def test_keys_live_under_prefix(self, store: S3BlobStore) -> None:
        await store.put("a.bin", b"1")
        listing = await asyncio.to_thread(store._client.list_objects_v2, Bucket=store.bucket)
        assert [obj["Key"] for obj in listing["Contents"]] == ["svc/a.bin"]

    async def test_factory_s3_url(self, s3_endpoint: str) -> None:
        store = open_blob_store(
            f"s3://bucket-x/pre/fix?endpoint_url={s3_endpoint}&region=us-east-1"
        )
        assert isinstance(store, S3BlobStore)
        assert store.bucket == "bucket-x"
        await store.aclose()
        with pytest.raises(ValueError, match="credentials"):
            open_blob_store("s3://key:secret@bucket/")
