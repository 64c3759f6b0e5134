"""One session per request, committed by its dependency before the response.

The probe routes below use the real ``SessionDep`` on a runtime whose commits
are real; the commit-time failures are the database's own: a deferred unique
constraint on PostgreSQL, a deferred foreign key on SQLite.
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import httpx
import pytest
import structlog
from fastapi import APIRouter, FastAPI
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db import READ_ONLY
from app.deps import SessionDep
from app.errors import ConflictError
from app.main import create_app
from app.models.base import utcnow
from app.models.events import OutboxEvent
from app.models.users import TokenPurpose, UserToken
from app.runtime import Runtime
from app.services import outbox
from tests.platform.helpers import assert_problem, mounted, serve

PROBE_EVENT = "probe.stored"
DANGLING_USER_ID = 10**9


async def _fail_at_commit(session: AsyncSession, marker: str) -> None:
    """Leave the transaction in a state the database refuses only at COMMIT."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            text(
                "CREATE TEMP TABLE probe_deferred (value int, CONSTRAINT"
                " probe_deferred_once UNIQUE (value) DEFERRABLE INITIALLY DEFERRED)"
                " ON COMMIT DROP"
            )
        )
        await session.execute(text("INSERT INTO probe_deferred VALUES (1), (1)"))
        return
    await session.execute(text("PRAGMA defer_foreign_keys = ON"))
    session.add(
        UserToken(
            user_id=DANGLING_USER_ID,
            purpose=TokenPurpose.CONFIRM_EMAIL,
            token_hash=f"probe-{marker}",
            expires_at=utcnow(),
        )
    )
    await session.flush()


def probe_router() -> APIRouter:
    router = APIRouter(prefix="/probe", tags=["probe"])

    @router.post("/store", status_code=201)
    async def store(marker: str, session: SessionDep) -> dict[str, str]:
        outbox.emit(session, PROBE_EVENT, {"marker": marker})
        return {"marker": marker}

    @router.post("/fail-at-commit", status_code=201)
    async def fail_at_commit(marker: str, session: SessionDep) -> dict[str, str]:
        outbox.emit(session, PROBE_EVENT, {"marker": marker})
        await session.flush()
        await _fail_at_commit(session, marker)
        return {"marker": marker}

    @router.post("/refuse")
    async def refuse(
        marker: str, record: bool, fail: bool, session: SessionDep
    ) -> None:
        outbox.emit(session, PROBE_EVENT, {"marker": marker})
        await session.flush()
        if fail:
            await _fail_at_commit(session, marker)
        error = ConflictError("Refused, and maybe recorded.")
        error.commit_changes = record
        raise error

    @router.post("/crash")
    async def crash(marker: str, session: SessionDep) -> None:
        outbox.emit(session, PROBE_EVENT, {"marker": marker})
        await session.flush()
        raise RuntimeError("the endpoint broke after writing")

    return router


async def stored_markers(runtime: Runtime) -> list[str]:
    """Markers committed so far, read on a connection of its own."""
    async with runtime.engine.connect() as connection:
        reader = await connection.execution_options(**{READ_ONLY: True})
        payloads = await reader.scalars(
            select(OutboxEvent.payload).where(OutboxEvent.event_type == PROBE_EVENT)
        )
        return sorted(payload["marker"] for payload in payloads)


@dataclass
class CommittedAtResponseStart:
    """Wraps an ASGI app; records what was committed when the response began."""

    app: ASGIApp
    look: Callable[[], Awaitable[list[str]]]
    seen: list[list[str]] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_and_look(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.seen.append(await self.look())
            await send(message)

        await self.app(scope, receive, send_and_look)


@pytest.fixture
def probed_app(durable_runtime: Runtime) -> FastAPI:
    app = create_app(durable_runtime.settings, durable_runtime)
    mounted(app, "/api/v1").include_router(probe_router())
    return app


@pytest.fixture
async def probe(probed_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(probed_app, raise_app_exceptions=False) as client:
        yield client


class TestCommit:
    async def test_data_is_committed_before_the_response_starts(
        self, probed_app: FastAPI, durable_runtime: Runtime
    ) -> None:
        watched = CommittedAtResponseStart(
            probed_app, lambda: stored_markers(durable_runtime)
        )

        async with serve(watched) as client:
            response = await client.post("/api/v1/probe/store?marker=kept")

        assert response.status_code == 201
        assert watched.seen == [["kept"]]

    async def test_failure_at_commit_is_a_409_and_stores_nothing(
        self, probe: httpx.AsyncClient, durable_runtime: Runtime
    ) -> None:
        response = await probe.post("/api/v1/probe/fail-at-commit?marker=lost")

        assert_problem(response, 409, "conflict")
        assert await stored_markers(durable_runtime) == []

    async def test_the_next_request_after_a_failed_commit_works(
        self, probe: httpx.AsyncClient, durable_runtime: Runtime
    ) -> None:
        await probe.post("/api/v1/probe/fail-at-commit?marker=lost")

        response = await probe.post("/api/v1/probe/store?marker=next")

        assert response.status_code == 201
        assert await stored_markers(durable_runtime) == ["next"]


class TestRefusal:
    async def test_a_domain_error_rolls_back_what_the_request_wrote(
        self, probe: httpx.AsyncClient, durable_runtime: Runtime
    ) -> None:
        response = await probe.post(
            "/api/v1/probe/refuse?marker=undone&record=false&fail=false"
        )

        assert_problem(response, 409, "conflict")
        assert await stored_markers(durable_runtime) == []

    async def test_a_refusal_that_commits_changes_keeps_them(
        self, probe: httpx.AsyncClient, durable_runtime: Runtime
    ) -> None:
        response = await probe.post(
            "/api/v1/probe/refuse?marker=recorded&record=true&fail=false"
        )

        body = assert_problem(response, 409, "conflict")
        assert body["detail"] == "Refused, and maybe recorded."
        assert await stored_markers(durable_runtime) == ["recorded"]

    async def test_a_refusal_whose_record_fails_to_commit_stores_nothing(
        self, probe: httpx.AsyncClient, durable_runtime: Runtime
    ) -> None:
        response = await probe.post(
            "/api/v1/probe/refuse?marker=unrecorded&record=true&fail=true"
        )

        assert_problem(response, 409, "conflict")
        assert await stored_markers(durable_runtime) == []

    async def test_an_unexpected_error_rolls_back_and_is_a_500(
        self, probe: httpx.AsyncClient, durable_runtime: Runtime
    ) -> None:
        with structlog.testing.capture_logs():
            response = await probe.post("/api/v1/probe/crash?marker=broken")

        assert_problem(response, 500, "internal-error")
        assert await stored_markers(durable_runtime) == []
