"""The ``playlist`` command line."""

from playlist_interop.cli._app import main

__all__ = ["main"]
