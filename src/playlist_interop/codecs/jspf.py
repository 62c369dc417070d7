"""JSPF (XSPF as JSON, including ListenBrainz's variants): read, stream, write and sniff.

The document is ``{"playlist": {...}}`` with the XSPF fields as keys and the tracks under
``"track"``. ListenBrainz's variants are understood: ``identifier`` and ``location`` as a
single string or a list, and the ``extension`` objects
``https://musicbrainz.org/doc/jspf#playlist`` (``public`` and ``last_modified_at`` map to
the model, the rest is kept) and ``https://musicbrainz.org/doc/jspf#track`` (a single artist
MBID maps to the credit, the rest is kept).

Input is bounded: documents larger than :attr:`JspfCodec.max_bytes`, nesting deeper than
Python's JSON decoder allows, ``NaN``/``Infinity`` and (in strict mode) duplicate keys are
refused with a :class:`~playlist_interop.errors.PlaylistFormatError` that names the line and
column. :meth:`JspfCodec.iter_tracks` decodes one track object at a time, so memory follows
the largest track, not the file.
"""

from playlist_interop.codecs._jspf import JSPF, JspfCodec

__all__ = ["JSPF", "JspfCodec"]
