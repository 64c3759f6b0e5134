"""ASGI middleware: request id, access log, metrics and the request body limit."""

import re
import time
import uuid
from collections.abc import Sequence
from typing import Any

import structlog
from prometheus_client import Counter, Histogram
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import __version__
from app.errors import BodyTooLarge, http_error

log = structlog.get_logger()

REQUESTS = Counter(
    "decide_http_requests_total",
    "HTTP requests answered",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "decide_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
)

_REQUEST_ID = re.compile(r"[A-Za-z0-9._\-]{1,128}")
_APP_VERSION = re.compile(r"[A-Za-z0-9.+_\-]{1,40}")
_PLATFORM = re.compile(r"[a-z]{1,16}")


class RequestContextMiddleware:
    """Gives each request an id, logs it once, and counts it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        headers = Headers(scope=scope)
        incoming = headers.get("x-request-id", "")
        request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        app_version = headers.get("x-app-version", __version__)
        structlog.contextvars.clear_contextvars()
        platform = headers.get("x-platform", "")
        structlog.contextvars.bind_contextvars(
            request_id=request_id,
            app_version=app_version if _APP_VERSION.fullmatch(app_version) else None,
            platform=platform if _PLATFORM.fullmatch(platform) else None,
        )
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                raw = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() != b"x-request-id"
                ]
                raw.append((b"x-request-id", request_id.encode()))
                message["headers"] = raw
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            REQUESTS.labels(scope["method"], route, str(status)).inc()
            LATENCY.labels(scope["method"], route).observe(elapsed)
            log.info(
                "http.request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                duration_ms=round(elapsed * 1000, 1),
                user_id=scope["state"].get("user_id"),
            )


def _route_template(scope: Scope) -> str:
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    if path is None:
        return "unmatched"
    return str(scope.get("root_path", "")) + str(path)


class BodyLimitMiddleware:
    """Refuses a request body over ``max_bytes`` with a 413 problem.

    A declared ``Content-Length`` is refused before the application runs; a
    streamed body is counted as it is read and refused once it passes the limit.
    ``uploads`` gives POST routes that carry files (path patterns) a larger limit.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        uploads: Sequence[tuple[str, int]] = (),
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.uploads = [(re.compile(path), limit) for path, limit in uploads]

    def _limit(self, scope: Scope) -> int:
        if scope["method"] == "POST":
            for path, limit in self.uploads:
                if path.fullmatch(scope["path"]):
                    return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        max_bytes = self._limit(scope)
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            response = await http_error(Request(scope), BodyTooLarge(max_bytes))
            await response(scope, receive, send)
            return

        received = 0

        async def receive_within_limit() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise BodyTooLarge(max_bytes)
            return message

        await self.app(scope, receive_within_limit, send)
