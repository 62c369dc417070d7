"""Session revocations broadcast to every API process over Redis pub/sub.

Each process keeps a short memory of sessions it confirmed live (:class:`SessionLiveness`).
When one process revokes a session it publishes the session id (or the user id, for "sign
out everywhere") here; every process, itself included, forgets those sessions so their next
request asks the database. Pub/sub delivers to whoever is subscribed at that moment: a
listener that lost its connection forgets everything it remembered when it subscribes again,
since it may have missed revocations meanwhile.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING, Any

from playlist_service.auth._liveness import SessionLiveness

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["RedisRevocations"]

_log = logging.getLogger(__name__)
RECONNECT_DELAY_SECONDS = 1.0


class RedisRevocations:
    """Publish revocations and apply the ones other processes publish.

    Args:
        redis: The app's Redis client.
        channel: Pub/sub channel (namespaced by the deployment's Redis prefix).
        liveness: This process's memory of live sessions.
    """

    def __init__(self, redis: Redis, channel: str, liveness: SessionLiveness) -> None:
        self._redis = redis
        self.channel = channel
        self._liveness = liveness
        self.subscribed = asyncio.Event()
        """Set while the listener is subscribed (tests and start-up wait for it)."""

    async def publish(self, session_id: str | None, user_id: str | None) -> None:
        """Tell every process to forget these sessions. A Redis failure is logged, not raised:
        the revocation is already committed, and other processes stop trusting their memory
        of it after ``session_check_interval`` anyway."""
        message = json.dumps({"session_id": session_id, "user_id": user_id})
        try:
            await self._redis.publish(self.channel, message)
        except Exception as exc:  # noqa: BLE001 - any Redis failure must not fail a sign-out
            _log.warning("could not broadcast a session revocation: %s", type(exc).__name__)

    def apply(self, raw: bytes | str) -> None:
        """Forget what one published message names; malformed messages are ignored."""
        try:
            data: Any = json.loads(raw)
        except ValueError:
            _log.warning("ignored a malformed session revocation message")
            return
        if not isinstance(data, dict):
            return
        session_id, user_id = data.get("session_id"), data.get("user_id")
        if isinstance(session_id, str):
            self._liveness.forget(session_id)
        if isinstance(user_id, str):
            self._liveness.forget_user(user_id)

    async def listen(self) -> None:
        """Apply published revocations until cancelled, resubscribing after failures."""
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    # Anything revoked while nobody listened is unknown: trust nothing.
                    self._liveness.clear()
                    self.subscribed.set()
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            self.apply(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - keep listening whatever Redis does
                _log.warning(
                    "session revocation listener lost Redis (%s); retrying",
                    type(exc).__name__,
                )
            self.subscribed.clear()
            self._liveness.clear()
            await asyncio.sleep(RECONNECT_DELAY_SECONDS)
