"""XSPF v1 (XML Shareable Playlist Format): read, stream, write and sniff.

Strict mode enforces what the XSPF v1 specification (and libxspf's reading of it) forbids:
a root other than ``<playlist>`` in ``http://xspf.org/ns/0/``, a missing or unknown
``version``, a missing ``trackList``, elements where XSPF does not allow them or more often
than allowed, attributes XSPF does not define, markup inside text elements, text inside
container elements, values that are not ``xsd:nonNegativeInteger``/``xsd:dateTime``, and
values that must be URIs but are not. Lenient mode (the default) reads such files anyway
and reports each problem as a :class:`~playlist_interop.codecs.FormatWarning`. Any DOCTYPE
is refused in both modes; see :mod:`playlist_interop.codecs._xml`.

``link``, ``meta`` and ``extension`` survive a round trip: links and metas as ``(rel,
value)`` pairs, extensions as their raw XML, written back verbatim.
"""

from playlist_interop.codecs._xspf import XSPF, XspfCodec

__all__ = ["XSPF", "XspfCodec"]
