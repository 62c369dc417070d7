"""YouTube resources (videos, playlist items, playlists, channels) to model objects.

YouTube knows videos, not recordings: the "artist" is the uploading channel, with the
`` - Topic`` suffix of YouTube Music's auto-generated channels removed; there is no ISRC and
no album. ``search.list`` titles arrive HTML-escaped (``&amp;``, ``&#39;``) and are unescaped.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

from playlist_interop.model import ArtistCredit, Image, Playlist, ProviderRef, Track
from playlist_interop.providers._jsondoc import JsonObject, iso_duration_ms
from playlist_interop.providers._protocol import PlaylistSummary, UserProfile
from playlist_interop.providers.youtube._wire import PROVIDER
from playlist_interop.types import DurationMs, ProviderName, ProviderPlaylistId

__all__ = [
    "map_item",
    "map_playlist",
    "map_search_result",
    "map_summary",
    "map_user",
    "map_video",
    "with_video",
]

_NAME = ProviderName(PROVIDER)
_TOPIC = " - Topic"
_THUMBS = ("maxres", "standard", "high", "medium", "default")
_GONE = {"Deleted video", "Private video"}


def _artist(channel: str | None, channel_id: str | None) -> tuple[ArtistCredit, ...]:
    if not channel:
        return ()
    name = channel.removesuffix(_TOPIC)
    ids = {_NAME: channel_id} if channel_id else {}
    return (ArtistCredit(name, role="main", provider_ids=ids),)


def _thumbnail(snippet: JsonObject) -> Image | None:
    thumbs = snippet.opt_obj("thumbnails")
    if thumbs is None:
        return None
    for key in _THUMBS:
        thumb = thumbs.opt_obj(key)
        if thumb is not None and thumb.opt_string("url"):
            return Image(
                thumb.string("url"),
                width=thumb.opt_integer("width"),
                height=thumb.opt_integer("height"),
            )
    return None


def _watch(video_id: str) -> str:
    return f"https://www.youtube.com/watch?v={video_id}"


def map_video(video: JsonObject) -> Track:
    """A ``youtube#video`` resource (``part=snippet,contentDetails``) as a :class:`Track`."""
    snippet = video.obj("snippet")
    details = video.opt_obj("contentDetails")
    video_id = video.ident()
    duration = iso_duration_ms(details.opt_string("duration")) if details is not None else None
    channel = snippet.opt_string("channelTitle")
    extras: dict[str, Any] = {"channel_title": channel} if channel else {}
    for key in ("categoryId", "publishedAt", "liveBroadcastContent"):
        if snippet.raw(key) is not None:
            extras[key] = snippet.raw(key)
    tags = snippet.strings("tags")
    return Track(
        title=snippet.string("title"),
        artists=_artist(channel, snippet.opt_string("channelId")),
        duration_ms=DurationMs(duration) if duration is not None else None,
        explicit=None,
        provider_ids={_NAME: video_id},
        locations=(_watch(video_id),),
        image=_thumbnail(snippet),
        genres=tags,
        extras={PROVIDER: extras},
    )


def map_search_result(result: JsonObject) -> Track:
    """A ``youtube#searchResult`` of a video (no duration: see :func:`with_video`)."""
    snippet = result.obj("snippet")
    video_id = result.obj("id").string("videoId")
    channel = snippet.opt_string("channelTitle")
    return Track(
        title=html.unescape(snippet.string("title")),
        artists=_artist(
            html.unescape(channel) if channel else None, snippet.opt_string("channelId")
        ),
        provider_ids={_NAME: video_id},
        locations=(_watch(video_id),),
        image=_thumbnail(snippet),
        extras={PROVIDER: {"channel_title": channel}} if channel else {},
    )


def map_item(item: JsonObject) -> Track:
    """A ``youtube#playlistItem`` as a :class:`Track`; its item id is kept in ``extras``.

    The item names the video's own channel as ``videoOwnerChannelTitle``; deleted and private
    videos have none and are flagged ``unavailable``.
    """
    snippet = item.obj("snippet")
    resource = snippet.obj("resourceId")
    video_id = resource.string("videoId")
    title = snippet.string("title")
    owner = snippet.opt_string("videoOwnerChannelTitle")
    extras: dict[str, Any] = {
        "playlist_item_id": item.ident(),
        "position": snippet.opt_integer("position"),
    }
    if owner is None and title in _GONE:
        extras["unavailable"] = True
    if owner:
        extras["channel_title"] = owner
    return Track(
        title=title,
        artists=_artist(owner, snippet.opt_string("videoOwnerChannelId")),
        provider_ids={_NAME: video_id},
        locations=(_watch(video_id),),
        image=_thumbnail(snippet),
        extras={PROVIDER: extras},
    )


def with_video(track: Track, video: Track | None) -> Track:
    """``track`` completed with the duration, image and tags of its video's details."""
    if video is None:
        return track
    merged_extras = {**dict(video.extras.get(PROVIDER, {})), **dict(track.extras.get(PROVIDER, {}))}
    return Track(
        title=track.title,
        artists=track.artists or video.artists,
        duration_ms=video.duration_ms,
        provider_ids=track.provider_ids,
        locations=track.locations,
        image=video.image or track.image,
        genres=video.genres,
        extras={PROVIDER: merged_extras},
    )


def map_user(channel: JsonObject) -> UserProfile:
    """The signed-in user's channel (``channels?mine=true``)."""
    snippet = channel.obj("snippet")
    return UserProfile(
        provider=_NAME,
        id=channel.ident(),
        display_name=snippet.opt_string("title"),
        country=snippet.opt_string("country"),
        image=_thumbnail(snippet),
    )


def map_summary(playlist: JsonObject) -> PlaylistSummary:
    """A ``youtube#playlist`` as a :class:`PlaylistSummary`."""
    snippet = playlist.obj("snippet")
    status = playlist.opt_obj("status")
    details = playlist.opt_obj("contentDetails")
    privacy = status.opt_string("privacyStatus") if status is not None else None
    pid = playlist.ident()
    return PlaylistSummary(
        ref=ProviderRef(
            provider=_NAME,
            id=ProviderPlaylistId(pid),
            snapshot=playlist.opt_string("etag"),
            url=f"https://www.youtube.com/playlist?list={pid}",
        ),
        name=snippet.string("title"),
        track_count=details.opt_integer("itemCount") if details is not None else None,
        owner=snippet.opt_string("channelTitle") or snippet.opt_string("channelId"),
        public=None if privacy is None else privacy == "public",
        collaborative=None,
        description=snippet.opt_string("description") or None,
        image=_thumbnail(snippet),
    )


def map_playlist(playlist: JsonObject, tracks: list[Track]) -> Playlist:
    """A ``youtube#playlist`` plus its entries as a :class:`Playlist`."""
    summary = map_summary(playlist)
    snippet = playlist.obj("snippet")
    published = snippet.opt_string("publishedAt")
    created = None
    if published:
        try:
            created = dt.datetime.fromisoformat(published.replace("Z", "+00:00"))
        except ValueError:
            created = None
    status = playlist.opt_obj("status")
    privacy = status.opt_string("privacyStatus") if status is not None else None
    return Playlist(
        name=summary.name,
        tracks=tracks,
        description=summary.description,
        owner=summary.owner,
        image=summary.image,
        public=summary.public,
        created_at=created,
        provider_ref=summary.ref,
        location=summary.ref.url,
        extras={PROVIDER: {"privacyStatus": privacy}} if privacy else {},
    )
