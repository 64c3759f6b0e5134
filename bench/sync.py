"""Delta sync: pages of the change feed, a full first sync, and the fan-out of a
space made private.

    .venv/bin/python -m bench.sync                        # 20,000 proposals
    .venv/bin/python -m bench.sync --proposals 2000 --repeat 10   # smoke run
"""

import asyncio
import sys
import time
from typing import Any

import httpx
from sqlalchemy import func, select

from app.config import Environment, Settings
from app.main import create_app
from app.models.base import utcnow
from app.models.comments import Comment
from app.models.components import Component, ComponentType
from app.models.events import ChangeLogEntry
from app.models.proposals import AuthorKind, Proposal, ProposalStatus
from app.models.spaces import Space, SpaceKind, SpaceStatus, Visibility
from app.models.users import User
from app.runtime import Runtime
from bench.common import (
    NO_RATE_LIMITS,
    arguments,
    measure,
    report,
    scratch_database,
)

BATCH = 1000


def _parser() -> Any:
    parser = arguments("Delta sync on PostgreSQL")
    parser.add_argument("--proposals", type=int, default=20_000)
    parser.add_argument("--spaces", type=int, default=10)
    parser.add_argument("--comments-per-proposal", type=int, default=1)
    parser.add_argument("--page", type=int, default=500, help="changes per page")
    return parser


def _settings(url: str) -> Settings:
    return Settings(
        env=Environment.TEST,
        database_url=url,
        dispatcher_enabled=False,
        log_json=True,
        database_pool_size=5,
        **NO_RATE_LIMITS,
    )


async def _load(runtime: Runtime, options: Any) -> list[int]:
    """Spaces with a proposals component each, proposals and comments."""
    async with runtime.sessionmaker() as session:
        author = User(
            email="bench@example.org",
            email_normalized="bench@example.org",
            name="Bench",
            nickname="bench",
            password_hash="!",  # noqa: S106  (no password: cannot sign in)
        )
        session.add(author)
        spaces = [
            Space(
                kind=SpaceKind.PROCESS,
                slug=f"bench-{n}",
                title={"pt-BR": f"Espaço {n}"},
                status=SpaceStatus.PUBLISHED,
                published_at=utcnow(),
            )
            for n in range(options.spaces)
        ]
        session.add_all(spaces)
        await session.flush()
        components = [
            Component(
                space_id=space.id,
                type=ComponentType.PROPOSALS,
                name={"pt-BR": "Propostas"},
                published_at=utcnow(),
                settings={},
                default_switches={},
            )
            for space in spaces
        ]
        session.add_all(components)
        await session.commit()
        space_ids = [space.id for space in spaces]
        component_ids = [component.id for component in components]
        author_id = author.id
    for start in range(0, options.proposals, BATCH):
        async with runtime.sessionmaker() as session:
            rows = [
                Proposal(
                    component_id=component_ids[n % len(component_ids)],
                    author_kind=AuthorKind.USER,
                    author_id=author_id,
                    title={"pt-BR": f"Proposta {n}"},
                    body={"pt-BR": f"<p>Texto da proposta {n}, com detalhes.</p>"},
                    status=ProposalStatus.PUBLISHED,
                    published_at=utcnow(),
                )
                for n in range(start, min(start + BATCH, options.proposals))
            ]
            session.add_all(rows)
            await session.flush()
            session.add_all(
                Comment(
                    resource_type="proposal",
                    resource_id=row.id,
                    author_id=author_id,
                    body="<p>Apoio.</p>",
                )
                for row in rows
                for _ in range(options.comments_per_proposal)
            )
            await session.commit()
    return space_ids


async def _walk(client: httpx.AsyncClient, path: str, page: int) -> tuple[int, int]:
    """Follow the feed from the beginning to its end: (changes, requests)."""
    since, changes, requests = None, 0, 0
    while True:
        params: dict[str, Any] = {"limit": page}
        if since:
            params["since"] = since
        body = (await client.get(path, params=params)).json()
        changes, requests = changes + len(body["changes"]), requests + 1
        since = body["next_cursor"]
        if not body["more"]:
            return changes, requests


async def _visible(client: httpx.AsyncClient, entries: int) -> None:
    """Wait until the whole load is past the horizon, which a long transaction
    elsewhere on the server may hold back."""
    async with asyncio.timeout(300):
        # The horizon moves with transactions elsewhere; nothing signals it.
        while (await _walk(client, "/api/v1/changes", 500))[0] < entries - 1:  # noqa: ASYNC110
            await asyncio.sleep(1)


async def _logged(runtime: Runtime) -> int:
    async with runtime.sessionmaker() as session:
        return int(await session.scalar(select(func.count(ChangeLogEntry.id))) or 0)


async def run(options: Any) -> None:
    async with scratch_database(options.database_url, keep=options.keep) as url:
        settings = _settings(url)
        runtime = Runtime.build(settings)
        started = time.perf_counter()
        space_ids = await _load(runtime, options)
        loaded = time.perf_counter() - started
        entries = await _logged(runtime)
        app = create_app(settings, runtime)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://b") as c:
            await _visible(c, entries)
            rows = []
            for path in ("/api/v1/changes", "/mobile/v1/sync"):
                first = await measure(
                    f"{path}: first page of {options.page}",
                    lambda path=path: c.get(path, params={"limit": options.page}),
                    options.repeat,
                )
                rows.append((first, None))
            walks = []
            for path in ("/api/v1/changes", "/mobile/v1/sync"):
                begun = time.perf_counter()
                seen, requests = await _walk(c, path, options.page)
                walks.append((path, seen, requests, time.perf_counter() - begun))

            async with runtime.sessionmaker() as session:
                space = await session.get_one(Space, space_ids[0])
                begun = time.perf_counter()
                space.visibility = Visibility.PRIVATE
                await session.commit()
                fan_out = time.perf_counter() - begun
            fanned = await _logged(runtime) - entries - 1
        await runtime.engine.dispose()

    print(
        f"\n### Data: {options.proposals:,} proposals and as many comments in "
        f"{options.spaces} spaces; {entries:,} change-log entries, "
        f"loaded in {loaded:.1f} s\n"
    )
    report("Sync pages", rows)
    print("\n| full first sync | changes | requests | seconds | changes per second |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for path, seen, requests, seconds in walks:
        rate = seen / seconds
        print(f"| {path} | {seen:,} | {requests} | {seconds:.1f} | {rate:,.0f} |")
    print(
        f"\nMaking one space private logged {fanned:,} entries for its content "
        f"in the same commit, which took {fan_out * 1000:.0f} ms."
    )


def main() -> None:
    asyncio.run(run(_parser().parse_args()))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
