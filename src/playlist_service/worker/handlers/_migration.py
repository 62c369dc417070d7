"""``migration``: the library's migration engine as a job, resumable from a database checkpoint.

The engine saves a :class:`~playlist_interop.migrate.MigrationCheckpoint` after every add
batch; :class:`JobCheckpointStore` keeps it in ``job_checkpoints`` under the job's lease, so a
retried attempt (after a crash, a lost worker or a transient provider error) continues where
the last one stopped without adding any entry twice, and a worker that lost its lease cannot
overwrite the checkpoint of the one that took over.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Protocol

from playlist_interop.errors import MigrationCancelled, MigrationError
from playlist_interop.migrate import (
    MigrationCheckpoint,
    ProgressEvent,
    ProviderPlaylist,
    migrate,
)
from playlist_interop.model import Playlist
from playlist_interop.providers import Provider
from playlist_interop.types import ProviderPlaylistId
from playlist_service.worker._context import JobCancelled, JobContext, PermanentJobError
from playlist_service.worker.handlers._sources import load_playlist

if TYPE_CHECKING:
    from playlist_service.accounts import AccountStore
    from playlist_service.providers import ProviderHub

__all__ = [
    "MIGRATION_KIND",
    "PROVIDERS_SERVICE",
    "JobCheckpointStore",
    "ProviderOpener",
    "account_provider_opener",
    "run_migration",
]

MIGRATION_KIND = "migration"
"""Job kind of migrations."""

PROVIDERS_SERVICE = "providers"
"""Key of the :class:`ProviderOpener` in :attr:`HandlerServices.extras`."""

_CHECKPOINT = "migration"
_PROGRESS_EVERY = 0.5  # seconds between progress events of one stage


class ProviderOpener(Protocol):
    """Opens a provider adapter signed in as a user (tokens from the account store)."""

    def __call__(self, user_id: str, provider: str) -> AbstractAsyncContextManager[Provider]:
        """An adapter for ``user_id`` at ``provider``, closed on exit.

        Raises:
            PermanentJobError: the provider is not configured or the user has no account there.
        """
        ...


def account_provider_opener(hub: ProviderHub, accounts: AccountStore) -> ProviderOpener:
    """A :class:`ProviderOpener` over the service's provider hub and linked accounts.

    Renewed provider tokens are saved (encrypted) as the adapters rotate them.
    """
    from playlist_service.accounts import AccountTokenSaver
    from playlist_service.providers import ProviderNotConfigured

    @contextlib.asynccontextmanager
    async def open_provider(user_id: str, provider: str) -> AsyncIterator[Provider]:
        try:
            hub.get(provider)
        except ProviderNotConfigured:
            raise PermanentJobError(
                f"no provider named {provider}", code="provider-not-configured"
            ) from None
        account = await accounts.find(user_id, provider)
        if account is None:
            raise PermanentJobError(f"no {provider} account is linked", code="provider-not-linked")
        token = await accounts.load_token(account)
        async with hub.open(provider, token, saver=AccountTokenSaver(accounts, account)) as adapter:
            yield adapter

    return open_provider


class JobCheckpointStore:
    """The engine's :class:`~playlist_interop.migrate.CheckpointStore` in ``job_checkpoints``.

    One checkpoint per job; saves are fenced by the job's lease.
    """

    def __init__(self, context: JobContext) -> None:
        self._context = context

    async def load(self, plan_id: str) -> MigrationCheckpoint | None:
        """The job's checkpoint, when it belongs to ``plan_id``."""
        saved = await self._context.load_checkpoint(_CHECKPOINT)
        if not saved or saved.get("plan_id") != plan_id:
            return None
        return MigrationCheckpoint.from_json(json.dumps(saved["checkpoint"]))

    async def save(self, checkpoint: MigrationCheckpoint) -> None:
        """Replace the job's checkpoint (raises ``LeaseLost`` for a stale worker)."""
        await self._context.save_checkpoint(
            _CHECKPOINT,
            {"plan_id": checkpoint.plan_id, "checkpoint": json.loads(checkpoint.to_json())},
        )

    async def clear(self, plan_id: str) -> None:
        """Forget the checkpoint of ``plan_id``."""
        saved = await self._context.load_checkpoint(_CHECKPOINT)
        if saved and saved.get("plan_id") == plan_id:
            await self._context.save_checkpoint(_CHECKPOINT, {"plan_id": None})


class _Progress:
    """Turns the engine's progress into job events, at most one per stage every 0.5 s."""

    def __init__(self, context: JobContext) -> None:
        self._context = context
        self._stage: str | None = None
        self._last = 0.0

    async def __call__(self, event: ProgressEvent) -> None:
        now = time.monotonic()
        boundary = event.stage != self._stage or event.done in {0, event.total}
        if not boundary and now - self._last < _PROGRESS_EVERY:
            return
        self._stage, self._last = event.stage, now
        await self._context.progress(
            event.done, event.total, stage=event.stage, message=event.message
        )


async def run_migration(context: JobContext) -> Mapping[str, Any]:
    """Migrate the source playlist to the target provider.

    Payload: ``{"source": {"provider", "playlist_id"} | {"stored_playlist_id"}, "target":
    {"provider", "name", "public"}, "dry_run": false}``. Result: the report's counts and
    target; the full per-track report is stored as the job's artifact ``report.json``.
    """
    payload = context.job.payload
    owner = context.job.owner_id
    opener: ProviderOpener | None = context.services.extras.get(PROVIDERS_SERVICE)
    if opener is None:
        raise PermanentJobError("migrations are not configured", code="migrations-disabled")
    if owner is None:
        raise PermanentJobError("a migration needs an owner", code="invalid-job")
    source_doc = payload.get("source") or {}
    target_doc = payload.get("target") or {}
    target_name = target_doc.get("provider")
    if not isinstance(target_name, str):
        raise PermanentJobError("target.provider is required", code="invalid-job")
    async with contextlib.AsyncExitStack() as stack:
        source: ProviderPlaylist | Playlist
        if "stored_playlist_id" in source_doc:
            source = await load_playlist(context, source_doc)
            default_name = source.name
        else:
            source_provider = await stack.enter_async_context(
                opener(owner, str(source_doc.get("provider")))
            )
            source = ProviderPlaylist(
                source_provider, ProviderPlaylistId(str(source_doc.get("playlist_id")))
            )
            default_name = None
        target_provider = await stack.enter_async_context(opener(owner, target_name))
        target = ProviderPlaylist(
            target_provider,
            None,
            name=target_doc.get("name") or default_name or "Migrated playlist",
            public=bool(target_doc.get("public", False)),
        )
        try:
            report = await migrate(
                source,
                target,
                dry_run=bool(payload.get("dry_run", False)),
                checkpoint=JobCheckpointStore(context),
                progress=_Progress(context),
                cancel=context.cancel_event,
            )
        except MigrationCancelled as exc:
            raise JobCancelled(context.job.id) from exc
        except MigrationError as exc:
            raise PermanentJobError(str(exc), code="migration-failed") from exc
    document = report.to_dict()
    key = context.blob_key("report.json")
    data = json.dumps(document, ensure_ascii=False, indent=1).encode()
    info = await context.blobs.put(key, data, content_type="application/json")
    return {
        "blob_key": key,
        "filename": "migration-report.json",
        "media_type": "application/json",
        "size": info.size,
        "sha256": info.sha256,
        "dry_run": report.dry_run,
        "resumed": report.resumed,
        "target_playlist_id": report.target_playlist_id,
        "added": report.added,
        "counts": report.counts,
        "provider_calls": report.provider_calls,
    }
