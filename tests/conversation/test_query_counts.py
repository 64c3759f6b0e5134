"""Every list of the conversation runs the same number of queries at any length."""

from collections.abc import Awaitable, Callable

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.comments import Comment, CommentVote
from app.models.endorsements import Endorsement
from app.models.follows import Follow
from app.runtime import Runtime
from tests import builders
from tests.builders import Actor, actor
from tests.conftest import QueryCounter
from tests.conversation.conftest import API, Stage, debate, debates_component

Params = dict[str, str | int]
Fill = Callable[[AsyncSession, Runtime, Stage, int], Awaitable[tuple[str, Params]]]


async def debates_of_a_component(
    session: AsyncSession, runtime: Runtime, stage: Stage, rows: int
) -> tuple[str, Params]:
    component = await debates_component(session, stage.space)
    for _ in range(rows):
        await debate(session, component, stage.participant)
    return f"{API}/components/{component.id}/debates", {}


async def _comments(
    session: AsyncSession, runtime: Runtime, stage: Stage, rows: int, *, replies: bool
) -> tuple[Comment, int]:
    """``rows`` comments by different authors, each voted by ``stage.other``."""
    target = await debate(session, stage.component, stage.participant)
    root = Comment(
        resource_type="debate",
        resource_id=target.id,
        author_id=stage.participant.id,
        body="Raiz",
    )
    session.add(root)
    await session.flush()
    for _ in range(rows):
        author = await actor(session, runtime)
        comment = Comment(
            resource_type="debate",
            resource_id=target.id,
            parent_id=root.id if replies else None,
            depth=1 if replies else 0,
            author_id=author.id,
            body="Oi",
        )
        session.add(comment)
        await session.flush()
        session.add(CommentVote(comment_id=comment.id, user_id=stage.other.id, value=1))
    await session.flush()
    return root, target.id


async def comments_of_a_debate(
    session: AsyncSession, runtime: Runtime, stage: Stage, rows: int
) -> tuple[str, Params]:
    _, debate_id = await _comments(session, runtime, stage, rows, replies=False)
    return f"{API}/comments", {"resource_type": "debate", "resource_id": debate_id}


async def replies_of_a_comment(
    session: AsyncSession, runtime: Runtime, stage: Stage, rows: int
) -> tuple[str, Params]:
    root, _ = await _comments(session, runtime, stage, rows, replies=True)
    return f"{API}/comments/{root.id}/replies", {}


async def endorsers_of_a_debate(
    session: AsyncSession, runtime: Runtime, stage: Stage, rows: int
) -> tuple[str, Params]:
    target = await debate(session, stage.component, stage.participant)
    for _ in range(rows):
        endorser = await actor(session, runtime)
        session.add(
            Endorsement(
                resource_type="debate", resource_id=target.id, user_id=endorser.id
            )
        )
    await session.flush()
    return f"{API}/endorsements", {"resource_type": "debate", "resource_id": target.id}


async def my_follows(
    session: AsyncSession, runtime: Runtime, stage: Stage, rows: int
) -> tuple[str, Params]:
    follower = stage.other
    for n in range(rows):
        space = await builders.space(session)
        session.add(
            Follow(user_id=follower.id, resource_type="space", resource_id=space.id)
        )
        if n % 2 == 0:
            target = await debate(session, stage.component, stage.participant)
            session.add(
                Follow(
                    user_id=follower.id, resource_type="debate", resource_id=target.id
                )
            )
    await session.flush()
    return f"{API}/me/follows", {}


async def count_queries(
    client: httpx.AsyncClient,
    queries: QueryCounter,
    path: str,
    params: Params,
    viewer: Actor,
) -> int:
    before = queries.count
    response = await client.get(
        path,
        params={**params, "limit": 100},
        headers=viewer.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["items"]
    return queries.count - before


@pytest.mark.parametrize(
    ("fill", "at_most"),
    [
        (debates_of_a_component, 3),
        (comments_of_a_debate, 4),
        (replies_of_a_comment, 5),
        (endorsers_of_a_debate, 3),
    ],
    ids=["debates", "comments", "replies", "endorsers"],
)
@pytest.mark.parametrize("who", ["anonymous", "other"])
async def test_a_list_runs_a_constant_number_of_queries(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    queries: QueryCounter,
    stage: Stage,
    fill: Fill,
    at_most: int,
    who: str,
) -> None:
    short = await fill(session, runtime, stage, 2)
    long = await fill(session, runtime, stage, 20)
    viewer = getattr(stage, who)

    few = await count_queries(client, queries, *short, viewer)
    many = await count_queries(client, queries, *long, viewer)

    assert few == many
    assert many <= at_most


async def test_my_follows_run_a_constant_number_of_queries(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    queries: QueryCounter,
    stage: Stage,
) -> None:
    path, params = await my_follows(session, runtime, stage, 2)
    few = await count_queries(client, queries, path, params, stage.other)
    await my_follows(session, runtime, stage, 20)
    many = await count_queries(client, queries, path, params, stage.other)

    assert few == many == 2  # the viewer, the page of follows
