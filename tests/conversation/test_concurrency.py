"""Concurrent writers of endorsements, comments and votes (PostgreSQL: real commits).

Stored counters must equal the rows they count whatever the interleaving.
"""

import asyncio
from dataclasses import dataclass

import httpx
from sqlalchemy import func, select

from app.models.comments import Comment, CommentVote
from app.models.debates import Debate
from app.models.endorsements import Endorsement
from app.models.events import OutboxEvent
from app.models.follows import Follow
from app.models.users import User
from app.runtime import Runtime
from tests import builders
from tests.conversation.conftest import API, debates_component


@dataclass
class Scene:
    debate_id: int
    author: dict[str, str]
    people: list[dict[str, str]]


async def scene(runtime: Runtime, people: int) -> Scene:
    async with runtime.sessionmaker() as session:
        space = await builders.space(session)
        component = await debates_component(session, space)
        author = await builders.user(session, runtime)
        others = [await builders.user(session, runtime) for _ in range(people)]
        debate = Debate(
            component_id=component.id,
            author_id=author.id,
            title={"pt-BR": "Praça"},
            description={},
            conclusions={},
        )
        session.add(debate)
        await session.commit()
        return Scene(
            debate.id,
            builders.bearer(runtime, author),
            [builders.bearer(runtime, user) for user in others],
        )


async def counted(runtime: Runtime, debate_id: int) -> tuple[int, int, int, int]:
    """(comments_count, live comment rows, endorsements_count, endorsement rows)."""
    async with runtime.sessionmaker() as session:
        debate = await session.get_one(Debate, debate_id)
        comments = await session.scalar(
            select(func.count()).where(
                Comment.resource_id == debate_id, Comment.deleted_at.is_(None)
            )
        )
        endorsements = await session.scalar(
            select(func.count()).where(Endorsement.resource_id == debate_id)
        )
        return (
            debate.comments_count,
            int(comments or 0),
            debate.endorsements_count,
            int(endorsements or 0),
        )


async def count_events(runtime: Runtime, event_type: str) -> int:
    async with runtime.sessionmaker() as session:
        found = await session.scalar(
            select(func.count()).where(OutboxEvent.event_type == event_type)
        )
        return int(found or 0)


def target(debate_id: int) -> dict[str, str | int]:
    return {"resource_type": "debate", "resource_id": debate_id}


async def test_one_user_endorsing_20_times_at_once_endorses_once(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    stage = await scene(committed_runtime, 1)
    [headers] = stage.people

    answers = await asyncio.gather(
        *(
            committed_client.post(
                f"{API}/endorsements", json=target(stage.debate_id), headers=headers
            )
            for _ in range(20)
        )
    )

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] * 19 + [201]
    assert await counted(committed_runtime, stage.debate_id) == (0, 0, 1, 1)
    assert await count_events(committed_runtime, "endorsement.created") == 1


async def test_20_users_endorsing_at_once_count_20(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    stage = await scene(committed_runtime, 20)

    answers = await asyncio.gather(
        *(
            committed_client.post(
                f"{API}/endorsements", json=target(stage.debate_id), headers=headers
            )
            for headers in stage.people
        )
    )

    assert [answer.status_code for answer in answers] == [201] * 20
    assert await counted(committed_runtime, stage.debate_id) == (0, 0, 20, 20)


async def test_endorsing_and_withdrawing_at_once_keeps_the_count_exact(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    stage = await scene(committed_runtime, 10)
    for headers in stage.people[:5]:
        await committed_client.post(
            f"{API}/endorsements", json=target(stage.debate_id), headers=headers
        )

    await asyncio.gather(
        *(
            committed_client.delete(
                f"{API}/endorsements", params=target(stage.debate_id), headers=headers
            )
            for headers in stage.people[:5] * 2
        ),
        *(
            committed_client.post(
                f"{API}/endorsements", json=target(stage.debate_id), headers=headers
            )
            for headers in stage.people[5:] * 2
        ),
    )

    assert await counted(committed_runtime, stage.debate_id) == (0, 0, 5, 5)


async def test_20_comments_at_once_count_20(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    stage = await scene(committed_runtime, 20)

    answers = await asyncio.gather(
        *(
            committed_client.post(
                f"{API}/comments",
                json={**target(stage.debate_id), "body": "Sim"},
                headers=headers,
            )
            for headers in stage.people
        )
    )

    assert [answer.status_code for answer in answers] == [201] * 20
    assert await counted(committed_runtime, stage.debate_id) == (20, 20, 0, 0)


async def test_comments_and_deletions_at_once_keep_the_count_exact(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    stage = await scene(committed_runtime, 10)
    made = []
    for headers in stage.people:
        response = await committed_client.post(
            f"{API}/comments",
            json={**target(stage.debate_id), "body": "Primeiro"},
            headers=headers,
        )
        made.append((response.json()["id"], headers))

    await asyncio.gather(
        *(
            committed_client.delete(f"{API}/comments/{comment_id}", headers=headers)
            for comment_id, headers in made * 3
        ),
        *(
            committed_client.post(
                f"{API}/comments",
                json={**target(stage.debate_id), "body": "Segundo"},
                headers=headers,
            )
            for headers in stage.people
        ),
    )

    assert await counted(committed_runtime, stage.debate_id) == (10, 10, 0, 0)


async def test_one_user_voting_20_times_at_once_votes_once(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    stage = await scene(committed_runtime, 1)
    comment = await committed_client.post(
        f"{API}/comments",
        json={**target(stage.debate_id), "body": "Votem"},
        headers=stage.author,
    )
    comment_id = comment.json()["id"]
    [headers] = stage.people

    answers = await asyncio.gather(
        *(
            committed_client.put(
                f"{API}/comments/{comment_id}/vote",
                json={"direction": "up" if n % 2 else "down"},
                headers=headers,
            )
            for n in range(20)
        )
    )

    assert [answer.status_code for answer in answers] == [200] * 20
    async with committed_runtime.sessionmaker() as session:
        votes = list(
            await session.scalars(
                select(CommentVote.value).where(CommentVote.comment_id == comment_id)
            )
        )
        stored = await session.get_one(Comment, comment_id)
        assert len(votes) == 1
        assert (stored.up_votes, stored.down_votes) == (
            (1, 0) if votes[0] == 1 else (0, 1)
        )


async def test_one_user_following_10_times_at_once_follows_once(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    stage = await scene(committed_runtime, 1)
    [headers] = stage.people

    answers = await asyncio.gather(
        *(
            committed_client.post(
                f"{API}/me/follows", json=target(stage.debate_id), headers=headers
            )
            for _ in range(10)
        )
    )

    assert sorted(answer.status_code for answer in answers) == [200] * 9 + [201]
    async with committed_runtime.sessionmaker() as session:
        follows = await session.scalar(
            select(func.count())
            .select_from(Follow)
            .join(User, User.id == Follow.user_id)
            .where(Follow.resource_type == "debate")
        )
    assert follows == 1
