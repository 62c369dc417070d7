"""A tiny runner that serves an aiohttp application on a free loopback port."""

from __future__ import annotations

from aiohttp import web

__all__ = ["LoopbackServer"]


class LoopbackServer:
    """Serve ``app`` on ``127.0.0.1`` at a port the OS picks (port 0)."""

    def __init__(self, app: web.Application, *, host: str = "127.0.0.1") -> None:
        self.app = app
        self.host = host
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    async def start(self) -> None:
        """Start listening (idempotent)."""
        if self._runner is not None:
            return
        runner = web.AppRunner(self.app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.host, 0)
        await site.start()
        server = site._server  # aiohttp exposes the bound port only here
        sockets = getattr(server, "sockets", None) or []
        self._port = int(sockets[0].getsockname()[1])
        self._runner = runner

    async def stop(self) -> None:
        """Stop listening and release the port."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (after :meth:`start`)."""
        if self._port is None:
            raise RuntimeError("the emulator is not started")
        return f"http://{self.host}:{self._port}"
