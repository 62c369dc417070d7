"""Type-only checks of the Deezer, TIDAL, YouTube and MusicBrainz public API (mypy reads it)."""

from __future__ import annotations

from typing import assert_type

from playlist_interop.model import Track
from playlist_interop.providers import OAuthProviderFactory, Provider
from playlist_interop.providers.auth import OAuthConfig, OAuthToken
from playlist_interop.providers.deezer import DeezerOAuth, DeezerProvider
from playlist_interop.providers.musicbrainz import MbRecording, MusicBrainzClient
from playlist_interop.providers.tidal import TidalProvider
from playlist_interop.providers.youtube import QuotaReport, YouTubeProvider, YouTubeQuota


async def _adapters() -> None:
    providers: list[Provider] = [
        DeezerProvider(access_token="t"),
        TidalProvider(access_token="t"),
        YouTubeProvider(access_token="t", quota=YouTubeQuota(500)),
    ]
    factories: list[OAuthProviderFactory] = [TidalProvider, YouTubeProvider]
    assert_type(factories[0].oauth_config(client_id="c", redirect_uri="r"), OAuthConfig)
    oauth = DeezerProvider.oauth_client(client_id="1", redirect_uri="r", client_secret="s")
    assert_type(oauth, DeezerOAuth)
    assert_type(await oauth.exchange_code("code"), OAuthToken)
    youtube = YouTubeProvider(access_token="t")
    assert_type(youtube.quota.report(), QuotaReport)
    assert_type(youtube.cost_of("search_text"), int)
    assert_type(youtube.quota_remaining(), int | None)
    for provider in providers:
        await provider.aclose()


async def _musicbrainz(track: Track) -> None:
    async with MusicBrainzClient(user_agent="app/1 ( me@example.org )") as mb:
        assert_type(await mb.enrich(track), Track)
        assert_type(await mb.lookup_isrc("GBDUW0000059"), list[MbRecording])
