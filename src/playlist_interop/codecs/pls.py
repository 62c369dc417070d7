"""The PLS codec: Winamp/SHOUTcast ``[playlist]`` files.

See :class:`PLSCodec` for what is read, what strict mode refuses and what is written.
"""

from playlist_interop.codecs._pls import PLS, PLSCodec

__all__ = ["PLS", "PLSCodec"]
