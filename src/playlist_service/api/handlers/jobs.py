"""``/jobs`` and ``/exports``: start jobs, follow them (JSON or Server-Sent Events), cancel
them, download what they made.

Handlers are thin: they check the request, enqueue through :data:`keys.JOB_QUEUE` (waking the
embedded worker, if any) and shape the answer. The event stream reads the ``job_events``
table, so any API process can serve any job's stream, and a client that reconnects with
``Last-Event-ID`` continues exactly where it stopped.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import urllib.parse
import uuid
from collections.abc import AsyncIterator, Mapping
from typing import Any, Final

from aiohttp import BodyPartReader, web

from playlist_interop.codecs import get_codec
from playlist_interop.errors import UnsupportedFormatError
from playlist_service import keys
from playlist_service.api._io import json_response, query_int, read_json_object, reject_unknown
from playlist_service.auth import require_principal
from playlist_service.blobs import BlobNotFound
from playlist_service.errors import ProblemError
from playlist_service.queue import Job, JobNotFound, JobState, JobStateError
from playlist_service.worker import webhook_key
from playlist_service.worker.handlers import (
    ENRICHMENT_KIND,
    EXPORT_KIND,
    IMPORT_KIND,
    MAX_IMPORT_BYTES,
    MIGRATION_KIND,
    WEBHOOK_KIND,
    webhook_secret,
)

__all__ = ["SSE_MAX_SECONDS", "SSE_POLL_SECONDS", "job_json", "routes"]

routes = web.RouteTableDef()

SSE_POLL_SECONDS: Final = 0.25
"""How often an open event stream looks for new rows."""
SSE_MAX_SECONDS: Final = 300.0
"""An event stream ends after this long; clients reconnect with ``Last-Event-ID``."""
_KEEPALIVE_SECONDS: Final = 15.0
_JOB_ID = re.compile(r"[0-9a-f]{32}")
_ARTIFACT_URL_SECONDS: Final = 300
_INTERNAL_KINDS: Final = frozenset({WEBHOOK_KIND})  # worker-side jobs users never see


def job_json(job: Job) -> dict[str, Any]:
    """A job as the API shows it (internal storage keys left out)."""
    result = job.result
    artifact = None
    if result is not None and "blob_key" in result:
        artifact = {
            "filename": result.get("filename"),
            "media_type": result.get("media_type"),
            "size": result.get("size"),
            "sha256": result.get("sha256"),
            "url": f"/jobs/{job.id}/artifact",
        }
        result = {key: value for key, value in result.items() if key != "blob_key"}
    error = None
    if job.error is not None:
        error = {
            key: job.error[key]
            for key in ("type", "message", "code", "retryable")
            if key in job.error
        }
    return {
        "id": job.id,
        "kind": job.kind,
        "state": job.state.value,
        "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "progress": {"done": job.progress_done, "total": job.progress_total},
        "cancel_requested": job.cancel_requested,
        "result": result,
        "error": error,
        "artifact": artifact,
        "webhook_url": job.webhook_url,
        "created_at": job.created_at,
        "updated_at": job.updated_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "events_url": f"/jobs/{job.id}/events",
    }


def _public_data(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """Event data without internal storage keys (a result's ``blob_key``)."""
    result = data.get("result")
    if isinstance(result, Mapping) and "blob_key" in result:
        return {**data, "result": {k: v for k, v in result.items() if k != "blob_key"}}
    return data


def _job_id(request: web.Request) -> str:
    job_id = request.match_info["job_id"]
    if not _JOB_ID.fullmatch(job_id):
        raise ProblemError(404, "job-not-found", "no such job")
    return job_id


async def _owned_job(request: web.Request, user_id: str) -> Job:
    """The user's job named in the path (webhook deliveries are internal: not found)."""
    try:
        job = await request.app[keys.JOB_QUEUE].get(_job_id(request), owner_id=user_id)
    except JobNotFound:
        raise ProblemError(404, "job-not-found", "no such job") from None
    if job.kind in _INTERNAL_KINDS:
        raise ProblemError(404, "job-not-found", "no such job")
    return job


def _webhook_url(request: web.Request, body: Mapping[str, Any]) -> str | None:
    url = body.get("webhook_url")
    if url is None:
        return None
    if not isinstance(url, str) or len(url) > 2048:
        raise ProblemError(400, "invalid-request", "webhook_url must be a URL string")
    parsed = urllib.parse.urlsplit(url)
    allow_http = request.app[keys.WORKER_OPTIONS].webhook_allow_http
    schemes = {"https", "http"} if allow_http else {"https"}
    if parsed.scheme not in schemes or not parsed.hostname:
        raise ProblemError(
            422, "invalid-webhook-url", "webhook_url must be an absolute https:// URL"
        )
    if parsed.username or parsed.password:
        raise ProblemError(422, "invalid-webhook-url", "webhook_url must not carry credentials")
    return url


async def _enqueue(
    request: web.Request,
    user_id: str,
    kind: str,
    payload: Mapping[str, Any],
    webhook_url: str | None,
    *,
    job_id: str | None = None,
) -> web.Response:
    queue = request.app[keys.JOB_QUEUE]
    job = await queue.enqueue(
        kind, payload, owner_id=user_id, webhook_url=webhook_url, job_id=job_id
    )
    worker = request.app.get(keys.WORKER)
    if worker is not None:
        worker.notify()
    document = job_json(job)
    if webhook_url is not None:
        settings = request.app[keys.SETTINGS]
        document["webhook_secret"] = webhook_secret(webhook_key(settings), job.id)
    response = json_response(document, status=202, headers={"Location": f"/jobs/{job.id}"})
    response.headers["Cache-Control"] = "no-store"
    return response


async def _check_source(request: web.Request, user_id: str, source: Any) -> dict[str, Any]:
    if not isinstance(source, dict) or len(source) != 1:
        raise ProblemError(
            400, "invalid-request", "source must hold exactly one of playlist, stored_playlist_id"
        )
    if "playlist" in source:
        if not isinstance(source["playlist"], dict):
            raise ProblemError(400, "invalid-request", "source.playlist must be an object")
        return {"playlist": source["playlist"]}
    playlist_id = source.get("stored_playlist_id")
    if not isinstance(playlist_id, str) or not playlist_id or len(playlist_id) > 64:
        raise ProblemError(
            400, "invalid-request", "source must hold exactly one of playlist, stored_playlist_id"
        )
    if not await request.app[keys.LIBRARY].owns(user_id, playlist_id):
        raise ProblemError(404, "playlist-not-found", "no such stored playlist")
    return {"stored_playlist_id": playlist_id}


@routes.post("/exports/file")
async def export_file(request: web.Request) -> web.Response:
    """Start writing a playlist to a file in any supported format."""
    principal = require_principal(request)
    body = await read_json_object(request)
    reject_unknown(body, {"source", "format", "filename", "webhook_url"})
    fmt = body.get("format")
    if not isinstance(fmt, str) or not fmt or len(fmt) > 32:
        raise ProblemError(400, "invalid-request", "format is required")
    try:
        codec = get_codec(fmt)
    except UnsupportedFormatError as exc:
        raise ProblemError(422, "unsupported-format", str(exc)) from None
    filename = body.get("filename")
    if filename is not None and (not isinstance(filename, str) or len(filename) > 255):
        raise ProblemError(400, "invalid-request", "filename must be a string (255 at most)")
    payload: dict[str, Any] = {
        "source": await _check_source(request, principal.user_id, body.get("source")),
        "format": codec.name,
    }
    if filename:
        payload["filename"] = filename
    webhook = _webhook_url(request, body)
    return await _enqueue(request, principal.user_id, EXPORT_KIND, payload, webhook)


async def _check_linked(request: web.Request, user_id: str, provider: Any, field: str) -> str:
    from playlist_service.providers import ProviderNotConfigured

    if not isinstance(provider, str) or not provider or len(provider) > 64:
        raise ProblemError(400, "invalid-request", f"{field} is required")
    try:
        request.app[keys.PROVIDER_HUB].get(provider)
    except ProviderNotConfigured:
        raise ProblemError(
            422, "provider-not-configured", f"no provider named {provider}"
        ) from None
    if await request.app[keys.ACCOUNTS].find(user_id, provider) is None:
        raise ProblemError(409, "provider-not-linked", f"link a {provider} account first")
    return provider


@routes.post("/jobs/migrations")
async def start_migration(request: web.Request) -> web.Response:
    """Start copying a playlist to a provider (plan, match, create, add in batches)."""
    principal = require_principal(request)
    body = await read_json_object(request)
    reject_unknown(body, {"source", "target", "dry_run", "webhook_url"})
    source = body.get("source")
    target = body.get("target")
    if not isinstance(source, dict) or not isinstance(target, dict):
        raise ProblemError(400, "invalid-request", "source and target are required objects")
    reject_unknown(target, {"provider", "name", "public"})
    name = target.get("name")
    if name is not None and (not isinstance(name, str) or len(name) > 300):
        raise ProblemError(400, "invalid-request", "target.name must be a string (300 at most)")
    if not isinstance(target.get("public", False), bool):
        raise ProblemError(400, "invalid-request", "target.public must be a boolean")
    if not isinstance(body.get("dry_run", False), bool):
        raise ProblemError(400, "invalid-request", "dry_run must be a boolean")
    if "stored_playlist_id" in source:
        reject_unknown(source, {"stored_playlist_id"})
        source_doc = await _check_source(request, principal.user_id, source)
    else:
        reject_unknown(source, {"provider", "playlist_id"})
        playlist_id = source.get("playlist_id")
        if not isinstance(playlist_id, str) or not playlist_id or len(playlist_id) > 255:
            raise ProblemError(400, "invalid-request", "source.playlist_id is required")
        source_doc = {
            "provider": await _check_linked(
                request, principal.user_id, source.get("provider"), "source.provider"
            ),
            "playlist_id": playlist_id,
        }
    payload = {
        "source": source_doc,
        "target": {
            "provider": await _check_linked(
                request, principal.user_id, target.get("provider"), "target.provider"
            ),
            "name": name,
            "public": bool(target.get("public", False)),
        },
        "dry_run": bool(body.get("dry_run", False)),
    }
    webhook = _webhook_url(request, body)
    return await _enqueue(request, principal.user_id, MIGRATION_KIND, payload, webhook)


async def _limited(read: Any, limit: int) -> AsyncIterator[bytes]:
    size = 0
    while chunk := await read(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise ProblemError(413, "payload-too-large", "playlist files are limited to 20 MiB")
        yield chunk


@routes.post("/jobs/imports")
async def start_import(request: web.Request) -> web.Response:
    """Upload a playlist file (raw body or multipart field ``file``) and import it as a job.

    The upload streams to blob storage; the import job parses it and stores the playlist.
    """
    principal = require_principal(request)
    fmt = request.query.get("format") or None
    filename = request.query.get("filename") or None
    if fmt is not None:
        try:
            fmt = get_codec(fmt).name
        except UnsupportedFormatError as exc:
            raise ProblemError(422, "unsupported-format", str(exc)) from None
    job_id = uuid.uuid4().hex
    key = f"uploads/{job_id}/upload"
    blobs = request.app[keys.BLOB_STORE]
    stored = None
    if request.content_type == "multipart/form-data":
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if isinstance(part, BodyPartReader) and part.name == "file" and stored is None:
                filename = part.filename or filename
                stored = await blobs.put(key, _limited(part.read_chunk, MAX_IMPORT_BYTES))
        if stored is None:
            raise ProblemError(400, "invalid-request", "the multipart body has no file part")
    else:
        stored = await blobs.put(key, _limited(request.content.read, MAX_IMPORT_BYTES))
    if stored.size == 0:
        await blobs.delete(key)
        raise ProblemError(400, "invalid-request", "the playlist file is empty")
    payload = {"blob_key": key, "format": fmt, "filename": (filename or "")[:255] or None}
    return await _enqueue(request, principal.user_id, IMPORT_KIND, payload, None, job_id=job_id)


@routes.post("/jobs/enrichment")
async def start_enrichment(request: web.Request) -> web.Response:
    """Start looking up a stored playlist's tracks and artists at MusicBrainz."""
    principal = require_principal(request)
    body = await read_json_object(request)
    reject_unknown(body, {"stored_playlist_id", "webhook_url"})
    source = await _check_source(
        request, principal.user_id, {"stored_playlist_id": body.get("stored_playlist_id")}
    )
    webhook = _webhook_url(request, body)
    return await _enqueue(request, principal.user_id, ENRICHMENT_KIND, source, webhook)


@routes.get("/jobs")
async def list_jobs(request: web.Request) -> web.Response:
    """The user's jobs, newest first, a page at a time."""
    principal = require_principal(request)
    limit = query_int(request, "limit", default=50, minimum=1, maximum=200)
    states = None
    if raw_state := request.query.get("state"):
        try:
            states = {JobState(value) for value in raw_state.split(",")}
        except ValueError:
            raise ProblemError(400, "invalid-request", "unknown state") from None
    kinds = None
    if kind := request.query.get("kind"):
        if kind in _INTERNAL_KINDS:
            raise ProblemError(400, "invalid-request", "unknown kind")
        kinds = [kind]
    try:
        page, cursor = await request.app[keys.JOB_QUEUE].list_jobs(
            owner_id=principal.user_id,
            states=states,
            kinds=kinds,
            exclude_kinds=_INTERNAL_KINDS,
            limit=limit,
            cursor=request.query.get("cursor"),
        )
    except ValueError:
        raise ProblemError(400, "invalid-request", "invalid cursor") from None
    return json_response({"items": [job_json(job) for job in page], "next_cursor": cursor})


@routes.get("/jobs/{job_id}")
async def get_job(request: web.Request) -> web.Response:
    """One job with its state, progress and result."""
    principal = require_principal(request)
    return json_response(job_json(await _owned_job(request, principal.user_id)))


@routes.post("/jobs/{job_id}/cancel")
async def cancel_job(request: web.Request) -> web.Response:
    """Cancel a queued job, or ask a running one to stop (202 until it has)."""
    principal = require_principal(request)
    await _owned_job(request, principal.user_id)
    try:
        job = await request.app[keys.JOB_QUEUE].cancel(_job_id(request), owner_id=principal.user_id)
    except JobNotFound:
        raise ProblemError(404, "job-not-found", "no such job") from None
    except JobStateError as exc:
        raise ProblemError(
            409,
            "job-finished",
            f"the job already {exc.state.value}",
            extensions={"state": exc.state.value},
        ) from None
    return json_response(job_json(job), status=200 if job.state.terminal else 202)


@routes.get("/jobs/{job_id}/artifact")
async def download_artifact(request: web.Request) -> web.StreamResponse:
    """The file a job made: a redirect to a short-lived signed URL, or the bytes themselves."""
    principal = require_principal(request)
    job = await _owned_job(request, principal.user_id)
    result = job.result or {}
    if job.state is not JobState.SUCCEEDED:
        raise ProblemError(409, "job-not-finished", f"the job is {job.state.value}")
    key = result.get("blob_key")
    if not isinstance(key, str):
        raise ProblemError(404, "no-artifact", "this job made no file")
    blobs = request.app[keys.BLOB_STORE]
    filename = str(result.get("filename") or "download")
    url = await blobs.presigned_url(key, expires_in=_ARTIFACT_URL_SECONDS, filename=filename)
    if url is not None:
        raise web.HTTPFound(url, headers={"Cache-Control": "no-store"})
    stat = await blobs.stat(key)
    if stat is None:
        raise ProblemError(410, "artifact-gone", "the file is no longer stored")
    response = web.StreamResponse(
        headers={
            "Content-Type": str(result.get("media_type") or "application/octet-stream"),
            "Content-Disposition": _attachment(filename),
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        }
    )
    response.content_length = stat.size
    await response.prepare(request)
    try:
        async for chunk in blobs.get(key):
            await response.write(chunk)
    except BlobNotFound:  # deleted between stat and read: the client sees a short body
        return response
    await response.write_eof()
    return response


def _attachment(filename: str) -> str:
    ascii_name = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename
    )
    quoted = urllib.parse.quote(filename, safe="")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quoted}"


def _last_event_id(request: web.Request) -> int:
    raw = request.headers.get("Last-Event-ID") or request.query.get("after") or "0"
    try:
        value = int(raw)
    except ValueError:
        raise ProblemError(
            400, "invalid-request", "Last-Event-ID must be an event number"
        ) from None
    if value < 0:
        raise ProblemError(400, "invalid-request", "Last-Event-ID must not be negative")
    return value


@routes.get("/jobs/{job_id}/events")
async def job_events(request: web.Request) -> web.StreamResponse:
    """The job's progress as Server-Sent Events, from the event after ``Last-Event-ID``.

    Each event is ``id: <seq>``, ``event: <type>``, ``data: <JSON>``. The stream ends after
    the job's final event, or after :data:`SSE_MAX_SECONDS` (reconnect to continue).
    """
    principal = require_principal(request)
    job = await _owned_job(request, principal.user_id)
    after = _last_event_id(request)
    queue = request.app[keys.JOB_QUEUE]
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache, no-store",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    await response.write(b"retry: 2000\n\n")
    started = time.monotonic()
    last_write = started
    finished = job.state.terminal
    while True:
        events = await queue.events(job.id, after=after, limit=500)
        for event in events:
            data = json.dumps(
                {
                    "seq": event.seq,
                    "type": event.type,
                    "at": event.at.isoformat(),
                    "data": _public_data(event.data),
                },
                separators=(",", ":"),
            )
            await response.write(f"id: {event.seq}\nevent: {event.type}\ndata: {data}\n\n".encode())
            after = event.seq
            last_write = time.monotonic()
            if event.type in _FINAL_EVENTS:
                finished = True
        if len(events) == 500:
            continue
        if finished:
            # the final event is always the last one written; anything after it is done too
            try:
                current = await queue.get(job.id)
            except JobNotFound:  # deleted by the retention purge meanwhile
                break
            if current.state.terminal and current.event_seq <= after:
                break
            finished = current.state.terminal
        now = time.monotonic()
        if now - started > SSE_MAX_SECONDS:
            break
        if now - last_write > _KEEPALIVE_SECONDS:
            await response.write(b": keep-alive\n\n")
            last_write = now
        await asyncio.sleep(SSE_POLL_SECONDS)
    await response.write_eof()
    return response


_FINAL_EVENTS: Final = frozenset({"succeeded", "failed", "dead", "cancelled"})
