"""A client syncing while writers commit concurrently sees every change once
(PostgreSQL: real commits on separate connections, out of order)."""

import asyncio
import random

import httpx

from app.models.base import utcnow
from app.models.proposals import AuthorKind, Proposal, ProposalStatus
from app.runtime import Runtime
from tests import builders
from tests.proposals.conftest import proposals_component
from tests.sync.conftest import MOBILE, drain

WRITERS = 4
PER_WRITER = 8


async def test_a_client_syncing_during_concurrent_writes_misses_and_repeats_nothing(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    sessions = committed_runtime.sessionmaker
    async with sessions() as session:
        space = await builders.space(session)
        component = await proposals_component(session, space)
        await session.commit()
    _, cursor = await drain(committed_client, MOBILE, types="proposal")
    randomness = random.Random(8)
    pauses = [
        [randomness.uniform(0, 0.03) for _ in range(PER_WRITER)] for _ in range(WRITERS)
    ]
    written: list[int] = []
    seen: list[int] = []
    writing = True

    async def write(delays: list[float]) -> None:
        for delay in delays:
            async with sessions() as session:
                proposal = Proposal(
                    component_id=component.id,
                    author_kind=AuthorKind.OFFICIAL,
                    title={"pt-BR": "Proposta concorrente"},
                    body={"pt-BR": "<p>Texto</p>"},
                    status=ProposalStatus.PUBLISHED,
                    published_at=utcnow(),
                )
                session.add(proposal)
                await session.flush()
                # Held open so that later transactions commit before this one.
                await asyncio.sleep(delay)
                await session.commit()
                written.append(proposal.id)

    async def follow() -> None:
        nonlocal cursor
        while writing:
            answer = await committed_client.get(
                MOBILE, params={"since": cursor, "types": "proposal", "limit": 3}
            )
            body = answer.json()
            seen.extend(change["id"] for change in body["changes"])
            cursor = body["next_cursor"]
            await asyncio.sleep(0.005)

    follower = asyncio.create_task(follow())
    await asyncio.gather(*(write(delays) for delays in pauses))
    writing = False
    await follower
    rest, _ = await drain(
        committed_client,
        MOBILE,
        cursor,
        until=lambda changes: len(seen) + len(changes) >= len(written),
        types="proposal",
    )
    seen.extend(change["id"] for change in rest)

    assert len(written) == WRITERS * PER_WRITER
    assert sorted(seen) == sorted(written)
