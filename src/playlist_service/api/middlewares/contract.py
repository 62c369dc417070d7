"""Refuse query parameters the contract does not define for the route (400).

The table of allowed names is built once from ``openapi.yaml``: for each operation
(method + path template, which aiohttp's canonical route paths match), the names of its
``in: query`` parameters, ``$ref``s resolved. Routes the contract does not describe are left
alone. Typos such as ``?limt=10`` thus fail loudly instead of being silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from playlist_service.errors import ProblemError

__all__ = ["allowed_query_parameters", "query_contract_middleware"]

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def _resolve(spec: Mapping[str, Any], item: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = item.get("$ref")
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return item
    node: Any = spec
    for part in ref[2:].split("/"):
        node = node[part]
    return _resolve(spec, node)


def allowed_query_parameters(spec: Mapping[str, Any]) -> dict[tuple[str, str], frozenset[str]]:
    """``(METHOD, path template) -> query parameter names`` of every operation."""
    table: dict[tuple[str, str], frozenset[str]] = {}
    for path, item in spec.get("paths", {}).items():
        shared = [_resolve(spec, p) for p in item.get("parameters", [])]
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            params = shared + [_resolve(spec, p) for p in operation.get("parameters", [])]
            table[(method.upper(), path)] = frozenset(
                str(p["name"]) for p in params if p.get("in") == "query"
            )
    return table


def query_contract_middleware(spec: Mapping[str, Any]) -> Middleware:
    """Build the middleware for a parsed contract."""
    table = allowed_query_parameters(spec)

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.query:
            route = request.match_info.route
            resource = route.resource
            if resource is not None:
                allowed = table.get((request.method, resource.canonical))
                if allowed is not None:
                    unknown = sorted(set(request.query) - allowed)
                    if unknown:
                        raise ProblemError(
                            400,
                            "unknown-parameter",
                            f"unknown query parameter(s): {', '.join(unknown)[:200]}",
                        )
        return await handler(request)

    return middleware
