"""The one cattrs converter for the model."""

from __future__ import annotations

import datetime as dt
from types import MappingProxyType

import cattrs
from cattrs.preconf.json import make_converter as _make_json_converter

__all__ = ["make_converter"]


def make_converter() -> cattrs.Converter:
    """Build a converter that turns model objects into JSON-ready data and back.

    Encoding choices:

    - ``datetime`` values become ISO 8601 strings (with offset when aware) and are parsed
      back with :meth:`datetime.datetime.fromisoformat`.
    - Read-only mappings (``provider_ids``, ``extras``) become plain ``dict``; they come
      back frozen through the model's own converters.
    - Tuples (artists, tracks, locations) become lists and come back as tuples.
    - Attributes equal to their defaults are omitted on output
      (``omit_if_default``), so documents stay small; missing keys take defaults on input.
    - Unknown keys in input are ignored (forward compatibility).

    A new converter is built on each call; no hooks are ever registered on cattrs'
    global converter.
    """
    converter = _make_json_converter(omit_if_default=True)
    converter.register_unstructure_hook(dt.datetime, lambda value: value.isoformat())
    converter.register_structure_hook(
        dt.datetime, lambda value, _type: dt.datetime.fromisoformat(value)
    )
    converter.register_unstructure_hook(MappingProxyType, dict)

    return converter
