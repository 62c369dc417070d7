"""An entry point whose import fails, as a plugin with a missing dependency would."""

import playlist_demo_provider_missing_dependency  # type: ignore[import-not-found]  # noqa: F401

BrokenProvider = None
