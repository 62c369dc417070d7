"""The jobs API against its contract: exports, listing, cancel, SSE streams, downloads."""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from playlist_interop.codecs import get_codec
from playlist_interop.model import ArtistCredit, Playlist, Track, make_converter
from playlist_service import keys
from playlist_service.app import create_app
from playlist_service.settings import ProviderSettings, Settings
from playlist_service.store.tables import stored_playlists, users
from playlist_service.worker import WorkerOptions
from tests.service.contract import ApiResponse, ContractClient

PLAYLIST = make_converter().unstructure(
    Playlist(
        name="Late night",
        tracks=[
            Track(
                title="Teardrop",
                artists=[ArtistCredit(name="Massive Attack")],
                duration_ms=330000,
                locations=["file:///music/teardrop.flac"],
            ),
            Track(
                title="Roads",
                artists=[ArtistCredit(name="Portishead")],
                duration_ms=305000,
                locations=["file:///music/roads.flac"],
            ),
        ],
    )
)
OPTIONS = WorkerOptions(
    lease_seconds=5, heartbeat_seconds=0.2, poll_seconds=0.05, webhook_allow_http=False
)


def _settings(data_dir: Path, **overrides: Any) -> Settings:
    key = lambda: base64.b64encode(secrets.token_bytes(32)).decode()  # noqa: E731
    values: dict[str, Any] = {
        "jwt_secret": "base64:" + key(),
        "refresh_hash_key": "base64:" + key(),
        "token_keys": "k1:" + key(),
        "port": 0,
        # Functional tests send bursts of requests; tests/service/production tests the limits.
        "rate_limits_enabled": False,
    }
    values.update(overrides)
    return Settings.from_env({}, data_dir=data_dir, **values)


class Api:
    """A started app, its contract-checking client and a signed-in user."""

    def __init__(self, app: web.Application, client: ContractClient) -> None:
        self.app = app
        self.client = client
        self.token = ""

    async def sign_in(self) -> str:
        user_id = uuid.uuid4().hex
        async with self.app[keys.ENGINE].begin() as conn:
            await conn.execute(users.insert().values(id=user_id, display_name="Listener"))
        issued = await self.app[keys.SESSIONS].start(user_id, device_name="test")
        return issued.access_token

    async def wait(self, job_id: str, *states: str, token: str | None = None) -> dict[str, Any]:
        for _ in range(300):
            response = await self.client.get(f"/jobs/{job_id}", token=token or self.token)
            assert response.status == 200
            if response.json()["state"] in states:
                return response.json()  # type: ignore[no-any-return]
            await asyncio.sleep(0.02)
        raise AssertionError(f"job stuck: {response.json()}")


async def _start(aiohttp_client: Any, settings: Settings) -> Api:
    app = create_app(settings)
    app[keys.WORKER_OPTIONS] = OPTIONS
    api = Api(app, ContractClient(await aiohttp_client(app)))
    api.token = await api.sign_in()
    return api


@pytest.fixture
async def api(aiohttp_client: Any, tmp_path: Path) -> Api:
    return await _start(aiohttp_client, _settings(tmp_path))


def _sse(body: bytes) -> list[dict[str, Any]]:
    events = []
    for block in body.decode().split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            if line.startswith(":"):
                continue
            name, _, value = line.partition(": ")
            fields[name] = value
        if "data" in fields:
            data = json.loads(fields["data"])
            assert fields["id"] == str(data["seq"])
            assert fields["event"] == data["type"]
            events.append(data)
    return events


async def _export(api: Api, **body: Any) -> ApiResponse:
    return await api.client.post(
        "/exports/file",
        json={"source": {"playlist": PLAYLIST}, "format": "m3u8", **body},
        token=api.token,
    )


async def test_export_then_follow_and_download(api: Api) -> None:
    created = await _export(api, filename="Late night mix")
    assert created.status == 202
    job = created.json()
    assert created.headers["Location"] == f"/jobs/{job['id']}"
    assert job["state"] == "queued"
    assert job["kind"] == "export"
    done = await api.wait(job["id"], "succeeded")
    assert done["artifact"]["filename"] == "Late night mix.m3u"
    assert "blob_key" not in done["result"]
    assert done["progress"] == {"done": 2, "total": 2}

    download = await api.client.get(done["artifact"]["url"], token=api.token)
    assert download.status == 200
    assert download.headers["Content-Disposition"].startswith(
        'attachment; filename="Late night mix.m3u"'
    )
    titles = [t.title for t in get_codec("m3u").read(download.body).tracks]
    assert titles == ["Teardrop", "Roads"]
    assert len(download.body) == done["artifact"]["size"]

    stream = await api.client.get(job["events_url"], token=api.token)
    assert stream.status == 200
    assert stream.content_type == "text/event-stream"
    events = _sse(stream.body)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert [e["type"] for e in events] == ["queued", "started", "progress", "progress", "succeeded"]

    resumed = await api.client.get(
        job["events_url"], token=api.token, headers={"Last-Event-ID": "3"}
    )
    assert [e["seq"] for e in _sse(resumed.body)] == [4, 5]
    by_query = await api.client.get(job["events_url"], token=api.token, params={"after": "4"})
    assert [e["type"] for e in _sse(by_query.body)] == ["succeeded"]


async def test_event_stream_follows_a_running_job(api: Api) -> None:
    job = (await _export(api)).json()
    # opened right away: the stream waits for the events still to come and ends with the last
    stream = await api.client.get(job["events_url"], token=api.token)
    types = [e["type"] for e in _sse(stream.body)]
    assert types[0] == "queued"
    assert types[-1] == "succeeded"


async def test_jobs_belong_to_their_owner(api: Api) -> None:
    job = (await _export(api)).json()
    other = await api.sign_in()
    for path in (f"/jobs/{job['id']}", job["events_url"], f"/jobs/{job['id']}/artifact"):
        response = await api.client.get(path, token=other)
        assert response.status == 404, path
        assert response.json()["code"] == "job-not-found"
    cancel = await api.client.post(f"/jobs/{job['id']}/cancel", token=other)
    assert cancel.status == 404
    assert (await api.client.get("/jobs", token=other)).json()["items"] == []
    anonymous = await api.client.get(f"/jobs/{job['id']}", validate_request=False)
    assert anonymous.status == 401


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"source": {"playlist": PLAYLIST}, "format": "docx"}, 422, "unsupported-format"),
        ({"source": {"playlist": PLAYLIST}}, 400, "invalid-request"),
        ({"source": {}, "format": "m3u"}, 400, "invalid-request"),
        ({"source": {"stored_playlist_id": "nope"}, "format": "m3u"}, 404, "playlist-not-found"),
        (
            {"source": {"playlist": PLAYLIST}, "format": "m3u", "webhook_url": "http://x.test/h"},
            422,
            "invalid-webhook-url",
        ),
        ({"source": {"playlist": PLAYLIST}, "format": "m3u", "extra": 1}, 400, "invalid-request"),
    ],
)
async def test_export_requests_are_checked(
    api: Api, body: dict[str, Any], status: int, code: str
) -> None:
    response = await api.client.post(
        "/exports/file", json=body, token=api.token, validate_request=False
    )
    assert response.status == status
    assert response.content_type == "application/problem+json"
    assert response.json()["code"] == code


async def test_webhook_secret_is_returned_once(api: Api) -> None:
    created = await _export(api, webhook_url="https://hooks.example.test/playlist")
    job = created.json()
    assert len(job["webhook_secret"]) == 64
    again = await api.client.get(f"/jobs/{job['id']}", token=api.token)
    assert "webhook_secret" not in again.json()


async def test_list_pages_and_filters(api: Api) -> None:
    ids = [(await _export(api)).json()["id"] for _ in range(5)]
    for job_id in ids:
        await api.wait(job_id, "succeeded")
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = (await api.client.get("/jobs", token=api.token, params=params)).json()
        seen += [job["id"] for job in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))
    queued = await api.client.get("/jobs", token=api.token, params={"state": "queued"})
    assert queued.json()["items"] == []
    bad = await api.client.get("/jobs", token=api.token, params={"state": "bogus"})
    assert bad.status == 400


async def test_cancel_without_a_worker(aiohttp_client: Any, tmp_path: Path) -> None:
    api = await _start(aiohttp_client, _settings(tmp_path, worker="external"))
    assert api.app[keys.WORKER] is None
    job = (await _export(api)).json()
    cancelled = await api.client.post(f"/jobs/{job['id']}/cancel", token=api.token)
    assert cancelled.status == 200
    assert cancelled.json()["state"] == "cancelled"
    again = await api.client.post(f"/jobs/{job['id']}/cancel", token=api.token)
    assert again.status == 200
    not_done = await api.client.get(f"/jobs/{job['id']}/artifact", token=api.token)
    assert not_done.status == 409
    events = _sse((await api.client.get(job["events_url"], token=api.token)).body)
    assert [e["type"] for e in events] == ["queued", "cancelled"]


async def test_finished_job_cannot_be_cancelled(api: Api) -> None:
    job = (await _export(api)).json()
    await api.wait(job["id"], "succeeded")
    response = await api.client.post(f"/jobs/{job['id']}/cancel", token=api.token)
    assert response.status == 409
    assert response.json()["code"] == "job-finished"


async def test_any_api_process_serves_any_stream(aiohttp_client: Any, tmp_path: Path) -> None:
    """A job run by one process is followed through another sharing the database."""
    settings = _settings(tmp_path)
    runner = await _start(aiohttp_client, settings)
    reader = await _start(
        aiohttp_client, Settings.from_env({}, **{**_as_kwargs(settings), "worker": "external"})
    )
    job = (await _export(runner)).json()
    stream = await reader.client.get(job["events_url"], token=runner.token)
    assert [e["type"] for e in _sse(stream.body)][-1] == "succeeded"


def _as_kwargs(settings: Settings) -> dict[str, Any]:
    return {
        "data_dir": settings.data_dir,
        "database_url": settings.database_url,
        "jwt_secret": settings.jwt_secret,
        "refresh_hash_key": settings.refresh_hash_key,
        "token_keys": settings.token_keys,
        "port": 0,
    }


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


async def test_s3_artifacts_download_through_a_signed_url(
    aiohttp_client: Any, tmp_path: Path, s3_endpoint: str, aws_credentials: None
) -> None:
    import aiohttp
    import boto3

    bucket = f"exports-{uuid.uuid4().hex[:8]}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(
        Bucket=bucket
    )
    settings = _settings(tmp_path, blob_url=f"s3://{bucket}/svc", s3_endpoint_url=s3_endpoint)
    api = await _start(aiohttp_client, settings)
    job = (await _export(api)).json()
    done = await api.wait(job["id"], "succeeded")
    redirect = await api.client.get(done["artifact"]["url"], token=api.token)
    assert redirect.status == 302
    url = redirect.headers["Location"]
    assert url.startswith(s3_endpoint)
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        body = await response.read()
    assert [t.title for t in get_codec("m3u").read(body).tracks] == ["Teardrop", "Roads"]


async def test_migration_requests_are_checked(aiohttp_client: Any, tmp_path: Path) -> None:
    settings = _settings(tmp_path, providers={"spotify": ProviderSettings(client_id="client-id")})
    api = await _start(aiohttp_client, settings)

    async def start(body: dict[str, Any]) -> ApiResponse:
        return await api.client.post("/jobs/migrations", json=body, token=api.token)

    not_linked = await start(
        {
            "source": {"provider": "spotify", "playlist_id": "37i9"},
            "target": {"provider": "spotify"},
        }
    )
    assert not_linked.status == 409
    assert not_linked.json()["code"] == "provider-not-linked"
    unknown = await start(
        {"source": {"stored_playlist_id": "nope"}, "target": {"provider": "napster"}}
    )
    assert unknown.status == 404  # the source is checked first
    no_provider = await start(
        {"source": {"provider": "napster", "playlist_id": "x"}, "target": {"provider": "spotify"}}
    )
    assert no_provider.status == 422
    assert no_provider.json()["code"] == "provider-not-configured"
    malformed = await api.client.post(
        "/jobs/migrations",
        json={"source": {"provider": "spotify"}, "target": {"provider": "spotify"}},
        token=api.token,
        validate_request=False,
    )
    assert malformed.status == 400


async def test_enrichment_is_queued_for_own_playlists(aiohttp_client: Any, tmp_path: Path) -> None:
    api = await _start(aiohttp_client, _settings(tmp_path, worker="external"))
    missing = await api.client.post(
        "/jobs/enrichment", json={"stored_playlist_id": "nope"}, token=api.token
    )
    assert missing.status == 404
    principal = await api.app[keys.SESSIONS].authenticate(api.token)
    async with api.app[keys.ENGINE].begin() as conn:
        await conn.execute(
            stored_playlists.insert().values(
                id="mine",
                user_id=principal.user_id,
                name="Mine",
                source="file",
                track_count=2,
                document=PLAYLIST,
            )
        )
    created = await api.client.post(
        "/jobs/enrichment", json={"stored_playlist_id": "mine"}, token=api.token
    )
    assert created.status == 202
    assert created.json()["kind"] == "enrichment"
    other = await api.sign_in()
    theirs = await api.client.post(
        "/jobs/enrichment", json={"stored_playlist_id": "mine"}, token=other
    )
    assert theirs.status == 404


async def test_import_job_from_an_upload(api: Api) -> None:
    upload = (
        b"[playlist]\nFile1=teardrop.flac\nTitle1=Massive Attack - Teardrop\nNumberOfEntries=1\n"
    )
    created = await api.client.post(
        "/jobs/imports",
        data=upload,
        content_type="application/octet-stream",
        params={"filename": "Evening.pls"},
        token=api.token,
    )
    assert created.status == 202, created.body
    job = created.json()
    assert job["kind"] == "import"
    done = await api.wait(job["id"], "succeeded")
    playlist_id = done["result"]["stored_playlist_id"]
    stored = await api.client.get(f"/playlists/stored/{playlist_id}", token=api.token)
    assert stored.status == 200
    assert stored.json()["playlist"]["name"] == "Evening"
    assert stored.json()["format"] == "pls"

    empty = await api.client.post(
        "/jobs/imports",
        data=b"",
        content_type="application/octet-stream",
        token=api.token,
        validate_request=False,
    )
    assert empty.status == 400
    unknown = await api.client.post(
        "/jobs/imports",
        data=upload,
        content_type="application/octet-stream",
        params={"format": "docx"},
        token=api.token,
    )
    assert unknown.status == 422


async def test_finished_jobs_show_in_metrics(api: Api) -> None:
    job = (await _export(api)).json()
    await api.wait(job["id"], "succeeded")
    for _ in range(100):  # counted right after the job's row is written
        text = (await api.client.get("/metrics")).body.decode()
        if 'playlist_jobs_total{kind="export",state="succeeded"} 1.0' in text:
            break
        await asyncio.sleep(0.02)
    assert 'playlist_jobs_total{kind="export",state="succeeded"} 1.0' in text
    assert 'playlist_job_duration_seconds_count{kind="export"} 1.0' in text
