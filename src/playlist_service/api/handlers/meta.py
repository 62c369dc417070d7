"""The contract and its documentation page."""

from __future__ import annotations

from aiohttp import web

from playlist_service import keys
from playlist_service.api._spec import spec_bytes
from playlist_service.api.docs import render_docs

__all__ = ["routes"]

routes = web.RouteTableDef()


@routes.get("/openapi.yaml")
async def get_openapi(_request: web.Request) -> web.Response:
    """Serve the packaged contract byte for byte."""
    return web.Response(body=spec_bytes(), content_type="application/yaml")


@routes.get("/docs")
async def get_docs(request: web.Request) -> web.Response:
    """Serve the offline HTML documentation rendered from the contract."""
    return web.Response(text=render_docs(request.app[keys.OPENAPI_SPEC]), content_type="text/html")
