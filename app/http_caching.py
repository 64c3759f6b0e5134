"""ETags on reads, ``If-None-Match`` answered with 304, and cache headers.

Every successful GET (and HEAD) carries an ETag: the one the endpoint set (file
downloads), else a hash of the body. Answers vary with the credentials and the
language asked for; one read with credentials is the reader's own
(``private``); every answer is revalidated (``no-cache``), so a hidden or
unpublished item drops out of caches at once. An endpoint that set its own
Cache-Control (calendar feeds, declarations) keeps it.
"""

import base64
import hashlib
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.idempotent_writes import UNKEYED_PATHS

READS = frozenset({"GET", "HEAD"})
WRITE_OPERATIONS = frozenset({"post", "put", "patch", "delete"})
VARY = ("Authorization", "Accept-Language")
PERSONAL_CACHE = "private, no-cache"
SHARED_CACHE = "no-cache"
NOT_MODIFIED_HEADERS = frozenset(
    {"cache-control", "content-location", "date", "etag", "expires", "vary"}
)
"""What a 304 repeats of the 200 it stands for (RFC 9110, 15.4.5)."""


def entity_tag(body: bytes) -> str:
    """A strong validator: the first 128 bits of the body's SHA-256."""
    digest = hashlib.sha256(body).digest()[:16]
    return '"' + base64.urlsafe_b64encode(digest).decode().rstrip("=") + '"'


def matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison, as If-None-Match uses: ``W/`` prefixes do not count."""
    if if_none_match.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(
        candidate.strip().removeprefix("W/") == wanted
        for candidate in if_none_match.split(",")
    )


def merge_vary(existing: str | None) -> str:
    names = [name.strip() for name in (existing or "").split(",") if name.strip()]
    known = {name.lower() for name in names}
    names += [name for name in VARY if name.lower() not in known]
    return ", ".join(names)


class ConditionalGetMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in READS:
            await self.app(scope, receive, send)
            return
        request = Headers(scope=scope)
        held = _HeldResponse(
            send,
            if_none_match=request.get("if-none-match"),
            personal="authorization" in request,
        )
        await self.app(scope, receive, held.send)


class _HeldResponse:
    """Holds a 200 back until its body is complete, to tag it; anything else
    (and a response that already carries an ETag) streams on unchanged."""

    def __init__(
        self, send: Send, *, if_none_match: str | None, personal: bool
    ) -> None:
        self._send = send
        self._if_none_match = if_none_match
        self._personal = personal
        self._start: Message | None = None
        self._chunks: list[bytes] = []
        self._passing = False
        self._not_modified = False

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            await self._started(message)
        elif self._not_modified:
            return
        elif self._passing or message["type"] != "http.response.body":
            await self._send(message)
        else:
            self._chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                await self._finish()

    async def _started(self, message: Message) -> None:
        if message["status"] != 200:
            self._passing = True
            await self._send(message)
            return
        headers = MutableHeaders(scope=message)
        self._set_cache_headers(headers)
        etag = headers.get("etag")
        if etag is None:
            self._start = message
            return
        self._passing = True
        if self._if_none_match is not None and matches(self._if_none_match, etag):
            self._not_modified = True
            await self._send_not_modified(message)
            return
        await self._send(message)

    async def _finish(self) -> None:
        assert self._start is not None
        body = b"".join(self._chunks)
        headers = MutableHeaders(scope=self._start)
        etag = entity_tag(body)
        headers["etag"] = etag
        if self._if_none_match is not None and matches(self._if_none_match, etag):
            await self._send_not_modified(self._start)
            return
        await self._send(self._start)
        await self._send({"type": "http.response.body", "body": body})

    def _set_cache_headers(self, headers: MutableHeaders) -> None:
        headers["vary"] = merge_vary(headers.get("vary"))
        if "cache-control" not in headers:
            cache = PERSONAL_CACHE if self._personal else SHARED_CACHE
            headers["cache-control"] = cache

    async def _send_not_modified(self, start: Message) -> None:
        raw = [
            (name, value)
            for name, value in start.get("headers", [])
            if name.decode("latin-1").lower() in NOT_MODIFIED_HEADERS
        ]
        await self._send({"type": "http.response.start", "status": 304, "headers": raw})
        await self._send({"type": "http.response.body", "body": b""})


IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "The ETag of the answer you hold: 304 if it is still current.",
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "Retry safely: the same key and body replay the first answer "
    "(Idempotent-Replayed: true); another body is 422; one still running is 409. "
    "Scoped to the signed-in user, the method and the path; kept 24 hours.",
}
NOT_MODIFIED = {"description": "Not modified: the ETag in If-None-Match is current."}


def describe_caching(document: dict[str, Any]) -> dict[str, Any]:
    """Declare If-None-Match and 304 on reads, Idempotency-Key on writes."""
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            if method == "get":
                _add_parameter(operation, IF_NONE_MATCH)
                operation.setdefault("responses", {})["304"] = NOT_MODIFIED
            elif method in WRITE_OPERATIONS and not path.startswith(UNKEYED_PATHS):
                _add_parameter(operation, IDEMPOTENCY_KEY)
    return document


def _add_parameter(operation: dict[str, Any], parameter: dict[str, Any]) -> None:
    parameters = operation.setdefault("parameters", [])
    if all(known.get("name") != parameter["name"] for known in parameters):
        parameters.append(dict(parameter))
