"""Live playlists through the library (with provider-token renewal), stored playlists,
uploads read by the library's codecs, and the artist catalog; all checked against the
contract."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from playlist_service import keys
from tests.service.auth.test_mobile_flow import sign_in
from tests.service.contract import ContractClient

M3U = """#EXTM3U
#PLAYLIST:Road trip
#EXTINF:354,Claude Debussy - Clair de Lune
music/clair.flac
#EXTINF:330,Massive Attack - Teardrop
music/teardrop.flac
#EXTINF:308,Massive Attack - Unfinished Sympathy
music/sympathy.flac
"""


@pytest.fixture
async def token(service: ContractClient) -> str:
    return (await sign_in(service))["access_token"]


async def test_live_playlists_with_paging(service: ContractClient, token: str) -> None:
    page = await service.get("/playlists/providers/spotify", token=token)
    assert page.status == 200
    body = page.json()
    assert [p["name"] for p in body["items"]] == ["Evening", "Morning"]
    assert body["items"][0]["track_count"] == 4
    assert body["next_offset"] is None
    first = await service.get("/playlists/providers/spotify", token=token, params={"limit": "1"})
    assert [p["name"] for p in first.json()["items"]] == ["Evening"]
    assert first.json()["next_offset"] == 1
    second = await service.get(
        "/playlists/providers/spotify", token=token, params={"limit": "1", "offset": "1"}
    )
    assert [p["name"] for p in second.json()["items"]] == ["Morning"]

    playlist_id = body["items"][1]["id"]
    full = await service.get(f"/playlists/providers/spotify/{playlist_id}", token=token)
    assert full.status == 200
    tracks = full.json()["playlist"]["tracks"]
    assert len(tracks) == 5
    assert tracks[0]["title"] == "Roygbiv"
    assert tracks[0]["isrc"] == "GBBPW9800044"


async def test_unknown_provider_unlinked_provider_and_missing_playlist(
    service: ContractClient, token: str
) -> None:
    nowhere = await service.get("/playlists/providers/nowhere", token=token)
    assert nowhere.status == 404
    assert nowhere.json()["code"] == "provider-not-configured"
    missing = await service.get("/playlists/providers/spotify/" + "0" * 22, token=token)
    assert missing.status == 404
    assert missing.json()["code"] == "provider-not-found"


async def test_expired_provider_token_is_renewed_and_saved(
    service: ContractClient, token: str
) -> None:
    store = service.app[keys.ACCOUNTS]
    me = (await service.get("/me", token=token)).json()
    (account,) = await store.list_for_user(me["user"]["id"])
    before = await store.load_token(account)
    service.emulator.tokens.expire_access_tokens()  # the provider now refuses the token
    refreshes = service.emulator.tokens.refreshes

    page = await service.get("/playlists/providers/spotify", token=token)
    assert page.status == 200
    assert service.emulator.tokens.refreshes == refreshes + 1
    after = await store.load_token(account)
    assert after.access_token != before.access_token
    assert after.refresh_token != before.refresh_token  # Spotify rotates it; we kept the new one
    # the next request uses the saved token: no second refresh
    assert (await service.get("/playlists/providers/spotify", token=token)).status == 200
    assert service.emulator.tokens.refreshes == refreshes + 1


async def test_concurrent_renewals_of_a_rotating_refresh_token_both_succeed(
    service: ContractClient, token: str
) -> None:
    """Spotify rotates refresh tokens: of two requests renewing at once, one is refused by
    the provider; it picks up the tokens the other stored and retries."""
    service.emulator.tokens.expire_access_tokens()
    refreshes = service.emulator.tokens.refreshes
    first, second = await asyncio.gather(
        service.get("/playlists/providers/spotify", token=token),
        service.get("/playlists/providers/spotify", token=token),
    )
    assert (first.status, second.status) == (200, 200)
    assert service.emulator.tokens.refreshes - refreshes in {1, 2}
    # and the stored grant still works afterwards
    service.emulator.tokens.expire_access_tokens()
    assert (await service.get("/playlists/providers/spotify", token=token)).status == 200


async def test_revoked_provider_grant_asks_to_sign_in_again(
    service: ContractClient, token: str
) -> None:
    service.emulator.tokens.revoke_all()
    response = await service.get("/playlists/providers/spotify", token=token)
    assert response.status == 403
    assert response.json()["code"] == "provider-reauthorization-required"


async def test_store_snapshot_then_list_get_delete(service: ContractClient, token: str) -> None:
    page = (await service.get("/playlists/providers/spotify", token=token)).json()
    playlist_id = page["items"][0]["id"]
    stored = await service.post(f"/playlists/providers/spotify/{playlist_id}/store", token=token)
    assert stored.status == 201
    info = stored.json()
    assert info["source"] == "provider"
    assert info["provider_playlist_id"] == playlist_id
    assert info["track_count"] == 4

    listing = (await service.get("/playlists/stored", token=token)).json()
    assert listing["total"] == 1
    assert listing["items"][0]["id"] == info["id"]
    detail = (await service.get(f"/playlists/stored/{info['id']}", token=token)).json()
    assert detail["name"] == "Evening"
    assert [t["title"] for t in detail["playlist"]["tracks"]][:2] == ["Clair de Lune", "Teardrop"]

    deleted = await service.delete(f"/playlists/stored/{info['id']}", token=token)
    assert deleted.status == 204
    again = await service.delete(f"/playlists/stored/{info['id']}", token=token)
    assert again.status == 404


async def test_import_raw_body_and_artists(service: ContractClient, token: str) -> None:
    response = await service.post(
        "/playlists/import",
        token=token,
        data=M3U.encode(),
        content_type="application/octet-stream",
        params={"filename": "roadtrip.m3u8"},
    )
    assert response.status == 201, response.body
    result = response.json()
    assert result["playlist"]["format"] in {"m3u", "m3u8"}
    assert result["playlist"]["name"] == "Road trip"
    assert result["playlist"]["track_count"] == 3

    artists = await service.get("/artists", token=token)
    assert artists.status == 200
    body = artists.json()
    names = [(a["name"], a["track_count"]) for a in body["items"]]
    assert names[0] == ("Massive Attack", 2)
    assert ("Claude Debussy", 1) in names
    assert body["total"] == 2
    one = await service.get(f"/artists/{body['items'][0]['id']}", token=token)
    assert one.json()["playlist_count"] == 1
    filtered = await service.get("/artists", token=token, params={"q": "massive"})
    assert [a["name"] for a in filtered.json()["items"]] == ["Massive Attack"]
    assert (await service.get("/artists/" + "f" * 32, token=token)).status == 404


async def test_import_multipart_upload_of_a_real_exportify_file(
    service: ContractClient, token: str, shared_fixtures: Path
) -> None:
    path = next((shared_fixtures / "playlists" / "csv").rglob("People_Don't_Change.csv"))
    form = aiohttp.FormData()
    form.add_field("file", path.read_bytes(), filename=path.name, content_type="text/csv")
    async with service.client.post(
        "/playlists/import",
        data=form,
        headers={"Authorization": f"Bearer {token}"},
    ) as response:
        assert response.status == 201, await response.text()
        result = json.loads(await response.read())
    assert result["playlist"]["format"] == "csv"
    assert result["playlist"]["track_count"] == 6
    artists = (await service.get("/artists", token=token, params={"limit": "200"})).json()
    assert "PJ Harding" in {a["name"] for a in artists["items"]}
    assert "Noah Cyrus" in {a["name"] for a in artists["items"]}


async def test_hostile_upload_is_a_problem_not_a_crash(service: ContractClient, token: str) -> None:
    bomb = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>
<playlist version="1" xmlns="http://xspf.org/ns/0/"><title>&lol2;</title></playlist>"""
    response = await service.post(
        "/playlists/import",
        token=token,
        data=bomb,
        content_type="application/octet-stream",
        params={"format": "xspf"},
    )
    assert response.status == 422
    assert response.json()["code"] == "invalid-playlist-file"
    junk = await service.post(
        "/playlists/import",
        token=token,
        data=b"\x00\x01\x02 not a playlist",
        content_type="application/octet-stream",
    )
    assert junk.status == 422


async def test_unlink_refuses_the_last_account(service: ContractClient, token: str) -> None:
    me = (await service.get("/me", token=token)).json()
    account_id = me["accounts"][0]["id"]
    last = await service.delete(f"/me/accounts/{account_id}", token=token)
    assert last.status == 409
    assert last.json()["code"] == "last-account"
    assert (await service.delete("/me/accounts/nope", token=token)).status == 404


@pytest.fixture
def no_real_waits() -> Iterator[None]:
    """MusicBrainz allows one request a second; skip the library's pacing waits here."""
    from playlist_interop.providers import is_testing, set_testing

    before = is_testing()
    set_testing(True)
    yield
    set_testing(before)


@pytest.mark.usefixtures("no_real_waits")
async def test_artists_are_enriched_through_musicbrainz(
    service: ContractClient, token: str
) -> None:
    page = (await service.get("/playlists/providers/spotify", token=token)).json()
    await service.post(f"/playlists/providers/spotify/{page['items'][0]['id']}/store", token=token)
    await service.post(
        "/playlists/import",
        token=token,
        data=b"#EXTM3U\n#EXTINF:200,Nobody Special - Unreleased Demo\nx.mp3\n",
        content_type="application/octet-stream",
        params={"format": "m3u"},
    )
    listing = await service.get("/artists", token=token, params={"limit": "200"})
    artists = {a["name"]: a for a in listing.json()["items"]}
    massive = artists["Massive Attack"]
    assert massive["musicbrainz"] is None
    assert massive["enriched_at"] is None

    enriched = await service.post(f"/artists/{massive['id']}/enrich", token=token)
    assert enriched.status == 200
    body = enriched.json()
    assert body["musicbrainz_id"] == str(uuid.uuid5(uuid.NAMESPACE_URL, "artist:Massive Attack"))
    assert body["musicbrainz"]["name"] == "Massive Attack"
    assert body["musicbrainz"]["tags"] == ["trip hop"]
    assert body["enriched_at"] is not None
    isrc_lookups = [r for r in service.musicbrainz.requests if r.path.startswith("/ws/2/isrc/")]
    assert isrc_lookups  # ISRC first, as the library's client does

    nobody = await service.post(f"/artists/{artists['Nobody Special']['id']}/enrich", token=token)
    assert nobody.status == 200
    assert nobody.json()["musicbrainz"] is None  # looked up, nothing matched
    assert nobody.json()["enriched_at"] is not None
    listed = (await service.get(f"/artists/{massive['id']}", token=token)).json()
    assert listed["musicbrainz_id"] == body["musicbrainz_id"]
    assert (await service.post("/artists/" + "0" * 32 + "/enrich", token=token)).status == 404
