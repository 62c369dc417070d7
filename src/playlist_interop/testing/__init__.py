"""Testing support for providers: the conformance kit and loopback emulators.

- :mod:`playlist_interop.testing.conformance`: base test classes every provider passes.
- :mod:`playlist_interop.testing.emulators`: loopback emulators of the services.
- :mod:`playlist_interop.testing.pytest_plugin`: fixtures and a report header.
"""

__all__: list[str] = []
