"""``/me``: the signed-in user and their linked provider accounts."""

from __future__ import annotations

from aiohttp import web

from playlist_service import keys
from playlist_service.accounts import LinkedAccount
from playlist_service.api._io import json_response
from playlist_service.auth import require_principal
from playlist_service.errors import ProblemError

__all__ = ["account_json", "routes"]

routes = web.RouteTableDef()


def account_json(account: LinkedAccount) -> dict[str, object]:
    """A linked account as the API shows it (never its tokens)."""
    return {
        "id": account.id,
        "provider": account.provider,
        "provider_user_id": account.provider_user_id,
        "display_name": account.display_name,
        "email": account.email,
        "country": account.country,
        "scopes": list(account.scopes),
        "token_expires_at": account.token_expires_at,
        "linked_at": account.created_at,
        "updated_at": account.updated_at,
    }


@routes.get("/me")
async def get_me(request: web.Request) -> web.Response:
    """The user and their linked accounts."""
    principal = require_principal(request)
    store = request.app[keys.ACCOUNTS]
    accounts = await store.list_for_user(principal.user_id)
    return json_response(
        {
            "user": {
                "id": principal.user_id,
                "display_name": await store.user_display_name(principal.user_id),
            },
            "accounts": [account_json(a) for a in accounts],
        }
    )


@routes.delete("/me/accounts/{account_id}")
async def unlink_account(request: web.Request) -> web.Response:
    """Unlink one provider account (not the last one)."""
    principal = require_principal(request)
    outcome = await request.app[keys.ACCOUNTS].unlink(
        principal.user_id, request.match_info["account_id"], keep_one=True
    )
    if outcome == "not-found":
        raise ProblemError(404, "account-not-found", "no such linked account")
    if outcome == "last-account":
        raise ProblemError(
            409, "last-account", "the last linked account cannot be unlinked; link another first"
        )
    return web.Response(status=204)
