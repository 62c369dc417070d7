"""ASX (Windows Media ``.asx``/``.wax``/``.wvx`` metafiles): read, write and sniff.

ASX looks like XML but is read the way Windows Media readers read it: element and attribute
names are case-insensitive (``<Abstract>...</abstract>`` is fine) and a bare ``&`` in a URL
is taken literally. Everything else must be well-formed; DOCTYPEs are refused as for every
XML codec.

Strict mode follows what Silverlight 2 accepted (the Moonlight conformance outcomes): ASX
version ``3``/``3.0`` only; only the elements, parents and attributes it supports
(``ABSTRACT``, ``AUTHOR``, ``BANNER``, ``BASE``, ``COPYRIGHT``, ``DURATION``, ``ENTRY``,
``ENTRYREF``, ``LOGURL``, ``MOREINFO``, ``PARAM``, ``REF``, ``SKIN``, ``STARTTIME``,
``TITLE``); no ``REPEAT``, ``EVENT``, ``STARTMARKER``, ``ENDMARKER``, ``BANNERBAR``,
``PREVIEWMODE`` or ``SKIPIFREF``; no markup inside text elements, no text inside the others;
time values that start with a number. Lenient mode (the default) reads all of Windows Media
Player's ASX 3.0 (entries inside ``REPEAT`` and ``EVENT`` count as entries) and reports each
deviation as a :class:`~playlist_interop.codecs.FormatWarning`.

The old INI-style ASX (``[Reference]`` / ``Ref1=...``) is read too.

Mapping: ``TITLE`` -> name/title, ``AUTHOR`` -> owner/artist, ``ABSTRACT`` -> description
(entry: ``extras["asx.abstract"]``), ``COPYRIGHT`` -> ``extras["asx.copyright"]``, ``REF``
-> locations (resolved against ``BASE``), ``DURATION`` -> ``duration_ms``, ``STARTTIME`` ->
``extras["asx.starttime_ms"]``, ``PARAM`` -> ``extras["asx.param"]``, ``MOREINFO`` ->
``extras["asx.moreinfo"]``, ``ENTRYREF`` -> a track with ``extras["asx.entryref"]``.
"""

from playlist_interop.codecs._asx import ASX, AsxCodec, format_time, parse_time

__all__ = ["ASX", "AsxCodec", "format_time", "parse_time"]
