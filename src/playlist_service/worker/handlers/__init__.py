"""The built-in job handlers and their job kinds."""

from playlist_service.worker.handlers._builtin import builtin_handlers
from playlist_service.worker.handlers._enrichment import (
    ENRICHMENT_KIND,
    MUSICBRAINZ_SERVICE,
    enrich_playlist,
)
from playlist_service.worker.handlers._export import EXPORT_KIND, export_file
from playlist_service.worker.handlers._import import IMPORT_KIND, MAX_IMPORT_BYTES, import_file
from playlist_service.worker.handlers._migration import (
    MIGRATION_KIND,
    PROVIDERS_SERVICE,
    JobCheckpointStore,
    ProviderOpener,
    account_provider_opener,
    run_migration,
)
from playlist_service.worker.handlers._sources import (
    load_playlist,
    playlist_document,
    safe_filename,
)
from playlist_service.worker.handlers._webhook import (
    WEBHOOK_KIND,
    PublicAddressResolver,
    deliver_webhook,
    is_public_address,
    sign_webhook,
    verify_webhook,
    webhook_body,
    webhook_secret,
)

__all__ = [
    "ENRICHMENT_KIND",
    "EXPORT_KIND",
    "IMPORT_KIND",
    "MAX_IMPORT_BYTES",
    "MIGRATION_KIND",
    "MUSICBRAINZ_SERVICE",
    "PROVIDERS_SERVICE",
    "WEBHOOK_KIND",
    "JobCheckpointStore",
    "ProviderOpener",
    "PublicAddressResolver",
    "account_provider_opener",
    "builtin_handlers",
    "deliver_webhook",
    "enrich_playlist",
    "export_file",
    "import_file",
    "is_public_address",
    "load_playlist",
    "playlist_document",
    "run_migration",
    "safe_filename",
    "sign_webhook",
    "verify_webhook",
    "webhook_body",
    "webhook_secret",
]
