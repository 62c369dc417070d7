"""Thin request handlers: parse, call a service function, shape the response."""
