"""The main journey over HTTP on both databases: sign in, list live playlists, store one,
read the artists, refresh the session, sign out."""

from __future__ import annotations

import pytest

from tests.service.auth.test_mobile_flow import sign_in
from tests.service.conftest import empty_shared_schema
from tests.service.contract import ContractClient


@pytest.fixture(params=["sqlite", "postgresql"])
async def service_database_url(request: pytest.FixtureRequest) -> str:
    """Overrides the conftest fixture: the journey runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        url: str = request.getfixturevalue("sqlite_template_copy")
        return url
    url = request.getfixturevalue("shared_postgres_url")
    await empty_shared_schema(url)
    return url


@pytest.fixture
def sqlite_template_copy(tmp_path: object, sqlite_template: object) -> str:
    import shutil
    from pathlib import Path

    database = Path(str(tmp_path)) / "service.sqlite3"
    shutil.copyfile(str(sqlite_template), database)
    return f"sqlite+aiosqlite:///{database}"


async def test_journey(service: ContractClient) -> None:
    tokens = await sign_in(service)
    token = tokens["access_token"]
    page = (await service.get("/playlists/providers/spotify", token=token)).json()
    assert [p["name"] for p in page["items"]] == ["Evening", "Morning"]
    stored = await service.post(
        f"/playlists/providers/spotify/{page['items'][1]['id']}/store", token=token
    )
    assert stored.status == 201
    artists = (await service.get("/artists", token=token)).json()
    assert artists["total"] == 5
    assert {a["name"] for a in artists["items"]} >= {"Aphex Twin", "Boards of Canada"}
    refreshed = (
        await service.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    ).json()
    me = await service.get("/me", token=refreshed["access_token"])
    assert me.json()["user"]["id"] == tokens["user_id"]
    assert (await service.post("/auth/logout", token=refreshed["access_token"])).status == 204
    assert (await service.get("/me", token=refreshed["access_token"])).status == 401
