"""Bearer authentication: verifies the session JWT of a request, if it carries one."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from playlist_service import keys
from playlist_service.auth._principal import Principal
from playlist_service.auth._sessions import SessionError
from playlist_service.errors import ProblemError

__all__ = ["auth_middleware", "require_principal", "unauthorized"]


def unauthorized(code: str, detail: str) -> ProblemError:
    """A 401 problem with the RFC 6750 ``WWW-Authenticate`` challenge."""
    error = "invalid_request" if code == "missing-token" else "invalid_token"
    return ProblemError(
        401,
        code,
        detail,
        headers={"WWW-Authenticate": f'Bearer realm="playlist-service", error="{error}"'},
    )


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Set :data:`keys.PRINCIPAL`: the verified session, or ``None`` without a token.

    A request that sends a token which is malformed, expired or revoked is answered 401 at
    once, whatever the route.
    """
    request[keys.PRINCIPAL] = None
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise unauthorized("invalid-token", "use Authorization: Bearer <access token>")
        try:
            principal = await request.app[keys.SESSIONS].authenticate(token)
        except SessionError as exc:
            raise unauthorized(exc.code, str(exc)) from None
        request[keys.PRINCIPAL] = principal
    return await handler(request)


def require_principal(request: web.Request) -> Principal:
    """The authenticated session of the request, or a 401 problem."""
    principal: Principal | None = request.get(keys.PRINCIPAL)
    if principal is None:
        raise unauthorized("missing-token", "this operation needs a session access token")
    return principal
