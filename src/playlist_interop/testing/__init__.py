"""Placeholder package docstring; filled by its module."""

__all__: list[str] = []
