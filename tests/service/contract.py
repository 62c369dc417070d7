"""A test client that checks every request and response against ``openapi.yaml``.

``ContractClient`` wraps aiohttp's test client; each call validates the request it sends and
the response it gets with openapi-core (path, method, parameters, headers, body schema,
status code and content type), so any drift between the service and its contract fails the
test that exercises it.
"""

from __future__ import annotations

import json as jsonlib
from typing import Any
from urllib.parse import urlencode

import attrs
from aiohttp.test_utils import TestClient
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from playlist_service.api import load_spec

_OPENAPI: OpenAPI | None = None


def contract() -> OpenAPI:
    global _OPENAPI  # noqa: PLW0603 - parsed once per test session
    if _OPENAPI is None:
        # openapi-core only knows application/json; problem documents are JSON too.
        config = Config(extra_media_type_deserializers={"application/problem+json": jsonlib.loads})
        _OPENAPI = OpenAPI.from_dict(load_spec(), config=config)
    return _OPENAPI


@attrs.frozen
class ApiResponse:
    status: int
    headers: dict[str, str]
    body: bytes
    content_type: str

    def json(self) -> Any:
        return jsonlib.loads(self.body)


class ContractClient:
    """Send requests to a test app; fail on any request or response the contract rejects."""

    def __init__(self, client: TestClient[Any, Any]) -> None:
        self.client = client
        self.emulator: Any = None
        self.musicbrainz: Any = None
        self.tidal: Any = None
        self.settings: Any = None

    @property
    def app(self) -> Any:
        return self.client.app

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: bytes | None = None,
        content_type: str | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        token: str | None = None,
        validate_request: bool = True,
        validate_response: bool = True,
        allow_redirects: bool = False,
    ) -> ApiResponse:
        send_headers = dict(headers or {})
        if token is not None:
            send_headers["Authorization"] = f"Bearer {token}"
        body: bytes | None = data
        if json is not None:
            body = jsonlib.dumps(json).encode()
            content_type = "application/json"
        if content_type is not None:
            send_headers["Content-Type"] = content_type
        full_path = path + ("?" + urlencode(params) if params else "")
        async with self.client.request(
            method, full_path, data=body, headers=send_headers, allow_redirects=allow_redirects
        ) as response:
            raw = await response.read()
            result = ApiResponse(
                status=response.status,
                headers=dict(response.headers),
                body=raw,
                content_type=response.content_type,
            )
        mock_request = MockRequest(
            "http://127.0.0.1",
            method.lower(),
            path,
            args=params or {},
            headers={k.lower(): v for k, v in send_headers.items()},
            data=body,
            content_type=content_type or "",
        )
        if validate_request:
            contract().validate_request(mock_request)
        if validate_response:
            mock_response = MockResponse(
                raw,
                status_code=result.status,
                headers={k.lower(): v for k, v in result.headers.items()},
                content_type=result.content_type,
            )
            contract().validate_response(mock_request, mock_response)
        return result

    async def get(self, path: str, **kwargs: Any) -> ApiResponse:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> ApiResponse:
        return await self.request("POST", path, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> ApiResponse:
        return await self.request("DELETE", path, **kwargs)
