"""A whole session of the service, logged at DEBUG: no token, code or verifier in any line."""

from __future__ import annotations

import io
import json
import logging

from playlist_service.logging import configure_logging
from tests.service.auth.test_mobile_flow import sign_in
from tests.service.contract import ContractClient


async def test_no_secret_reaches_the_logs(service: ContractClient) -> None:
    stream = io.StringIO()
    handler = configure_logging("DEBUG", stream=stream)
    try:
        tokens = await sign_in(service)
        access = tokens["access_token"]
        refreshed = await service.post(
            "/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        assert refreshed.status == 200
        new = refreshed.json()
        # A reused refresh token (logged as a security event) must not print the token.
        reused = await service.post(
            "/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        assert reused.status == 401
        again = await sign_in(service)
        await service.get("/playlists/providers/spotify", token=again["access_token"])
        service.emulator.tokens.expire_access_tokens()  # forces a provider-token refresh
        await service.get("/playlists/providers/spotify", token=again["access_token"])
        await service.get("/me", token="Bearer-garbage-token")
        logging.getLogger("planted").info("headers %s", {"Authorization": f"Bearer {access}"})
    finally:
        logging.getLogger().removeHandler(handler)

    assert service.emulator.tokens.refreshes >= 1  # the provider-token refresh path ran
    output = stream.getvalue()
    lines = output.splitlines()
    assert len(lines) > 10, "the flow should have logged something"
    for line in lines:
        json.loads(line)
    secrets = {
        access,
        tokens["refresh_token"],
        new["access_token"],
        new["refresh_token"],
        again["access_token"],
        again["refresh_token"],
        *service.emulator.tokens.issued,  # provider codes, access and refresh tokens
    }
    leaked = sorted(s for s in secrets if s in output)
    assert leaked == []
