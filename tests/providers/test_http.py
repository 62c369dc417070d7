"""The HTTP core against real loopback servers: retries, Retry-After, caps, budget, redaction."""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import logging
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from playlist_interop.errors import (
    AuthError,
    NotFound,
    ProviderError,
    QuotaExceeded,
    RateLimited,
)
from playlist_interop.providers import (
    HttpCore,
    RequestBudget,
    RequestStats,
    RetryPolicy,
    parse_retry_after,
    redact,
    resolve_base_url,
    set_testing,
)

ServerFactory = Callable[..., Awaitable[Any]]


class Script:
    """A loopback handler answering from a list of (status, headers, body) in turn."""

    def __init__(self, *answers: tuple[int, dict[str, str], bytes]) -> None:
        self.answers = list(answers)
        self.seen: list[web.Request] = []
        self.auth: list[str | None] = []

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.seen.append(request)
        self.auth.append(request.headers.get("Authorization"))
        await request.read()
        status, headers, body = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return web.Response(status=status, headers=headers, body=body)


async def serve(aiohttp_server: ServerFactory, script: Script) -> str:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", script.handle)
    server = await aiohttp_server(app)
    return str(server.make_url("")).rstrip("/")


class Recorder:
    def __init__(self) -> None:
        self.sleeps: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.sleeps.append(seconds)


OK = (200, {"Content-Type": "application/json"}, b'{"ok": true}')


async def test_retry_after_seconds_is_honoured(aiohttp_server: ServerFactory) -> None:
    set_testing(False)
    script = Script((429, {"Retry-After": "2"}, b""), (429, {"Retry-After": "3"}, b""), OK)
    base = await serve(aiohttp_server, script)
    recorder = Recorder()
    async with HttpCore(provider="t", base_url=base, sleep=recorder) as http:
        body = await http.get_json("things")
    assert body == {"ok": True}
    assert recorder.sleeps == [2.0, 3.0]
    assert http.stats.requests == 3
    assert http.stats.retries == 2
    assert http.stats.by_status == {429: 2, 200: 1}
    assert http.stats.waited == 5.0


async def test_retry_after_http_date(aiohttp_server: ServerFactory) -> None:
    set_testing(False)
    when = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
    script = Script((429, {"Retry-After": email.utils.format_datetime(when, usegmt=True)}, b""), OK)
    base = await serve(aiohttp_server, script)
    recorder = Recorder()
    async with HttpCore(provider="t", base_url=base, sleep=recorder) as http:
        await http.get_json("x")
    assert len(recorder.sleeps) == 1
    assert 27 <= recorder.sleeps[0] <= 30


def test_parse_retry_after_forms() -> None:
    now = dt.datetime(2026, 2, 1, 12, 0, tzinfo=dt.UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("-5") == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Sun, 01 Feb 2026 12:01:00 GMT", now=now) == 60.0
    assert parse_retry_after("Sun, 01 Feb 2026 11:00:00 GMT", now=now) == 0.0


async def test_total_wait_cap_raises_rate_limited_without_sleeping(
    aiohttp_server: ServerFactory,
) -> None:
    set_testing(False)
    script = Script((429, {"Retry-After": "3600"}, b""))
    base = await serve(aiohttp_server, script)
    recorder = Recorder()
    policy = RetryPolicy(max_total_wait=60)
    async with HttpCore(provider="t", base_url=base, sleep=recorder, retry=policy) as http:
        with pytest.raises(RateLimited) as info:
            await http.get_json("x")
    assert info.value.retry_after == 3600
    assert info.value.provider == "t"
    assert recorder.sleeps == []
    assert http.stats.requests == 1


async def test_cap_counts_accumulated_waits(aiohttp_server: ServerFactory) -> None:
    script = Script((429, {"Retry-After": "25"}, b""))
    base = await serve(aiohttp_server, script)
    policy = RetryPolicy(max_total_wait=60, attempts=10)
    async with HttpCore(provider="t", base_url=base, retry=policy) as http:
        with pytest.raises(RateLimited):
            await http.get_json("x")
    # 25 + 25 fit under 60, a third wait would not: three requests, 50 s accounted, none slept.
    assert http.stats.requests == 3
    assert http.stats.waited == 50


async def test_attempts_exhausted_on_5xx(aiohttp_server: ServerFactory) -> None:
    script = Script((502, {}, b"bad gateway"))
    base = await serve(aiohttp_server, script)
    async with HttpCore(provider="t", base_url=base, retry=RetryPolicy(attempts=4)) as http:
        with pytest.raises(ProviderError) as info:
            await http.get_json("x")
    assert info.value.status == 502
    assert http.stats.requests == 4


async def test_post_500_is_not_retried_but_503_is(aiohttp_server: ServerFactory) -> None:
    script = Script((500, {}, b""), OK)
    base = await serve(aiohttp_server, script)
    async with HttpCore(provider="t", base_url=base) as http:
        with pytest.raises(ProviderError) as info:
            await http.request("POST", "add", json_body={"a": 1})
        assert info.value.status == 500
        assert http.stats.requests == 1
    script = Script((503, {}, b""), OK)
    base = await serve(aiohttp_server, script)
    async with HttpCore(provider="t", base_url=base) as http:
        response = await http.request("POST", "add", json_body={"a": 1})
        assert response.status == 200
        assert http.stats.requests == 2


async def test_connection_errors_are_retried_then_reported() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with HttpCore(
        provider="t", base_url=f"http://127.0.0.1:{port}", retry=RetryPolicy(attempts=3)
    ) as http:
        with pytest.raises(ProviderError, match="ConnectError after 3 attempts"):
            await http.get_json("x")
    assert http.stats.requests == 3
    assert http.stats.retries == 2


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, AuthError), (403, AuthError), (404, NotFound), (400, ProviderError)],
)
async def test_default_error_mapping(
    aiohttp_server: ServerFactory, status: int, error: type[ProviderError]
) -> None:
    script = Script((status, {"X-Request-Id": "req-1"}, b"{}"))
    base = await serve(aiohttp_server, script)
    async with HttpCore(provider="t", base_url=base) as http:
        with pytest.raises(error) as info:
            await http.get_json("x")
    assert info.value.status == status
    assert info.value.request_id == "req-1"


async def test_custom_error_mapper_is_the_one_place(aiohttp_server: ServerFactory) -> None:
    script = Script((418, {}, b'{"msg": "teapot"}'))
    base = await serve(aiohttp_server, script)

    def mapper(response: Any) -> ProviderError:
        return NotFound(response.json()["msg"], provider="t", status=response.status)

    async with HttpCore(provider="t", base_url=base, error_mapper=mapper) as http:
        with pytest.raises(NotFound, match="teapot"):
            await http.get_json("x")


class Creds:
    def __init__(self) -> None:
        self.value = "Bearer first"
        self.renewals = 0

    async def authorization(self) -> str:
        return self.value

    async def renew(self) -> bool:
        self.renewals += 1
        self.value = "Bearer second"
        return True


async def test_401_renews_credentials_once(aiohttp_server: ServerFactory) -> None:
    script = Script((401, {}, b""), OK)
    base = await serve(aiohttp_server, script)
    creds = Creds()
    async with HttpCore(provider="t", base_url=base, credentials=creds) as http:
        assert await http.get_json("x") == {"ok": True}
    assert creds.renewals == 1
    assert script.auth == ["Bearer first", "Bearer second"]

    script = Script((401, {}, b""))
    base = await serve(aiohttp_server, script)
    creds = Creds()
    async with HttpCore(provider="t", base_url=base, credentials=creds) as http:
        with pytest.raises(AuthError):
            await http.get_json("x")
    assert creds.renewals == 1


async def test_credentials_only_go_to_the_base_origin(aiohttp_server: ServerFactory) -> None:
    own = Script(OK)
    other = Script(OK)
    base = await serve(aiohttp_server, own)
    foreign = await serve(aiohttp_server, other)
    async with HttpCore(provider="t", base_url=base, credentials=Creds()) as http:
        await http.get_json(f"{base}/next?page=2")
        await http.get_json(f"{foreign}/elsewhere")
    assert own.auth == ["Bearer first"]
    assert other.auth == [None]


async def test_malformed_and_non_object_bodies_are_provider_errors(
    aiohttp_server: ServerFactory,
) -> None:
    script = Script((200, {}, b'{"items": [1, 2'), (200, {}, b"[1, 2]"), (200, {}, b""))
    base = await serve(aiohttp_server, script)
    async with HttpCore(provider="t", base_url=base) as http:
        with pytest.raises(ProviderError, match="unreadable JSON"):
            await http.get_json("x")
        with pytest.raises(ProviderError, match="expected a JSON object"):
            await http.get_json("x")
        with pytest.raises(ProviderError, match="unreadable JSON"):
            await http.get_json("x")


async def test_truncated_body_is_a_provider_error(aiohttp_server: ServerFactory) -> None:
    async def truncated(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": "1000"})
        await response.prepare(request)
        await response.write(b'{"items": [')
        assert request.transport is not None
        request.transport.close()
        return response

    app = web.Application()
    app.router.add_get("/x", truncated)
    server = await aiohttp_server(app)
    async with HttpCore(
        provider="t", base_url=str(server.make_url("")), retry=RetryPolicy(attempts=2)
    ) as http:
        with pytest.raises(ProviderError):
            await http.get_json("x")
    assert http.stats.requests == 2


async def test_budget_count_raises_quota_exceeded(aiohttp_server: ServerFactory) -> None:
    base = await serve(aiohttp_server, Script(OK))
    budget = RequestBudget(3)
    async with (
        HttpCore(provider="t", base_url=base, budget=budget) as one,
        HttpCore(provider="t", base_url=base, budget=budget) as two,
    ):
        await one.get_json("a")
        await two.get_json("b")
        await one.get_json("c")
        assert budget.remaining == 0
        with pytest.raises(QuotaExceeded):
            await two.get_json("d")
    assert one.stats.requests + two.stats.requests == 3


async def test_budget_rate_paces_requests(aiohttp_server: ServerFactory) -> None:
    base = await serve(aiohttp_server, Script(OK))
    budget = RequestBudget(per_second=10, burst=2)
    async with HttpCore(provider="t", base_url=base, budget=budget) as http:
        for _ in range(6):
            await http.get_json("a")
    # Two back to back, then 0.1 s before each of the remaining four (a virtual clock under
    # the testing switch, so the figure is exact however slow the machine).
    assert http.stats.waited == pytest.approx(0.4)


async def test_budget_rate_really_waits_without_testing_switch(
    aiohttp_server: ServerFactory,
) -> None:
    set_testing(False)
    base = await serve(aiohttp_server, Script(OK))
    budget = RequestBudget(per_second=20)
    loop = asyncio.get_running_loop()
    async with HttpCore(provider="t", base_url=base, budget=budget) as http:
        started = loop.time()
        for _ in range(4):
            await http.get_json("a")
        elapsed = loop.time() - started
    assert elapsed >= 0.14


def test_redact_covers_every_secret_form() -> None:
    samples = {
        "https://x/cb?code=abc123&state=s1": "https://x/cb?code=REDACTED&state=s1",
        "grant_type=refresh_token&refresh_token=rt-1&client_secret=cs": (
            "grant_type=refresh_token&refresh_token=REDACTED&client_secret=REDACTED"
        ),
        '{"access_token": "at-1", "token_type": "Bearer", "refresh_token":"rt"}': (
            '{"access_token": "REDACTED", "token_type": "Bearer", "refresh_token":"REDACTED"}'
        ),
        "Authorization: Bearer abc.def-ghi": "Authorization: Bearer REDACTED",
        "Authorization: Basic Y2xpZW50OnNlY3JldA==": "Authorization: Basic REDACTED",
        "https://x/search?q=isrc:US1234567890&type=track": (
            "https://x/search?q=isrc:US1234567890&type=track"
        ),
    }
    for raw, expected in samples.items():
        assert redact(raw) == expected


async def test_log_lines_never_carry_secrets(
    aiohttp_server: ServerFactory, caplog: pytest.LogCaptureFixture
) -> None:
    script = Script((503, {}, b""), OK)
    base = await serve(aiohttp_server, script)
    caplog.set_level(logging.DEBUG, logger="playlist_interop")
    creds = Creds()
    async with HttpCore(provider="t", base_url=base, credentials=creds) as http:
        await http.request(
            "GET", "cb", params={"code": "sekrit-code", "access_token": "sekrit-token"}
        )
        await http.request("POST", "token", form={"refresh_token": "sekrit-refresh"})
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "cb?code=REDACTED" in text
    for secret in ("sekrit", "first", "second"):
        assert secret not in text


def test_base_url_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PLAYLIST_SPOTIFY_API_URL", raising=False)
    assert resolve_base_url("spotify", "api", None, "https://api.example/v1/") == (
        "https://api.example/v1"
    )
    monkeypatch.setenv("PLAYLIST_SPOTIFY_API_URL", "http://127.0.0.1:9/v1")
    assert resolve_base_url("spotify", "api", None, "https://d") == "http://127.0.0.1:9/v1"
    assert resolve_base_url("spotify", "api", "http://given", "https://d") == "http://given"


async def test_undecodable_body_is_a_provider_error(aiohttp_server: ServerFactory) -> None:
    script = Script((200, {"Content-Encoding": "gzip"}, b'{"not": "gzip"}'))
    base = await serve(aiohttp_server, script)
    async with HttpCore(provider="t", base_url=base) as http:
        with pytest.raises(ProviderError, match="DecodingError"):
            await http.get_json("x")


def test_path_counters_are_bounded() -> None:
    stats = RequestStats(max_paths=2)
    for path in ("GET /a", "GET /b", "GET /c", "GET /d", "GET /a"):
        stats.count_path(path)
    assert stats.by_path == {"GET /a": 2, "GET /b": 1, "other": 2}


async def test_default_user_agent_names_the_library(aiohttp_server: ServerFactory) -> None:
    script = Script(OK)
    base = await serve(aiohttp_server, script)
    async with HttpCore(provider="t", base_url=base) as http:
        await http.get_json("x")
    assert script.seen[0].headers["User-Agent"].startswith("playlist-interop/")


async def test_testing_switch_can_cap_attempts(aiohttp_server: ServerFactory) -> None:
    script = Script((503, {"Retry-After": "1"}, b""))
    base = await serve(aiohttp_server, script)
    set_testing(True, attempts=1)
    try:
        async with HttpCore(provider="t", base_url=base, retry=RetryPolicy(attempts=6)) as http:
            with pytest.raises(ProviderError):
                await http.get_json("x")
        assert http.stats.requests == 1
    finally:
        set_testing(True)
    async with HttpCore(provider="t", base_url=base, retry=RetryPolicy(attempts=6)) as http:
        with pytest.raises(ProviderError):
            await http.get_json("x")
    assert http.stats.requests == 6
    with pytest.raises(ValueError, match="at least 1"):
        set_testing(True, attempts=0)


async def test_a_retry_after_pauses_every_client_of_the_budget(
    aiohttp_server: ServerFactory,
) -> None:
    """A 429 seen by one client holds the shared budget: the other waits instead of being
    refused too (real time: the server refuses everything for one second)."""
    set_testing(False)
    loop = asyncio.get_running_loop()
    closed_until: list[float] = []
    first_refusal = asyncio.Event()

    async def handler(request: web.Request) -> web.Response:
        now = loop.time()
        if not closed_until:
            closed_until.append(now + 1.0)
            first_refusal.set()
        if now < closed_until[0]:
            return web.Response(status=429, headers={"Retry-After": "1"})
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_get("/x", handler)
    server = await aiohttp_server(app)
    base = str(server.make_url(""))
    budget = RequestBudget()
    async with (
        HttpCore(provider="t", base_url=base, budget=budget) as first,
        HttpCore(provider="t", base_url=base, budget=budget) as second,
    ):

        async def later() -> None:
            await first_refusal.wait()
            while 429 not in first.stats.by_status:  # the first client has seen its 429
                await asyncio.sleep(0.005)
            await second.get_json("x")

        await asyncio.gather(first.get_json("x"), later())
    assert first.stats.by_status == {429: 1, 200: 1}
    assert second.stats.by_status == {200: 1}
    assert 0.8 <= second.stats.waited <= 1.1
