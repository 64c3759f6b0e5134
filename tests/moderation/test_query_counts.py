"""The moderators' list runs the same number of queries whatever its length."""

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.comments import Comment
from app.models.moderation import Moderation
from tests.conftest import QueryCounter
from tests.conversation.conftest import API, debate
from tests.moderation.conftest import Crowd


async def _reported(session: AsyncSession, crowd: Crowd, rows: int) -> None:
    """``rows`` reported debates and as many reported comments."""
    stage = crowd.stage
    for n in range(rows):
        talk = await debate(session, stage.component, stage.participant, title=f"D{n}")
        said = Comment(
            resource_type="debate",
            resource_id=talk.id,
            author_id=stage.other.id,
            body=f"C{n}",
        )
        session.add(said)
        await session.flush()
        for kind, target in (("debate", talk.id), ("comment", said.id)):
            session.add(
                Moderation(
                    resource_type=kind,
                    resource_id=target,
                    space_id=stage.space.id,
                    author_id=stage.participant.id,
                    reports_count=1,
                )
            )
    await session.flush()


async def test_the_moderation_list_runs_a_constant_number_of_queries(
    client: httpx.AsyncClient,
    session: AsyncSession,
    queries: QueryCounter,
    crowd: Crowd,
) -> None:
    async def count(rows: int) -> int:
        await _reported(session, crowd, rows)
        before = queries.count
        response = await client.get(
            f"{API}/moderations",
            params={"space_id": crowd.stage.space.id, "limit": 100},
            headers=crowd.moderator.headers,
        )
        assert response.status_code == 200, response.text
        return queries.count - before

    few = await count(2)
    many = await count(20)

    assert few == many
