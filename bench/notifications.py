"""Notifications: fan-out of one event to many followers, and the inbox.

Fills a scratch database with ``--followers`` accounts following one proposal
and ``--inbox`` notifications for one of them, then times the fan-out of
comment events (one transaction each, as a worker runs it) and the inbox's
first page and unread count through the service.
"""

import asyncio
import sys
import time
from typing import Any

from sqlalchemy import insert

from app.models.base import utcnow
from app.models.components import Component, ComponentType
from app.models.follows import Follow
from app.models.notifications import Notification
from app.models.proposals import AuthorKind, Proposal, ProposalStatus
from app.models.spaces import Space, SpaceKind, SpaceStatus, Visibility
from app.models.users import User, UserRole
from app.runtime import Runtime
from app.services.outbox import Envelope
from bench.common import (
    Timing,
    arguments,
    build_service,
    measure,
    report,
    report_rates,
    scratch_database,
)


def progress(message: str) -> None:
    sys.stderr.write(f"{message}\n")


def _users(count: int) -> list[dict[str, Any]]:
    now = utcnow()
    return [
        {
            "email": f"bench{n}@example.org",
            "email_normalized": f"bench{n}@example.org",
            "name": f"Bench {n}",
            "nickname": f"bench_{n}",
            "password_hash": "-",
            "role": UserRole.PARTICIPANT,
            "confirmed_at": now,
            "locale": "pt-BR",
        }
        for n in range(count)
    ]


async def load(runtime: Runtime, followers: int, inbox: int) -> tuple[Any, ...]:
    async with runtime.sessionmaker() as session:
        space = Space(
            kind=SpaceKind.PROCESS,
            slug="bench",
            title={"pt-BR": "Bench"},
            status=SpaceStatus.PUBLISHED,
            published_at=utcnow(),
            visibility=Visibility.PUBLIC,
        )
        session.add(space)
        await session.flush()
        component = Component(
            space_id=space.id,
            type=ComponentType.PROPOSALS,
            name={"pt-BR": "Propostas"},
            published_at=utcnow(),
            settings={},
            default_switches={},
        )
        session.add(component)
        await session.flush()
        ids = list(
            await session.scalars(
                insert(User).returning(User.id), _users(followers + 1)
            )
        )
        proposal = Proposal(
            component_id=component.id,
            author_kind=AuthorKind.USER,
            author_id=ids[0],
            title={"pt-BR": "Proposta popular"},
            body={"pt-BR": "<p>Texto</p>"},
            search_text="proposta popular",
            status=ProposalStatus.PUBLISHED,
            published_at=utcnow(),
        )
        session.add(proposal)
        await session.flush()
        await session.execute(
            insert(Follow),
            [
                {
                    "user_id": user_id,
                    "resource_type": "proposal",
                    "resource_id": proposal.id,
                }
                for user_id in ids[1:]
            ],
        )
        await session.execute(
            insert(Notification),
            [
                {
                    "event_id": -n - 1,
                    "user_id": ids[1],
                    "event_type": "comment.created",
                    "resource_type": "proposal",
                    "resource_id": proposal.id,
                    "space_id": space.id,
                    "title": {"pt-BR": "Novo comentário"},
                    "body": {"pt-BR": "Proposta popular"},
                    "url": "http://bench/proposals/1",
                    "in_inbox": True,
                }
                for n in range(inbox)
            ],
        )
        await session.commit()
        reader = await session.get_one(User, ids[1])
    return space.id, proposal.id, ids[0], reader


async def time_fanout(
    runtime: Runtime, space_id: int, proposal_id: int, actor_id: int, events: int
) -> float:
    """Notifications written per second over ``events`` fan-outs."""
    started = time.perf_counter()
    for n in range(events):
        event = Envelope(
            10_000_000 + n,
            "comment.created",
            {
                "resource_type": "proposal",
                "resource_id": proposal_id,
                "space_id": space_id,
                "author_id": actor_id,
                "parent_author_id": None,
            },
            utcnow(),
        )
        await runtime.notifier(event)
    return time.perf_counter() - started


async def run(options: Any) -> None:
    async with scratch_database(options.database_url, keep=options.keep) as url:
        runtime, client = build_service(url)
        progress(f"loading {options.followers} followers, {options.inbox} in an inbox")
        space_id, proposal_id, actor_id, reader = await load(
            runtime, options.followers, options.inbox
        )
        headers = {
            "Authorization": "Bearer "
            + runtime.tokens.issue(reader.id, reader.token_version)
        }

        async def page() -> None:
            response = await client.get("/api/v1/me/notifications", headers=headers)
            assert response.status_code == 200, response.text

        async def unread() -> None:
            response = await client.get(
                "/api/v1/me/notifications/unread-count", headers=headers
            )
            assert response.status_code == 200, response.text

        timings: list[Timing] = [
            await measure("inbox, first page of 25", page, options.repeat),
            await measure("unread count", unread, options.repeat),
        ]
        report(f"Inbox of {options.inbox} notifications", [(t, None) for t in timings])

        progress(f"fanning out {options.events} events")
        seconds = await time_fanout(
            runtime, space_id, proposal_id, actor_id, options.events
        )
        written = options.events * options.followers
        per_event = seconds / options.events * 1000
        print(
            f"\n### Fan-out to {options.followers} followers "
            f"({per_event:.0f} ms per event)\n"
        )
        report_rates(
            [("notifications written (with push events)", written / seconds, None)]
        )
        await client.aclose()
        await runtime.engine.dispose()


def main() -> None:
    parser = arguments(__doc__ or "")
    parser.add_argument("--followers", type=int, default=5000)
    parser.add_argument("--inbox", type=int, default=20000)
    parser.add_argument("--events", type=int, default=5)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
