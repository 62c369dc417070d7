"""Checked reading of decoded JSON documents for the adapters' ``_wire`` modules.

A provider's body is untrusted input: a field may be missing, ``null``, or of the wrong type,
and the whole body may be truncated. :class:`JsonObject` reads fields with the type the
adapter expects and raises :class:`~playlist_interop.errors.ProviderError` naming the provider
and the JSON path of the problem, so a bad body never surfaces as ``KeyError`` or
``TypeError`` deep inside mapping code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import attrs

from playlist_interop.errors import ProviderError

__all__ = ["JsonObject", "decode_json", "iso_duration_ms"]


def decode_json(body: bytes | str, *, provider: str, status: int | None = None) -> Any:
    """Decode a response body, raising ``ProviderError`` on invalid or truncated JSON."""
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProviderError(
            f"response body is not valid JSON ({exc})", provider=provider, status=status
        ) from None


_ISO_DURATION = re.compile(
    r"^P(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)


def iso_duration_ms(value: str | None) -> int | None:
    """An ISO 8601 duration (``PT4M12S``) in milliseconds; ``None`` when absent or unreadable."""
    if not value:
        return None
    match = _ISO_DURATION.match(value.strip())
    if match is None or not any(match.groupdict().values()):
        return None
    parts = {k: float(v) if v else 0.0 for k, v in match.groupdict().items()}
    seconds = parts["d"] * 86400 + parts["h"] * 3600 + parts["m"] * 60 + parts["s"]
    return round(seconds * 1000)


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


@attrs.frozen
class JsonObject:
    """A JSON object together with its provider and its path, for error messages."""

    data: Mapping[str, Any]
    """The decoded object."""
    provider: str
    """Provider name used in errors."""
    path: str = "$"
    """JSON path of this object inside the response."""

    @classmethod
    def of(cls, value: object, *, provider: str, path: str = "$") -> JsonObject:
        """Wrap ``value``, which must be a JSON object."""
        if not isinstance(value, dict):
            raise ProviderError(
                f"malformed response: {path} should be an object, got {_kind(value)}",
                provider=provider,
            )
        return cls(value, provider, path)

    def error(self, key: str, expected: str) -> ProviderError:
        """The error for field ``key`` not being ``expected``."""
        got = _kind(self.data.get(key)) if key in self.data else "nothing"
        return ProviderError(
            f"malformed response: {self.path}.{key} should be {expected}, got {got}",
            provider=self.provider,
        )

    def has(self, key: str) -> bool:
        """Whether ``key`` is present and not ``null``."""
        return self.data.get(key) is not None

    def raw(self, key: str) -> Any:
        """The value of ``key`` unchecked (``None`` when absent)."""
        return self.data.get(key)

    def string(self, key: str) -> str:
        """A required string."""
        value = self.data.get(key)
        if not isinstance(value, str):
            raise self.error(key, "a string")
        return value

    def opt_string(self, key: str) -> str | None:
        """A string, or ``None`` when absent or null."""
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.error(key, "a string or null")
        return value

    def integer(self, key: str) -> int:
        """A required integer (a boolean is not one)."""
        value = self.data.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, "an integer")
        return value

    def opt_integer(self, key: str) -> int | None:
        """An integer, or ``None`` when absent or null; integral strings are accepted."""
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, "an integer or null")
        return value

    def opt_number(self, key: str) -> float | None:
        """A number, or ``None`` when absent or null."""
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(key, "a number or null")
        return float(value)

    def opt_bool(self, key: str) -> bool | None:
        """A boolean, or ``None`` when absent or null."""
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, bool):
            raise self.error(key, "a boolean or null")
        return value

    def ident(self, key: str = "id") -> str:
        """An identifier sent as a number or a non-empty string, returned as a string."""
        value = self.data.get(key)
        if isinstance(value, bool):
            raise self.error(key, "an id")
        if isinstance(value, int):
            return str(value)
        if isinstance(value, str) and value:
            return value
        raise self.error(key, "an id")

    def obj(self, key: str) -> JsonObject:
        """A required nested object."""
        value = self.data.get(key)
        if not isinstance(value, dict):
            raise self.error(key, "an object")
        return JsonObject(value, self.provider, f"{self.path}.{key}")

    def opt_obj(self, key: str) -> JsonObject | None:
        """A nested object, or ``None`` when absent or null."""
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.error(key, "an object or null")
        return JsonObject(value, self.provider, f"{self.path}.{key}")

    def objects(self, key: str, *, required: bool = True) -> list[JsonObject]:
        """An array of objects; when not ``required``, absent or null reads as empty."""
        value = self.data.get(key)
        if value is None and not required:
            return []
        if not isinstance(value, list):
            raise self.error(key, "an array")
        out: list[JsonObject] = []
        for i, item in enumerate(value):
            out.append(JsonObject.of(item, provider=self.provider, path=f"{self.path}.{key}[{i}]"))
        return out

    def objects_or_nulls(self, key: str) -> list[JsonObject | None]:
        """An array whose entries are objects or ``null`` (kept as ``None``)."""
        value = self.data.get(key)
        if not isinstance(value, list):
            raise self.error(key, "an array")
        return [
            None
            if item is None
            else JsonObject.of(item, provider=self.provider, path=f"{self.path}.{key}[{i}]")
            for i, item in enumerate(value)
        ]

    def strings(self, key: str) -> list[str]:
        """An array of strings; absent or null reads as empty."""
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(key, "an array of strings")
        return list(value)
