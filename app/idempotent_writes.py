"""``Idempotency-Key`` on writes: a retried request replays the first answer.

The middleware opens the request's session itself, claims the key in it, and
lends it to the ``get_session`` dependency (see ``lend``), which then leaves
the commit to the middleware: the answer is stored and committed with the
write, before the response leaves. Keys need a signed-in user (the scope is the
user, the method and the path); without credentials, and on the endpoints
whose answers carry secrets (sign-in tokens, calendar addresses), the header
is ignored. See README "Caching and retries".
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db import commit_or_raise
from app.errors import DomainError, http_error, problem
from app.runtime import Runtime
from app.security import TokenError
from app.services import idempotency
from app.services.idempotency import KeyedRequest

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
UNKEYED_PATHS = ("/auth/", "/me/calendar-token", "/me/data-export", "/api-keys")
"""Answers with secrets that the database keeps only as hashes (tokens, API
keys, download links): storing the answer would undo that, so the key is ignored."""
REPLAYED_HEADERS = frozenset(
    {
        "content-type",
        "content-language",
        "location",
        "link",
        "cache-control",
        "vary",
        "etag",
    }
)
STATE = "idempotency"


@dataclass
class Lent:
    """The session a keyed write runs in; the middleware commits it."""

    session: AsyncSession
    failed: bool = False

    @asynccontextmanager
    async def scope(self) -> AsyncIterator[AsyncSession]:
        """As ``session_scope``, except that success is committed later, with
        the stored answer."""
        try:
            yield self.session
        except DomainError as exc:
            self.failed = True
            if exc.commit_changes:
                await commit_or_raise(self.session)
            else:
                await self.session.rollback()
            raise
        except BaseException:
            self.failed = True
            await self.session.rollback()
            raise


def lent_session(request: Request) -> Lent | None:
    """The session the middleware lent this request, if its write is keyed."""
    lent: Lent | None = request.scope.get("state", {}).get(STATE)
    return lent


@dataclass
class Captured:
    """A response held back until its transaction has committed."""

    messages: list[Message] = field(default_factory=list)

    @property
    def status(self) -> int:
        return int(self.messages[0]["status"]) if self.messages else 500

    @property
    def headers(self) -> dict[str, str]:
        raw = self.messages[0].get("headers", []) if self.messages else []
        return {
            name.decode("latin-1").lower(): value.decode("latin-1")
            for name, value in raw
            if name.decode("latin-1").lower() in REPLAYED_HEADERS
        }

    @property
    def body(self) -> bytes:
        return b"".join(
            message.get("body", b"")
            for message in self.messages
            if message["type"] == "http.response.body"
        )


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = Headers(scope=scope).get("idempotency-key")
        if scope["type"] != "http" or scope["method"] not in WRITES or key is None:
            await self.app(scope, receive, send)
            return
        try:
            idempotency.check_key(key)
        except DomainError as exc:
            await _refuse(exc, scope, receive, send)
            return
        runtime: Runtime = scope["app"].state.runtime
        user_id = _user_id(runtime, scope)
        if user_id is None or _route_path(scope).startswith(UNKEYED_PATHS):
            await self.app(scope, receive, send)
            return

        try:
            body = await _read_body(receive)
        except HTTPException as exc:  # a streamed body over the limit: 413
            response = await http_error(Request(scope), exc)
            await response(scope, receive, send)
            return
        keyed = KeyedRequest(
            user_id=user_id,
            method=scope["method"],
            path=scope["path"],
            key=key,
            fingerprint=idempotency.fingerprint(scope.get("query_string", b""), body),
        )
        async with runtime.sessionmaker() as session:
            await self._keyed(
                runtime, session, keyed, scope, _replaying(body, receive), send
            )

    async def _keyed(
        self,
        runtime: Runtime,
        session: AsyncSession,
        keyed: KeyedRequest,
        scope: Scope,
        replay_receive: Receive,
        send: Send,
    ) -> None:
        try:
            stored = await idempotency.claim(session, keyed)
        except DomainError as exc:
            await session.rollback()
            await _refuse(exc, scope, replay_receive, send)
            return
        if stored is not None:
            answer = (stored.status_code, stored.headers, stored.body)
            await session.rollback()
            await _replay(*answer, send)
            return

        lent = Lent(session)
        scope.setdefault("state", {})[STATE] = lent
        captured = Captured()

        async def capture(message: Message) -> None:
            captured.messages.append(message)

        await self.app(scope, replay_receive, capture)
        try:
            await self._commit(runtime, lent, keyed, captured)
        except DomainError as exc:
            await _refuse(exc, scope, replay_receive, send)
            return
        for message in captured.messages:
            await send(message)

    async def _commit(
        self, runtime: Runtime, lent: Lent, keyed: KeyedRequest, captured: Captured
    ) -> None:
        """Store a successful answer with the write and commit both; an error
        was already rolled back (or committed) by the session's scope."""
        if lent.failed or captured.status >= 400:
            await lent.session.rollback()
            return
        idempotency.store(
            lent.session,
            keyed,
            status_code=captured.status,
            headers=captured.headers,
            body=captured.body,
            lifetime=timedelta(hours=runtime.settings.idempotency_key_hours),
        )
        await commit_or_raise(lent.session)


def _user_id(runtime: Runtime, scope: Scope) -> int | None:
    """The signed-in user of a valid bearer token; else None (the endpoint
    itself answers an invalid token with 401)."""
    scheme, _, token = Headers(scope=scope).get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        return runtime.tokens.verify(token).user_id
    except TokenError:
        return None


def _route_path(scope: Scope) -> str:
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path.removeprefix(root) if root and path.startswith(root) else path


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """Hands the body read already to the application, then the client's
    own messages (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay

    return receive


async def _replay(
    status: int, headers: dict[str, Any], body: bytes, send: Send
) -> None:
    raw = [
        (name.encode("latin-1"), str(value).encode("latin-1"))
        for name, value in headers.items()
    ]
    raw += [
        (b"content-length", str(len(body)).encode()),
        (b"idempotent-replayed", b"true"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def _refuse(exc: DomainError, scope: Scope, receive: Receive, send: Send) -> None:
    response = problem(
        Request(scope),
        status=exc.status,
        code=exc.code,
        title=exc.title,
        detail=exc.detail,
        headers=exc.headers,
        **exc.extensions,
    )
    await response(scope, receive, send)
