"""``playlist export PROVIDER:PLAYLIST_ID OUT``: a service playlist to a playlist file."""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import tempfile
from typing import Any

from playlist_interop.cli._files import STDIO, output_codec, print_losses
from playlist_interop.cli._login import open_provider
from playlist_interop.codecs import available_formats
from playlist_interop.errors import UnsupportedFormatError
from playlist_interop.types import ProviderPlaylistId

__all__ = ["parse_reference", "register", "run"]

_OPEN_URL = re.compile(r"^https?://open\.(spotify)\.com/(?:[a-z-]+/)?playlist/([^/?#]+)")
_SHARE_URLS = (
    ("deezer", re.compile(r"^https?://(?:www\.)?deezer\.com/(?:[a-z]{2}/)?playlist/(\d+)")),
    ("tidal", re.compile(r"^https?://(?:listen\.)?tidal\.com/(?:browse/)?playlist/([0-9a-f-]+)")),
    (
        "youtube",
        re.compile(r"^https?://(?:www\.|music\.)?youtube\.com/playlist\?(?:.*&)?list=([\w-]+)"),
    ),
)


def parse_reference(text: str) -> tuple[str, ProviderPlaylistId]:
    """``spotify:ID``, ``spotify:playlist:ID`` or a playlist URL of open.spotify.com,
    deezer.com, tidal.com or youtube.com."""
    url = _OPEN_URL.match(text)
    if url:
        return url.group(1), ProviderPlaylistId(url.group(2))
    for provider, pattern in _SHARE_URLS:
        shared = pattern.match(text)
        if shared:
            return provider, ProviderPlaylistId(shared.group(1))
    name, sep, rest = text.partition(":")
    if not sep or not name or not rest:
        raise UnsupportedFormatError(f"expected PROVIDER:PLAYLIST_ID, got {text!r}", codec="export")
    if rest.startswith("playlist:"):
        rest = rest[len("playlist:") :]
    return name, ProviderPlaylistId(rest)


def register(subparsers: Any) -> None:
    """Add the ``export`` command."""
    formats = ", ".join(available_formats())
    parser = subparsers.add_parser(
        "export",
        help="save a music-service playlist as a playlist file",
        description=(
            "Read a playlist from a music service (sign in first with 'playlist login') and "
            f"write it as a file ({formats}); the format comes from --to or OUT's extension."
        ),
    )
    parser.add_argument(
        "reference", metavar="PROVIDER:PLAYLIST_ID", help="e.g. spotify:37i9dQZF1DXcBWIGoYBM5M"
    )
    parser.add_argument("output", metavar="OUT", help="file to write, or - for stdout")
    parser.add_argument("--to", dest="to_format", metavar="F", help="output format")
    parser.add_argument("--profile", metavar="P", help="CSV column set to write")
    parser.add_argument("-q", "--quiet", action="store_true", help="print no summary")
    parser.set_defaults(handler=run)


def _write(name: str, data: bytes) -> None:
    if name == STDIO:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    directory = os.path.dirname(os.path.abspath(name))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".playlist-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, name)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


async def _export(args: argparse.Namespace) -> int:
    provider_name, playlist_id = parse_reference(args.reference)
    codec = output_codec(args.output, args.to_format, args.profile)
    async with open_provider(provider_name) as provider:
        playlist = await provider.get_playlist(playlist_id)
    result = codec.write(playlist)
    _write(args.output, result.data)
    if not args.quiet:
        print_losses(result.losses, codec.name)
        print(
            f"playlist: exported {len(playlist.tracks)} tracks of {playlist.name!r} from "
            f"{provider_name} to {codec.name}",
            file=sys.stderr,
        )
    return 0


def run(args: argparse.Namespace) -> Any:
    """The ``export`` handler (a coroutine the dispatcher runs)."""
    return _export(args)
