"""The playlist model: immutable attrs classes and their converter."""

from playlist_interop.model._playlist import Playlist, ProviderRef
from playlist_interop.model._track import Album, ArtistCredit, Image, Track
from playlist_interop.model.converter import make_converter

__all__ = [
    "Album",
    "ArtistCredit",
    "Image",
    "Playlist",
    "ProviderRef",
    "Track",
    "make_converter",
]
