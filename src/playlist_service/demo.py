"""Demo mode: the library's loopback provider emulators, started inside the service.

``playlist-service --demo`` starts a Spotify emulator (and every other emulator whose
provider is registered and signs in with OAuth) seeded with a small catalog and a few
playlists, registers them as sign-in providers with made-up client ids, and serves
``/demo``: a page that runs the whole mobile sign-in in the browser (PKCE verifier,
attempt, emulated consent, redeem) and then lists the user's live and stored playlists and
artists. Nothing leaves the machine and no credentials are needed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import attrs
from aiohttp import web

from playlist_interop.errors import PluginError
from playlist_interop.model import Album, ArtistCredit, Track
from playlist_interop.providers import get_provider
from playlist_interop.types import DurationMs, Isrc
from playlist_service.settings import ProviderSettings

__all__ = ["DEMO_CLIENT_ID", "DemoProviders", "demo_catalog", "routes", "start_demo"]

_log = logging.getLogger(__name__)
DEMO_CLIENT_ID = "playlist-service-demo"

routes = web.RouteTableDef()


def demo_catalog() -> list[Track]:
    """A small catalog with ISRCs, albums and featured artists."""
    rows = [
        (
            "Clair de Lune",
            ["Claude Debussy", "Isao Tomita"],
            "Snowflakes Are Dancing",
            354_000,
            "USRC17400001",
        ),
        ("Teardrop", ["Massive Attack", "Elizabeth Fraser"], "Mezzanine", 330_000, "GBAAA9800012"),
        ("Windowlicker", ["Aphex Twin"], "Windowlicker", 367_000, "GBBPW9900001"),
        ("Hyperballad", ["Björk"], "Post", 321_000, "GBAKW9500013"),
        (
            "Roygbiv",
            ["Boards of Canada"],
            "Music Has the Right to Children",
            151_000,
            "GBBPW9800044",
        ),
        ("Unfinished Sympathy", ["Massive Attack"], "Blue Lines", 308_000, "GBAAA9100034"),
        ("Jóga", ["Björk"], "Homogenic", 305_000, "GBAKW9700021"),
        ("Xtal", ["Aphex Twin"], "Selected Ambient Works 85-92", 291_000, "GBBPW9200007"),
        ("Angel", ["Massive Attack", "Horace Andy"], "Mezzanine", 379_000, "GBAAA9800001"),
        ("Dayvan Cowboy", ["Boards of Canada"], "The Campfire Headphase", 300_000, "GBBPW0500010"),
    ]
    return [
        Track(
            title=title,
            artists=tuple(
                ArtistCredit(name, role="main" if i == 0 else "featured")
                for i, name in enumerate(names)
            ),
            album=Album(title=album),
            duration_ms=DurationMs(duration),
            isrc=Isrc(isrc),
        )
        for title, names, album, duration, isrc in rows
    ]


@attrs.define
class DemoProviders:
    """Running emulators and the provider settings that point at them."""

    providers: dict[str, ProviderSettings] = attrs.field(factory=dict)
    musicbrainz_url: str = "off"
    _closers: list[Callable[[], Any]] = attrs.field(factory=list)

    async def close(self) -> None:
        """Stop every emulator."""
        for close in reversed(self._closers):
            await close()
        self._closers.clear()


async def _start_spotify(catalog: list[Track], demo: DemoProviders) -> None:
    from playlist_interop.testing.emulators.spotify import SpotifyEmulator

    emulator = SpotifyEmulator(display_name="Demo Listener")
    ids = [emulator.add_track(track) for track in catalog]
    emulator.add_playlist("Late night electronica", ids[:6], description="Demo playlist")
    emulator.add_playlist("Trip-hop classics", [ids[1], ids[5], ids[8]], public=True)
    emulator.add_playlist("Ambient mornings", [ids[0], ids[4], ids[7], ids[9]])
    await emulator.start()
    demo._closers.append(emulator.close)
    demo.providers["spotify"] = ProviderSettings(
        client_id=DEMO_CLIENT_ID,
        base_urls={"auth": emulator.auth_url, "api": emulator.api_url},
    )


async def _start_tidal(catalog: list[Track], demo: DemoProviders) -> None:
    from playlist_interop.testing.emulators.tidal import TidalEmulator

    emulator = TidalEmulator()
    ids = [emulator.add_track(track) for track in catalog]
    emulator.add_playlist("TIDAL rising", ids[2:7])
    await emulator.start()
    demo._closers.append(emulator.close)
    demo.providers["tidal"] = ProviderSettings(
        client_id=DEMO_CLIENT_ID,
        base_urls={"auth": emulator.auth_url, "api": emulator.api_url},
    )


async def _start_musicbrainz(catalog: list[Track], demo: DemoProviders) -> None:
    from playlist_interop.testing.emulators.musicbrainz import MusicBrainzEmulator

    emulator = MusicBrainzEmulator(rate=50.0)
    for track in catalog:
        emulator.add_track(track, tags=("electronic",))
    await emulator.start()
    demo._closers.append(emulator.close)
    demo.musicbrainz_url = emulator.api_url


async def start_demo() -> DemoProviders:
    """Start the emulators of every registered OAuth provider that has one, and MusicBrainz."""
    demo = DemoProviders()
    catalog = demo_catalog()
    try:
        await _start_musicbrainz(catalog, demo)
    except ImportError as exc:
        _log.info("demo: no MusicBrainz emulator (%s)", exc)
    for name, starter in (("spotify", _start_spotify), ("tidal", _start_tidal)):
        try:
            get_provider(name)
        except PluginError as exc:
            _log.info("demo: %s is not available (%s)", name, exc)
            continue
        try:
            await starter(catalog, demo)
        except ImportError as exc:
            _log.info("demo: no %s emulator (%s)", name, exc)
    if not demo.providers:
        await demo.close()
        raise RuntimeError("demo mode needs at least one provider emulator from the library")
    return demo


_PAGE = """<!doctype html><html lang=en><head><meta charset=utf-8>
<meta name=viewport content="width=device-width,initial-scale=1">
<title>playlist-service demo</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:860px;margin:2rem auto;padding:0 1rem}
button{font:inherit;padding:.3rem .8rem;margin:.2rem;cursor:pointer}
pre{background:#f5f5f7;padding:.5rem;overflow:auto;max-height:20rem}
.muted{color:#666}li{margin:.2rem 0}
</style></head><body>
<h1>playlist-service demo</h1>
<p class=muted>Providers here are loopback emulators started by <code>--demo</code>.
The page plays the mobile app: it keeps a PKCE verifier, opens the provider's consent page,
comes back with the attempt id and redeems it. <a href="/docs">API docs</a></p>
<div id=login></div><div id=app></div>
<script>
const $ = (id) => document.getElementById(id);
const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)))
  .replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
async function api(method, path, body) {
  const headers = {};
  const token = sessionStorage.getItem("access_token");
  if (token) headers["Authorization"] = "Bearer " + token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(path, {method, headers,
    body: body === undefined ? undefined : JSON.stringify(body)});
  const text = await r.text();
  const data = text ? JSON.parse(text) : null;
  if (!r.ok) throw new Error((data && (data.detail || data.title)) || r.status);
  return data;
}
async function signIn(provider) {
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(48)));
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  sessionStorage.setItem("verifier", verifier);
  const started = await api("POST", "/auth/mobile/authorize", {provider,
    code_challenge: b64url(digest), redirect_uri: location.origin + "/demo",
    device_name: "demo page"});
  location.assign(started.authorization_url);
}
function show(title, data) {
  const section = document.createElement("section");
  section.innerHTML = "<h2></h2><pre></pre>";
  section.querySelector("h2").textContent = title;
  section.querySelector("pre").textContent = JSON.stringify(data, null, 2);
  $("app").appendChild(section);
}
async function loadApp() {
  $("app").innerHTML = "";
  const me = await api("GET", "/me");
  const bar = document.createElement("p");
  bar.textContent = "Signed in as " + (me.user.display_name || me.user.id) + " ";
  const out = document.createElement("button");
  out.textContent = "Sign out";
  out.onclick = async () => { await api("POST", "/auth/logout"); sessionStorage.clear();
    location.assign("/demo"); };
  bar.appendChild(out);
  $("app").appendChild(bar);
  for (const account of me.accounts) {
    const page = await api("GET", "/playlists/providers/" + account.provider);
    const list = document.createElement("ul");
    for (const p of page.items) {
      const li = document.createElement("li");
      li.textContent = p.name + " (" + (p.track_count ?? "?") + " tracks) ";
      const keep = document.createElement("button");
      keep.textContent = "Store";
      keep.onclick = async () => {
        await api("POST", "/playlists/providers/" + account.provider + "/" +
          encodeURIComponent(p.id) + "/store");
        await loadApp();
      };
      li.appendChild(keep);
      list.appendChild(li);
    }
    const h = document.createElement("h2");
    h.textContent = "Live playlists at " + account.provider;
    $("app").append(h, list);
  }
  show("Stored playlists", await api("GET", "/playlists/stored"));
  show("Artists in stored playlists", await api("GET", "/artists"));
}
async function main() {
  const params = new URLSearchParams(location.search);
  if (params.get("attempt_id")) {
    history.replaceState(null, "", "/demo");
    if (params.get("status") !== "complete") throw new Error("sign-in " + params.get("status"));
    const tokens = await api("POST", "/auth/redeem", {attempt_id: params.get("attempt_id"),
      code_verifier: sessionStorage.getItem("verifier")});
    sessionStorage.removeItem("verifier");
    sessionStorage.setItem("access_token", tokens.access_token);
  }
  if (sessionStorage.getItem("access_token")) return loadApp();
  const {providers} = await api("GET", "/auth/providers");
  for (const p of providers) {
    const button = document.createElement("button");
    button.textContent = "Sign in with " + p.name + " (emulated)";
    button.onclick = () => signIn(p.name).catch(report);
    $("login").appendChild(button);
  }
}
function report(error) {
  const p = document.createElement("p");
  p.style.color = "#c22";
  p.textContent = String(error);
  document.body.appendChild(p);
}
main().catch(report);
</script></body></html>"""


@routes.get("/demo")
async def demo_page(_request: web.Request) -> web.Response:
    """The demo app (registered in demo mode only)."""
    return web.Response(text=_PAGE, content_type="text/html")
