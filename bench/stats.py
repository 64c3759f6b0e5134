"""Participation figures: how long a refresh takes, and a read after it.

Loads ``--users`` participants (a tenth declaring one of 8 interest groups)
over 8 regionals of 5 neighbourhoods each, ``--spaces`` public processes with a
proposals and a meetings component each, ``--proposals`` proposals,
``--supports`` supports, ``--comments`` comments, ``--meetings`` meetings with
``--registrations`` registrations, and one private space holding a tenth of
everything more (counted by nobody). Then times ``stats.refresh`` (the worker
job and ``decide stats refresh``) and ``GET /api/v1/stats``.

Run with ``.venv/bin/python -m bench.stats --help``; see bench/README.md.
"""

import asyncio
import logging
import os
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import structlog
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.main import create_app
from app.models.comments import Comment
from app.models.components import Component
from app.models.meetings import Meeting, MeetingRegistration
from app.models.proposals import Proposal, ProposalSupport
from app.models.spaces import Space
from app.models.taxonomies import InterestGroup, Scope, UserInterestGroup
from app.models.users import User
from app.runtime import Runtime
from app.services.stats import refresh
from bench.common import (
    NO_RATE_LIMITS,
    arguments,
    measure,
    report,
    scratch_database,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
YEAR = timedelta(days=365)
BATCH = 5000


def _batches(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


async def _load(
    session: AsyncSession, model: Any, rows: Iterator[dict[str, Any]]
) -> None:
    for batch in _batches(rows):
        await session.execute(insert(model.__table__), batch)


def _moment(rng: random.Random) -> datetime:
    return NOW - YEAR * rng.random()


async def fill(session: AsyncSession, options: Any, rng: random.Random) -> None:
    """Everything the figures count, with ids given so rows can point at each other."""
    await _load(
        session,
        User,
        (
            {
                "id": n,
                "email": f"p{n}@example.org",
                "email_normalized": f"p{n}@example.org",
                "name": f"Pessoa {n}",
                "nickname": f"p{n}",
                "password_hash": "x",
                "role": "participant",
            }
            for n in range(1, options.users + 1)
        ),
    )
    await _load(
        session,
        InterestGroup,
        (
            {"id": g, "code": f"g{g}", "kind": "population", "name": {"pt-BR": f"G{g}"}}
            for g in range(1, 9)
        ),
    )
    await _load(
        session,
        UserInterestGroup,
        (
            {"user_id": n, "interest_group_id": 1 + n % 8}
            for n in range(1, options.users + 1, 10)
        ),
    )
    regionals = [
        {
            "id": r,
            "parent_id": None,
            "path": f"/{r}/",
            "type": "regional",
            "code": f"R{r}",
            "name": {"pt-BR": f"Regional {r}"},
            "population": 80_000,
        }
        for r in range(1, 9)
    ]
    bairros = [
        {
            "id": 100 + 5 * r + b,
            "parent_id": r,
            "path": f"/{r}/{100 + 5 * r + b}/",
            "type": "neighbourhood",
            "code": f"B{r}-{b}",
            "name": {"pt-BR": f"Bairro {r}.{b}"},
            "population": None,
        }
        for r in range(1, 9)
        for b in range(5)
    ]
    await _load(session, Scope, iter(regionals + bairros))
    spaces = options.spaces + 1  # the last one is private
    await _load(
        session,
        Space,
        (
            {
                "id": s,
                "kind": "process",
                "slug": f"p{s}",
                "title": {"pt-BR": f"P{s}"},
                "status": "published",
                "published_at": NOW - YEAR,
                "visibility": "public" if s < spaces else "private",
                "scope_id": rng.choice(bairros)["id"],
            }
            for s in range(1, spaces + 1)
        ),
    )
    await _load(
        session,
        Component,
        (
            {
                "id": 2 * s - 1 + kind,
                "space_id": s,
                "type": ("proposals", "meetings")[kind],
                "name": {"pt-BR": "C"},
                "published_at": NOW - YEAR,
            }
            for s in range(1, spaces + 1)
            for kind in (0, 1)
        ),
    )
    await _contributions(session, options, rng, spaces)


async def _contributions(
    session: AsyncSession, options: Any, rng: random.Random, spaces: int
) -> None:
    users = options.users
    await _load(
        session,
        Proposal,
        (
            {
                "id": p,
                "component_id": 2 * rng.randint(1, spaces) - 1,
                "author_kind": "user",
                "author_id": rng.randint(1, users),
                "title": {"pt-BR": "t"},
                "body": {"pt-BR": "b"},
                "status": "published",
                "published_at": _moment(rng),
            }
            for p in range(1, options.proposals + 1)
        ),
    )
    pairs = {
        (rng.randint(1, options.proposals), rng.randint(1, users))
        for _ in range(options.supports)
    }
    await _load(
        session,
        ProposalSupport,
        (
            {
                "proposal_id": p,
                "component_id": 1,
                "user_id": u,
                "created_at": _moment(rng),
            }
            for p, u in pairs
        ),
    )
    await _load(
        session,
        Comment,
        (
            {
                "resource_type": "proposal",
                "resource_id": rng.randint(1, options.proposals),
                "author_id": rng.randint(1, users),
                "body": "c",
                "created_at": _moment(rng),
            }
            for _ in range(options.comments)
        ),
    )
    await _load(
        session,
        Meeting,
        (
            {
                "id": m,
                "component_id": 2 * rng.randint(1, spaces),
                "title": {"pt-BR": "m"},
                "type": "in_person",
                "starts_at": (start := _moment(rng)),
                "ends_at": start + timedelta(hours=2),
                "published_at": NOW - YEAR,
            }
            for m in range(1, options.meetings + 1)
        ),
    )
    registrations = {
        (rng.randint(1, options.meetings), rng.randint(1, users))
        for _ in range(options.registrations)
    }
    await _load(
        session,
        MeetingRegistration,
        (
            {
                "meeting_id": m,
                "user_id": u,
                "status": "confirmed",
                "code": f"R{n}",
                "checked_in_at": NOW if n % 2 else None,
            }
            for n, (m, u) in enumerate(registrations)
        ),
    )


async def main() -> None:
    parser = arguments("Time a participation figures refresh and a read.")
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--spaces", type=int, default=40)
    parser.add_argument("--proposals", type=int, default=50_000)
    parser.add_argument("--supports", type=int, default=500_000)
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--meetings", type=int, default=1_000)
    parser.add_argument("--registrations", type=int, default=50_000)
    parser.add_argument("--refreshes", type=int, default=3, help="timed refreshes")
    options = parser.parse_args()
    async with scratch_database(options.database_url, keep=options.keep) as url:
        runtime = Runtime.build(Settings(database_url=url, **NO_RATE_LIMITS))
        started = time.perf_counter()
        async with runtime.sessionmaker() as session:
            await fill(session, options, random.Random(42))
            await session.commit()
        async with runtime.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("VACUUM ANALYZE"))
        print(f"loaded in {time.perf_counter() - started:.0f} s")
        await _measure(runtime, options)
        await runtime.engine.dispose()


async def _measure(runtime: Runtime, options: Any) -> None:
    async def refreshed() -> None:
        async with runtime.sessionmaker() as session:
            await refresh(session, runtime.settings)
            await session.commit()

    app = create_app(runtime.settings, runtime=runtime)
    # Access logs are rendered as in production, then dropped.
    structlog.configure(
        logger_factory=structlog.PrintLoggerFactory(
            file=open(os.devnull, "w")  # noqa: SIM115, ASYNC230
        )
    )
    logging.getLogger().setLevel(logging.ERROR)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://b") as client:

        async def read() -> None:
            response = await client.get("/api/v1/stats")
            assert response.status_code == 200

        refresh_timing = await measure(
            "refresh (stats_refresh job)", refreshed, options.refreshes, warmup=1
        )
        read_timing = await measure("GET /api/v1/stats", read, options.repeat)
    report(
        f"Figures over {options.users:,} users, {options.proposals:,} proposals, "
        f"{options.supports:,} supports, {options.comments:,} comments, "
        f"{options.registrations:,} registrations",
        [(refresh_timing, None), (read_timing, None)],
    )


if __name__ == "__main__":
    asyncio.run(main())
