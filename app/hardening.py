"""ASGI middleware that holds the API against abuse: rate limits and headers.

Every request to the APIs counts against the limits of its identity (an
integrator's key, else the signed-in account, else nobody) and of its client
IP; writes and reads have separate limits. Answers carry ``RateLimit-Limit``,
``RateLimit-Remaining`` and ``RateLimit-Reset`` for the tightest of them; past
a limit the answer is a 429 problem with ``Retry-After``.
"""

import hashlib
import json

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
from app.errors import PROBLEM_BASE
from app.runtime import Runtime
from app.security import TokenError
from app.services.ratelimit import Window, take

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
API_KINDS = ("/api/", "/mobile/")

STRICT_POLICY = "default-src 'none'; frame-ancestors 'none'"
DOCS_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'; frame-ancestors 'none'"
)
"""The Swagger UI pages run the bundled, inline-configured Swagger UI; still
nothing from another host."""


class SecurityHeadersMiddleware:
    """Headers that stop browsers sniffing, framing or leaking referrers."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = DOCS_POLICY if "/docs" in scope["path"] else STRICT_POLICY
        extra = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
            (b"content-security-policy", policy.encode()),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]
        if self.hsts:
            extra.append(
                (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
            )

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                # An endpoint's own stricter policy (a sandboxed file) wins.
                present = {name.lower() for name, _ in headers}
                headers += [pair for pair in extra if pair[0] not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RateLimitMiddleware:
    """Counts API requests per identity and per IP, and refuses past the limits."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_KINDS):
            await self.app(scope, receive, send)
            return
        windows = await self._count(scope)
        tightest = min(windows, key=lambda window: window.remaining)
        refused = [window for window in windows if not window.allowed]
        if refused:
            await _refuse(send, max(refused, key=lambda w: w.reset_seconds))
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_headers(tightest)]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _count(self, scope: Scope) -> list[Window]:
        # Read per request: tests bind a fresh runtime to a built application.
        runtime: Runtime = scope["app"].state.runtime
        settings: Settings = runtime.settings
        writing = scope["method"] not in SAFE_METHODS
        kind = "write" if writing else "read"
        ip = scope["client"][0] if scope.get("client") else "unknown"
        ip_rule = (
            settings.rate_limit_writes_ip if writing else settings.rate_limit_reads_ip
        )
        windows = [await take(runtime.limiter, ip_rule, kind, "ip", ip)]
        identity = _identity(runtime, Headers(scope=scope))
        if identity is not None:
            rule = settings.rate_limit_writes if writing else settings.rate_limit_reads
            windows.append(await take(runtime.limiter, rule, kind, *identity))
        return windows


def _identity(runtime: Runtime, headers: Headers) -> tuple[str, str] | None:
    """The key or account the request speaks for, read without the database."""
    key = headers.get("x-api-key")
    scheme, _, credentials = headers.get("authorization", "").partition(" ")
    if not key and scheme.lower() == "bearer" and credentials.startswith("dk_"):
        key = credentials
    if key:
        return "key", hashlib.sha256(key.encode()).hexdigest()[:32]
    if scheme.lower() != "bearer" or not credentials:
        return None
    try:
        claims = runtime.tokens.verify(credentials)
    except TokenError:
        return None
    return "user", str(claims.user_id)


def _headers(window: Window) -> list[tuple[bytes, bytes]]:
    return [
        (b"ratelimit-limit", str(window.limit).encode()),
        (b"ratelimit-remaining", str(window.remaining).encode()),
        (b"ratelimit-reset", str(window.reset_seconds).encode()),
    ]


async def _refuse(send: Send, window: Window) -> None:
    retry = max(1, window.reset_seconds)
    body = json.dumps(
        {
            "type": PROBLEM_BASE + "rate-limited",
            "title": "Too many requests",
            "status": 429,
            "detail": "Too many requests; wait before trying again.",
            "retry_after": retry,
        }
    ).encode()
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(retry).encode()),
        *_headers(window),
    ]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body})
