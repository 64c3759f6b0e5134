"""A public space with content, committed for real, and a client that syncs."""

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from app.models.comments import Comment
from app.models.components import Component
from app.models.meetings import Meeting
from app.models.proposals import Proposal
from app.models.spaces import Space
from app.models.users import User
from app.runtime import Runtime
from tests import builders
from tests.conftest import shared_app
from tests.meetings.conftest import meeting, meetings_component
from tests.proposals.conftest import proposals_component

MOBILE = "/mobile/v1/sync"
CHANGES = "/api/v1/changes"
Changes = list[dict[str, Any]]
HORIZON_WAIT = 90
"""Seconds to wait for changes on PostgreSQL, where a long transaction anywhere
on the server (another suite, a benchmark) holds the change log's horizon."""


@dataclass
class Stage:
    space: Space
    proposals: Component
    meetings: Component
    author: User
    proposal: Proposal
    meeting: Meeting
    comment: Comment


@pytest.fixture
async def durable_client(
    settings: Settings, durable_runtime: Runtime, shared_apps: dict[str, FastAPI]
) -> AsyncIterator[httpx.AsyncClient]:
    app = shared_app(shared_apps, settings, durable_runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def stage(runtime: Runtime, **space_fields: Any) -> Stage:
    """Committed: a space with a proposal, a meeting and a comment on the proposal."""
    async with runtime.sessionmaker() as session:
        space = await builders.space(session, **space_fields)
        author = await builders.user(session, runtime)
        proposals = await proposals_component(session, space)
        meetings = await meetings_component(session, space)
        proposal = await builders.proposal(session, proposals, author)
        held = await meeting(session, meetings)
        comment = Comment(
            resource_type="proposal",
            resource_id=proposal.id,
            author_id=author.id,
            body="<p>Concordo &amp; apoio</p>",
        )
        session.add(comment)
        await session.commit()
    return Stage(space, proposals, meetings, author, proposal, held, comment)


async def drain(
    client: httpx.AsyncClient,
    path: str,
    since: str | None = None,
    *,
    until: Callable[[Changes], bool] = lambda _changes: True,
    headers: dict[str, str] | None = None,
    **params: Any,
) -> tuple[Changes, str]:
    """Every change after ``since`` until ``until`` holds and none is left.

    On PostgreSQL a transaction elsewhere on the server may hold the horizon
    back for a moment, so an empty answer is asked again until ``until`` holds.
    """
    seen: Changes = []
    async with asyncio.timeout(HORIZON_WAIT):
        while True:
            query = {**params, **({"since": since} if since else {})}
            answer = await client.get(path, params=query, headers=headers)
            assert answer.status_code == 200, answer.text
            body = answer.json()
            seen += body["changes"]
            since = body["next_cursor"]
            if not body["more"] and until(seen):
                assert since is not None
                return seen, since
            if not body["changes"]:
                await asyncio.sleep(0.05)


def keys(changes: Changes) -> list[tuple[str, int, bool]]:
    return [(c["type"], c["id"], c["deleted"]) for c in changes]


def has(*wanted: tuple[str, int, bool]) -> Callable[[Changes], bool]:
    return lambda changes: set(wanted) <= set(keys(changes))
