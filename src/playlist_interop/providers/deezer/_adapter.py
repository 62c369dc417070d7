"""The Deezer adapter: the ``Provider`` protocol over api.deezer.com, and Deezer's OAuth."""

from __future__ import annotations

import asyncio
import datetime as dt
import urllib.parse
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from typing import Any

from playlist_interop.errors import AuthError, NotFound, ProviderError, RateLimited
from playlist_interop.model import Playlist, ProviderRef, Track
from playlist_interop.providers._adapter_base import (
    HttpAdapter,
    OwnsHttpClient,
)
from playlist_interop.providers._batching import chunked
from playlist_interop.providers._http import (
    DEFAULT_RETRY,
    Credentials,
    HttpCore,
    HttpResponse,
    RequestBudget,
    RetryPolicy,
    Transport,
    default_error_mapper,
    is_testing,
    resolve_base_url,
)
from playlist_interop.providers._jsondoc import JsonObject
from playlist_interop.providers._oauth import OAuthToken, PkcePair, resolve_credentials
from playlist_interop.providers._protocol import (
    Capability,
    PlaylistSummary,
    TrackQuery,
    UserProfile,
)
from playlist_interop.providers.deezer._map import map_playlist, map_summary, map_track, map_user
from playlist_interop.providers.deezer._wire import (
    API_URL,
    AUTH_URL,
    DEFAULT_PERMS,
    PROVIDER,
    QUOTA_WINDOW_S,
    Page,
    build_search_query,
    error_from_body,
    parse_page,
    parse_token_response,
)
from playlist_interop.types import Isrc, ProviderName, ProviderPlaylistId, ProviderTrackId

__all__ = ["DeezerOAuth", "DeezerProvider"]

_LOOKUP_CONCURRENCY = 4


def _error_mapper(response: HttpResponse) -> ProviderError:
    """Non-2xx answers (rare at Deezer): prefer the error body, else the status."""
    try:
        body = response.json()
    except ProviderError:
        body = None
    error = error_from_body(body, status=response.status)
    if error is not None and response.status not in (401, 403, 404, 429):
        return error
    message = error.message if error is not None else None
    return default_error_mapper(response, message)


class DeezerOAuth(OwnsHttpClient):
    """Deezer's own OAuth 2.0 flavour (no PKCE, no refresh token).

    Deezer identifies the application by ``app_id``, asks for comma-separated ``perms``
    rather than scopes, and its token endpoint answers form-encoded text
    (``access_token=...&expires=...``). With ``offline_access`` the token never expires
    (``expires=0``), which is why it is asked by default.

    Args:
        app_id: The application id from developers.deezer.com.
        secret: The application secret.
        redirect_uri: The registered redirect URL.
        perms: Permissions to ask for.
        auth_url: Base of ``auth.php``/``access_token.php`` (env ``PLAYLIST_DEEZER_AUTH_URL``).
        transport: Injected HTTP transport.
    """

    def __init__(
        self,
        *,
        app_id: str,
        secret: str,
        redirect_uri: str,
        perms: Iterable[str] = DEFAULT_PERMS,
        auth_url: str | None = None,
        transport: Transport | None = None,
        clock: Any = None,
    ) -> None:
        self.app_id = app_id
        self._secret = secret
        self.redirect_uri = redirect_uri
        self.perms = tuple(perms)
        self.auth_url = resolve_base_url(PROVIDER, "auth", auth_url, AUTH_URL)
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._http = HttpCore(
            provider=PROVIDER, base_url=self.auth_url, transport=transport, retry=DEFAULT_RETRY
        )

    def __repr__(self) -> str:
        return f"DeezerOAuth(app_id={self.app_id!r}, perms={self.perms!r})"

    def authorization_url(
        self,
        *,
        state: str,
        pkce: PkcePair | None = None,
        scopes: Iterable[str] | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> str:
        """The URL of Deezer's consent page.

        Same signature as :meth:`OAuthClient.authorization_url
        <playlist_interop.providers.auth.OAuthClient.authorization_url>` so sign-in code can
        drive both; Deezer has no PKCE (``pkce`` is ignored) and calls scopes ``perms``.
        """
        query = urllib.parse.urlencode(
            {
                "app_id": self.app_id,
                "redirect_uri": self.redirect_uri,
                "perms": ",".join(scopes if scopes is not None else self.perms),
                "state": state,
                **(extra or {}),
            }
        )
        return f"{self.auth_url}/auth.php?{query}"

    async def exchange_code(
        self, code: str, *, code_verifier: str | None = None, redirect_uri: str | None = None
    ) -> OAuthToken:
        """Trade the ``code`` of the redirect for an access token (no PKCE verifier at Deezer).

        Raises:
            AuthError: Deezer refused the code (it answers ``wrong code``) or the app.
        """
        response = await self._http.request(
            "GET",
            "access_token.php",
            params={"app_id": self.app_id, "secret": self._secret, "code": code},
            authenticated=False,
        )
        token, expires = parse_token_response(response.text)
        return OAuthToken(
            access_token=token,
            refresh_token=None,
            expires_at=self._clock() + dt.timedelta(seconds=expires) if expires else None,
            scope=self.perms,
        )


class DeezerProvider(HttpAdapter):
    """The ``Provider`` protocol for Deezer.

    Deezer quirks handled here: errors inside HTTP 200 bodies (mapped in
    :func:`~playlist_interop.providers.deezer._wire.error_from_body`), the request quota
    (50 per 5 s, paced by the request budget; a quota error waits the window out and retries,
    within the retry policy's total-wait cap), ``index``/``limit`` pages, the access token as a
    query parameter, ISRC lookup through ``/track/isrc:...`` and the advanced search syntax.

    A Deezer playlist cannot hold the same track twice: :meth:`add_tracks` drops repeated ids
    of one call, and Deezer refuses a track already present.

    Args:
        credentials: Anything with ``authorization()``/``renew()`` (an ``OAuthSession``, a
            ``BearerToken``); its bearer value is sent as ``access_token``.
        access_token: Shortcut for ``credentials=BearerToken(access_token)``.
        api_url: Base URL (env ``PLAYLIST_DEEZER_API_URL``).
        transport: Injected HTTP transport.
        retry: Retry policy (429/5xx and Deezer quota errors).
        budget: Request budget; defaults to Deezer's 50 requests per 5 seconds.
        page_size: ``limit`` of list requests.
        duration_tolerance_s: Half-width of the ``dur_min``/``dur_max`` window of searches.
    """

    name = ProviderName(PROVIDER)
    capabilities = frozenset(Capability)
    max_add_batch = 50
    max_page_size = 100
    default_scopes = DEFAULT_PERMS

    @classmethod
    def oauth_client(
        cls,
        *,
        client_id: str,
        redirect_uri: str,
        client_secret: str | None = None,
        auth_url: str | None = None,
        transport: Transport | None = None,
    ) -> DeezerOAuth:
        """Deezer's own sign-in (the app id is the client id; its secret is required).

        Deezer's flow does not fit ``OAuthConfig`` (no PKCE, a GET token endpoint answering
        form-encoded text), so sign-in code asks providers for ``oauth_client`` first.
        """
        if not client_secret:
            raise AuthError(
                "Deezer needs the application secret (PLAYLIST_DEEZER_CLIENT_SECRET)",
                provider=PROVIDER,
            )
        return DeezerOAuth(
            app_id=client_id,
            secret=client_secret,
            redirect_uri=redirect_uri,
            auth_url=auth_url,
            transport=transport,
        )

    def __init__(
        self,
        *,
        credentials: Credentials | None = None,
        access_token: str | None = None,
        api_url: str | None = None,
        transport: Transport | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        budget: RequestBudget | None = None,
        page_size: int = 100,
        duration_tolerance_s: int = 10,
    ) -> None:
        self._credentials = resolve_credentials(credentials, access_token)
        self.api_url = resolve_base_url(PROVIDER, "api", api_url, API_URL)
        self.page_size = max(1, min(page_size, self.max_page_size))
        self.duration_tolerance_s = duration_tolerance_s
        self._http = HttpCore(
            provider=PROVIDER,
            base_url=self.api_url,
            transport=transport,
            retry=retry,
            budget=budget if budget is not None else RequestBudget(per_second=10.0, burst=50),
            error_mapper=_error_mapper,
        )

    # -- the one request path -------------------------------------------------------------

    async def _access_token(self) -> str | None:
        if self._credentials is None:
            return None
        header = await self._credentials.authorization()
        kind, _, value = header.partition(" ")
        return value if kind.lower() == "bearer" and value else header

    async def _call(
        self,
        method: str,
        path: str,
        params: Mapping[str, str | int | None] | None = None,
        *,
        authenticated: bool = True,
        anonymous_ok: bool = False,
    ) -> object:
        """Send one API call and return its decoded body, raising Deezer's errors typed.

        Catalog calls (``anonymous_ok``) go out without a token when there are no credentials.
        """
        waited = 0.0
        renewed = False
        while True:
            query: dict[str, str | int | None] = dict(params or {})
            if authenticated:
                token = await self._access_token()
                if token is not None:
                    query["access_token"] = token
                elif not anonymous_ok:
                    raise AuthError("this call needs a signed-in user", provider=PROVIDER)
            response = await self._http.request(
                method,
                path,
                params=query,
                authenticated=False,
                idempotent=method in ("GET", "DELETE"),
            )
            body = response.json()
            error = error_from_body(body, status=response.status)
            if error is None:
                return body
            if isinstance(error, RateLimited):
                wait = error.retry_after or QUOTA_WINDOW_S
                if waited + wait > self._http.retry.max_total_wait:
                    raise RateLimited(
                        f"{error.message}; gave up after {waited:g} s of waits",
                        provider=PROVIDER,
                        retry_after=wait,
                        status=response.status,
                    )
                waited += wait
                self._http.stats.waited += wait
                self._http.stats.retries += 1
                if not is_testing():
                    await asyncio.sleep(wait)
                continue
            if (
                isinstance(error, AuthError)
                and authenticated
                and not renewed
                and self._credentials is not None
                and await self._credentials.renew()
            ):
                renewed = True
                continue
            raise error

    async def _get(
        self,
        path: str,
        params: Mapping[str, str | int | None] | None = None,
        *,
        anonymous_ok: bool = False,
    ) -> object:
        return await self._call("GET", path, params, anonymous_ok=anonymous_ok)

    async def _write(
        self, method: str, path: str, params: Mapping[str, str | int | None]
    ) -> object:
        body = await self._call(method, path, params)
        if body is True or isinstance(body, dict):
            return body
        raise ProviderError(
            f"unexpected answer to {method} {path}: {body!r:.80}", provider=PROVIDER
        )

    async def _pages(
        self, path: str, *, start: int = 0, params: Mapping[str, str | int | None] | None = None
    ) -> AsyncIterator[Page[JsonObject]]:
        index: int | None = start
        while index is not None:
            body = await self._get(
                path, {**(params or {}), "index": index, "limit": self.page_size}
            )
            page = parse_page(body, lambda item: item, index=index)
            yield page
            if not page.items:
                return
            index = page.next_index

    # -- Provider protocol ----------------------------------------------------------------

    async def current_user(self) -> UserProfile:
        """``GET /user/me``."""
        return map_user(JsonObject.of(await self._get("user/me"), provider=PROVIDER))

    async def iter_playlists(self) -> AsyncIterator[PlaylistSummary]:
        """Every playlist of the user (``/user/me/playlists``, all pages)."""
        async for page in self._pages("user/me/playlists"):
            for item in page.items:
                yield map_summary(item)

    async def iter_playlist_tracks(
        self, playlist_id: ProviderPlaylistId, *, start: int = 0
    ) -> AsyncIterator[Track]:
        """Every track of a playlist in order (``/playlist/{id}/tracks``, all pages)."""
        async for page in self._pages(f"playlist/{_seg(playlist_id)}/tracks", start=start):
            for item in page.items:
                yield map_track(item)

    async def get_playlist(self, playlist_id: ProviderPlaylistId) -> Playlist:
        """The playlist with all its tracks.

        ``/playlist/{id}`` embeds the first tracks; only the rest is paged, so a short playlist
        costs one request.
        """
        doc = JsonObject.of(await self._get(f"playlist/{_seg(playlist_id)}"), provider=PROVIDER)
        embedded = doc.opt_obj("tracks")
        tracks = [map_track(t) for t in embedded.objects("data")] if embedded else []
        total = doc.opt_integer("nb_tracks")
        if total is None or len(tracks) < total:
            tracks.extend(
                [t async for t in self.iter_playlist_tracks(playlist_id, start=len(tracks))]
            )
        return map_playlist(doc, tracks)

    async def create_playlist(
        self, name: str, *, description: str | None = None, public: bool = False
    ) -> ProviderRef:
        """``POST /user/me/playlists?title=...``, then the description and visibility.

        Deezer creates playlists public and without description; a second call sets them.
        """
        body = JsonObject.of(
            await self._write("POST", "user/me/playlists", {"title": name}), provider=PROVIDER
        )
        playlist_id = ProviderPlaylistId(body.ident())
        if description or not public:
            update: dict[str, str | int | None] = {"public": "true" if public else "false"}
            if description:
                update["description"] = description
            await self._write("POST", f"playlist/{_seg(playlist_id)}", update)
        return ProviderRef(
            provider=self.name,
            id=playlist_id,
            url=f"https://www.deezer.com/playlist/{playlist_id}",
        )

    async def add_tracks(
        self,
        playlist_id: ProviderPlaylistId,
        track_ids: Sequence[ProviderTrackId],
        *,
        position: int | None = None,
    ) -> str | None:
        """Add tracks by comma lists of at most 50 ids (``songs=1,2,3``).

        Deezer only appends; with ``position`` the playlist is then reordered in one call.
        """
        unique = list(dict.fromkeys(track_ids))
        for batch in chunked(unique, self.max_add_batch):
            await self._write(
                "POST", f"playlist/{_seg(playlist_id)}/tracks", {"songs": ",".join(batch)}
            )
        if position is not None and unique:
            current = await self._track_ids(playlist_id)
            added = set(unique)
            rest = [t for t in current if t not in added]
            at = max(0, min(position, len(rest)))
            order = [*rest[:at], *unique, *rest[at:]]
            await self._set_order(playlist_id, order)
        return None

    async def remove_tracks(
        self, playlist_id: ProviderPlaylistId, track_ids: Sequence[ProviderTrackId]
    ) -> str | None:
        """``DELETE /playlist/{id}/tracks?songs=...`` in batches of 50."""
        for batch in chunked(list(dict.fromkeys(track_ids)), self.max_add_batch):
            await self._write(
                "DELETE", f"playlist/{_seg(playlist_id)}/tracks", {"songs": ",".join(batch)}
            )
        return None

    async def reorder_tracks(
        self,
        playlist_id: ProviderPlaylistId,
        range_start: int,
        insert_before: int,
        range_length: int = 1,
    ) -> str | None:
        """Deezer reorders by receiving the whole new order (``order=...``): read, move, send."""
        current = await self._track_ids(playlist_id)
        if not 0 <= range_start < len(current) or range_length < 1:
            raise ProviderError(
                f"range {range_start}+{range_length} outside a playlist of {len(current)}",
                provider=PROVIDER,
            )
        moved = current[range_start : range_start + range_length]
        before = current[:range_start]
        after = current[range_start + range_length :]
        remaining = before + after
        target = insert_before if insert_before <= range_start else insert_before - len(moved)
        target = max(0, min(target, len(remaining)))
        await self._set_order(playlist_id, [*remaining[:target], *moved, *remaining[target:]])
        return None

    async def _track_ids(self, playlist_id: ProviderPlaylistId) -> list[ProviderTrackId]:
        ids: list[ProviderTrackId] = []
        async for page in self._pages(f"playlist/{_seg(playlist_id)}/tracks"):
            ids.extend(ProviderTrackId(item.ident()) for item in page.items)
        return ids

    async def _set_order(
        self, playlist_id: ProviderPlaylistId, order: Sequence[ProviderTrackId]
    ) -> None:
        await self._write(
            "POST", f"playlist/{_seg(playlist_id)}/tracks", {"order": ",".join(order)}
        )

    async def search_isrc(self, isrc: Isrc) -> list[Track]:
        """``GET /track/isrc:{isrc}``; Deezer knows at most one track per ISRC."""
        clean = isrc.replace("-", "").strip().upper()
        try:
            body = await self._get(f"track/isrc:{_seg(clean)}", anonymous_ok=True)
        except NotFound:
            return []
        return [map_track(JsonObject.of(body, provider=PROVIDER))]

    async def search_text(self, query: TrackQuery, *, limit: int = 10) -> list[Track]:
        """``GET /search?q=artist:"..." track:"..." album:"..." dur_min:.. dur_max:..``."""
        q = build_search_query(query, duration_tolerance_s=self.duration_tolerance_s)
        body = await self._get(
            "search", {"q": q, "limit": max(1, min(limit, 100))}, anonymous_ok=True
        )
        page = parse_page(body, map_track)
        return page.items[:limit]

    async def get_tracks(self, track_ids: Sequence[ProviderTrackId]) -> list[Track | None]:
        """``GET /track/{id}`` per id (Deezer has no batch lookup), a few at a time."""
        semaphore = asyncio.Semaphore(_LOOKUP_CONCURRENCY)

        async def one(track_id: ProviderTrackId) -> Track | None:
            async with semaphore:
                try:
                    body = await self._get(f"track/{_seg(track_id)}", anonymous_ok=True)
                except NotFound:
                    return None
            return map_track(JsonObject.of(body, provider=PROVIDER))

        return list(await asyncio.gather(*(one(t) for t in track_ids)))


def _seg(value: str) -> str:
    """A path segment, escaped (ids are digits, but never trust input)."""
    return urllib.parse.quote(str(value), safe=":")
