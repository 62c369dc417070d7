"""playlist-service: the reference HTTP service (aiohttp API + job worker) of playlist-interop.

Build it with :func:`playlist_service.app.create_app` from
:class:`playlist_service.settings.Settings`; run it with ``playlist-service``.
"""

from importlib.metadata import version as _version

__version__ = _version("playlist-interop")

__all__ = ["__version__"]
