"""``/auth``: mobile sign-in, token refresh, sign-out and device sessions."""

from __future__ import annotations

import html
import re
from typing import Final
from urllib.parse import urlencode

from aiohttp import web

from playlist_service import keys
from playlist_service.api._io import (
    client_ip,
    json_response,
    no_store,
    query_bool,
    read_json_object,
    reject_unknown,
    string_field,
)
from playlist_service.auth import (
    AttemptStatus,
    IssuedTokens,
    LoginError,
    SessionError,
    require_principal,
    unauthorized,
)
from playlist_service.errors import ProblemError

__all__ = ["routes"]

routes = web.RouteTableDef()

_PROVIDER: Final = re.compile(r"[a-z][a-z0-9_-]{0,63}")


def _login_problem(exc: LoginError) -> ProblemError:
    return ProblemError(exc.status, exc.code, str(exc))


def _tokens(tokens: IssuedTokens) -> web.StreamResponse:
    return no_store(
        json_response(
            {
                "access_token": tokens.access_token,
                "token_type": "Bearer",
                "expires_in": tokens.expires_in,
                "refresh_token": tokens.refresh_token,
                "refresh_expires_at": tokens.refresh_expires_at,
                "session_id": tokens.session_id,
                "user_id": tokens.user_id,
            }
        )
    )


def _attempt(status: AttemptStatus) -> dict[str, object]:
    return {
        "attempt_id": status.attempt_id,
        "provider": status.provider,
        "status": status.status,
        "expires_at": status.expires_at,
        "error": status.error,
    }


@routes.get("/auth/providers")
async def list_providers(request: web.Request) -> web.Response:
    """The providers users can sign in with."""
    names = request.app[keys.PROVIDER_HUB].names()
    return json_response({"providers": [{"name": name} for name in names]})


@routes.post("/auth/mobile/authorize")
async def start_mobile_sign_in(request: web.Request) -> web.Response:
    """Create a sign-in attempt; signed-in callers link another provider account."""
    body = await read_json_object(request)
    reject_unknown(
        body, {"provider", "code_challenge", "code_challenge_method", "redirect_uri", "device_name"}
    )
    principal = request[keys.PRINCIPAL]
    try:
        started = await request.app[keys.MOBILE_LOGIN].begin(
            string_field(body, "provider", max_length=64) or "",
            code_challenge=string_field(body, "code_challenge", max_length=128) or "",
            code_challenge_method=string_field(body, "code_challenge_method", required=False)
            or "S256",
            redirect_uri=string_field(body, "redirect_uri", required=False),
            device_name=string_field(body, "device_name", required=False, max_length=200),
            link_user=principal.user_id if principal is not None else None,
        )
    except LoginError as exc:
        raise _login_problem(exc) from None
    response = json_response(
        {
            "attempt_id": started.attempt_id,
            "authorization_url": started.authorization_url,
            "expires_at": started.expires_at,
            "provider": started.provider,
        },
        status=201,
    )
    no_store(response)
    return response


_DONE_PAGE: Final = """<!doctype html><html lang=en><head><meta charset=utf-8>
<meta name=viewport content="width=device-width,initial-scale=1"><title>{title}</title>
<style>body{{font:16px system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}}
</style></head><body><h1>{title}</h1><p>{text}</p></body></html>"""


@routes.get("/auth/callback/{provider}")
async def provider_callback(request: web.Request) -> web.StreamResponse:
    """The provider's redirect: complete the attempt, then send the browser to the app."""
    provider = request.match_info["provider"]
    if not _PROVIDER.fullmatch(provider):
        raise ProblemError(404, "provider-not-configured", "unknown provider")
    query = request.query
    try:
        status = await request.app[keys.MOBILE_LOGIN].callback(
            provider,
            state=query.get("state"),
            code=query.get("code"),
            error=query.get("error"),
        )
    except LoginError as exc:
        raise _login_problem(exc) from None
    target = status.app_redirect_uri
    if target:
        params = {"attempt_id": status.attempt_id, "status": status.status}
        if status.error:
            params["error"] = status.error
        sep = "&" if "?" in target else "?"
        response: web.StreamResponse = web.Response(
            status=302, headers={"Location": f"{target}{sep}{urlencode(params)}"}
        )
    else:
        ok = status.status == "complete"
        response = web.Response(
            text=_DONE_PAGE.format(
                title="Signed in" if ok else "Sign-in failed",
                text=html.escape(
                    "You can go back to the app now."
                    if ok
                    else f"The sign-in did not complete ({status.error}). Try again from the app."
                ),
            ),
            content_type="text/html",
        )
    # The URL of this request carries the provider's code: keep it out of Referer headers.
    response.headers["Referrer-Policy"] = "no-referrer"
    no_store(response)
    return response


@routes.get("/auth/attempts/{attempt_id}")
async def get_attempt(request: web.Request) -> web.Response:
    """Poll an attempt: its status and nothing else."""
    status = await request.app[keys.MOBILE_LOGIN].status(request.match_info["attempt_id"])
    if status is None:
        raise ProblemError(404, "attempt-not-found", "no such sign-in attempt")
    response = json_response(_attempt(status))
    no_store(response)
    return response


@routes.post("/auth/redeem")
async def redeem(request: web.Request) -> web.StreamResponse:
    """Trade a completed attempt and the app's verifier for a device session."""
    body = await read_json_object(request)
    reject_unknown(body, {"attempt_id", "code_verifier"})
    try:
        tokens = await request.app[keys.MOBILE_LOGIN].redeem(
            string_field(body, "attempt_id", max_length=64) or "",
            string_field(body, "code_verifier", max_length=128) or "",
            user_agent=request.headers.get("User-Agent"),
            ip=client_ip(request),
        )
    except LoginError as exc:
        raise _login_problem(exc) from None
    return _tokens(tokens)


@routes.post("/auth/refresh")
async def refresh(request: web.Request) -> web.StreamResponse:
    """Rotate a refresh token."""
    body = await read_json_object(request)
    reject_unknown(body, {"refresh_token"})
    token = string_field(body, "refresh_token", max_length=512) or ""
    try:
        tokens = await request.app[keys.SESSIONS].refresh(
            token, user_agent=request.headers.get("User-Agent"), ip=client_ip(request)
        )
    except SessionError as exc:
        raise unauthorized(exc.code, str(exc)) from None
    return _tokens(tokens)


@routes.post("/auth/logout")
async def logout(request: web.Request) -> web.Response:
    """Sign the calling device out."""
    principal = require_principal(request)
    await request.app[keys.SESSIONS].revoke(principal.user_id, principal.session_id)
    return web.Response(status=204)


@routes.get("/auth/sessions")
async def list_sessions(request: web.Request) -> web.Response:
    """The user's live device sessions."""
    principal = require_principal(request)
    sessions = await request.app[keys.SESSIONS].list_sessions(principal.user_id)
    return json_response(
        {
            "sessions": [
                {
                    "id": s.id,
                    "device_name": s.device_name,
                    "user_agent": s.user_agent,
                    "ip": s.ip,
                    "created_at": s.created_at,
                    "last_used_at": s.last_used_at,
                    "expires_at": s.expires_at,
                    "current": s.id == principal.session_id,
                }
                for s in sessions
            ]
        }
    )


@routes.delete("/auth/sessions")
async def revoke_all_sessions(request: web.Request) -> web.Response:
    """Sign every device out (optionally all but this one)."""
    principal = require_principal(request)
    keep = query_bool(request, "keep_current")
    count = await request.app[keys.SESSIONS].revoke_all(
        principal.user_id, except_session=principal.session_id if keep else None
    )
    return json_response({"revoked": count})


@routes.delete("/auth/sessions/{session_id}")
async def revoke_session(request: web.Request) -> web.Response:
    """Sign one device out."""
    principal = require_principal(request)
    revoked = await request.app[keys.SESSIONS].revoke(
        principal.user_id, request.match_info["session_id"]
    )
    if not revoked:
        raise ProblemError(404, "session-not-found", "no such live session")
    return web.Response(status=204)
