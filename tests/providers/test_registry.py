"""Plugin discovery end to end: a third-party distribution on sys.path is found by metadata."""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from playlist_interop.errors import PluginError
from playlist_interop.providers import (
    Capability,
    PluginStatus,
    Provider,
    available_providers,
    discover_providers,
    get_provider,
)

PLUGIN_SRC = Path(__file__).resolve().parents[1] / "plugin_pkg"


def install_plugin(site: Path) -> None:
    """Write the plugin's .dist-info into ``site`` the way an installer would."""
    meta = tomllib.loads((PLUGIN_SRC / "pyproject.toml").read_text())
    project = meta["project"]
    dist_info = site / f"playlist_demo_provider-{project['version']}.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n"
    )
    lines = ["[playlist_interop.providers]"]
    for name, target in project["entry-points"]["playlist_interop.providers"].items():
        lines.append(f"{name} = {target}")
    (dist_info / "entry_points.txt").write_text("\n".join(lines) + "\n")
    (dist_info / "RECORD").write_text("")
    (site / "playlist_demo_provider.pth").write_text(str(PLUGIN_SRC) + "\n")


@pytest.fixture
def demo_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    install_plugin(tmp_path)
    monkeypatch.syspath_prepend(str(PLUGIN_SRC))
    monkeypatch.syspath_prepend(str(tmp_path))
    discover_providers(refresh=True)
    yield
    monkeypatch.undo()
    for name in [m for m in sys.modules if m.startswith("playlist_demo_provider")]:
        del sys.modules[name]
    discover_providers(refresh=True)


def test_installed_plugin_is_discovered_and_broken_ones_isolated(demo_plugin: None) -> None:
    entries = {
        e.name: e for e in discover_providers() if "demo" not in e.value or e.name != "spotify"
    }
    demo = entries["demo"]
    assert demo.status is PluginStatus.LOADED
    assert demo.distribution == "playlist-demo-provider 0.3.0"
    assert demo.error is None
    assert Capability.REORDER_TRACKS not in demo.capabilities

    broken = entries["demo-broken"]
    assert broken.status is PluginStatus.LOAD_ERROR
    assert broken.error is not None
    assert "ModuleNotFoundError" in broken.error

    invalid = entries["demo-invalid"]
    assert invalid.status is PluginStatus.INVALID
    assert invalid.error == "dict object is not callable"

    impostor = next(e for e in discover_providers() if e.name == "spotify" and "demo" in e.value)
    assert impostor.status is PluginStatus.INVALID
    assert impostor.error is not None
    assert "duplicate provider name" in impostor.error
    assert entries["spotify"].value == "playlist_interop.providers.spotify:SpotifyProvider"
    assert get_provider("spotify").__name__ == "SpotifyProvider"

    assert "demo" in available_providers()
    assert "demo-broken" not in available_providers()
    factory = get_provider("demo")
    provider = factory()
    assert isinstance(provider, Provider)
    assert provider.name == "demo"
    with pytest.raises(PluginError, match="load error"):
        get_provider("demo-broken")
    with pytest.raises(PluginError, match="invalid"):
        get_provider("demo-invalid")


def test_unknown_provider_names_the_available_ones() -> None:
    with pytest.raises(PluginError, match=r"unknown provider 'nope' \(available: "):
        get_provider("nope")


def test_plugin_disappears_after_uninstall(demo_plugin: None, tmp_path: Path) -> None:
    assert "demo" in available_providers()
    for child in tmp_path.glob("*.dist-info"):
        for f in child.iterdir():
            f.unlink()
        child.rmdir()
    assert "demo" in available_providers()  # cached until asked to rescan
    assert "demo" not in [e.name for e in discover_providers(refresh=True)]


def test_builtins_register_through_the_same_group() -> None:
    entries = discover_providers(refresh=True)
    builtin = [
        e for e in entries if e.distribution and e.distribution.startswith("playlist-interop")
    ]
    assert {e.name for e in builtin} >= {"spotify"}
    spotify = next(e for e in builtin if e.name == "spotify")
    assert spotify.status is PluginStatus.LOADED, spotify.error
