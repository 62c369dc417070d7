"""The HTTP API: the ``openapi.yaml`` contract, its docs page, handlers and middlewares."""

from playlist_service.api._spec import load_spec, spec_bytes
from playlist_service.api.docs import render_docs

__all__ = ["load_spec", "render_docs", "spec_bytes"]
