"""The app factory, the contract routes, problem+json errors and request ids."""

from __future__ import annotations

import re

import yaml

from playlist_service.api import load_spec, spec_bytes
from tests.service.contract import ContractClient


async def test_openapi_yaml_is_served_byte_for_byte(api: ContractClient) -> None:
    response = await api.get("/openapi.yaml")
    assert response.status == 200
    assert response.content_type == "application/yaml"
    assert response.body == spec_bytes()
    assert yaml.safe_load(response.body)["openapi"].startswith("3.1")


async def test_docs_page_lists_every_operation_without_external_assets(
    api: ContractClient,
) -> None:
    response = await api.get("/docs")
    assert response.status == 200
    page = response.body.decode()
    for path, item in load_spec()["paths"].items():
        for method in item:
            if method in {"get", "post", "put", "patch", "delete"}:
                assert f"<code>{path}</code>" in page.replace("&#x27;", "'"), (method, path)
    # no CDN: nothing is loaded from elsewhere, so the page works offline
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<script" not in page
    assert "<link" not in page


async def test_unknown_route_is_a_problem_document(api: ContractClient) -> None:
    response = await api.get("/no/such/route", validate_request=False, validate_response=False)
    assert response.status == 404
    assert response.content_type == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 404
    assert problem["type"].startswith("urn:playlist-service:problem:")
    assert problem["request_id"] == response.headers["X-Request-ID"]


async def test_wrong_method_is_a_problem_with_allow_header(api: ContractClient) -> None:
    response = await api.request(
        "DELETE", "/openapi.yaml", validate_request=False, validate_response=False
    )
    assert response.status == 405
    assert response.content_type == "application/problem+json"
    assert "GET" in response.headers["Allow"]


async def test_request_id_is_echoed_when_well_formed(api: ContractClient) -> None:
    mine = "client-req-12345678"
    response = await api.get("/openapi.yaml", headers={"X-Request-ID": mine})
    assert response.headers["X-Request-ID"] == mine
    hostile = "bad id\twith spaces"
    response = await api.get("/openapi.yaml", headers={"X-Request-ID": hostile})
    assert response.headers["X-Request-ID"] != hostile
    assert len(response.headers["X-Request-ID"]) == 32


async def test_unknown_query_parameters_are_refused(api: ContractClient) -> None:
    response = await api.get("/openapi.yaml", params={"limt": "10"}, validate_request=False)
    assert response.status == 400
    assert response.json()["code"] == "unknown-parameter"
    assert "limt" in response.json()["detail"]


async def test_malformed_json_bodies_are_problems(api: ContractClient) -> None:
    response = await api.request(
        "POST",
        "/auth/refresh",
        data=b"{not json",
        content_type="application/json",
        validate_request=False,
    )
    assert response.status == 400
    assert response.json()["code"] == "invalid-json"
    wrong_type = await api.request(
        "POST", "/auth/refresh", data=b"x", content_type="text/plain", validate_request=False
    )
    assert wrong_type.status == 415
