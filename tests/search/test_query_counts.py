"""A page of hits costs the same queries whatever it holds, and so does indexing."""

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.comments import Comment
from tests import builders
from tests.conftest import QueryCounter
from tests.search.conftest import Stage, find


async def test_a_search_runs_a_constant_number_of_queries(
    client: httpx.AsyncClient,
    session: AsyncSession,
    stage: Stage,
    queries: QueryCounter,
) -> None:
    async def cost(word: str, rows: int) -> int:
        for number in range(rows):
            await builders.proposal(
                session, stage.proposals, stage.author.user, title=f"{word} {number}"
            )
        before = queries.count
        body = await find(client, stage.anonymous, word, limit=50)
        assert len(body["items"]) == rows
        return queries.count - before

    assert await cost("biblioteca", 2) == await cost("ginasio", 20)


async def test_indexing_a_flush_runs_a_constant_number_of_queries(
    session: AsyncSession, stage: Stage, queries: QueryCounter
) -> None:
    author = stage.author.user
    assert author is not None
    proposal = await builders.proposal(session, stage.proposals, author)

    async def cost(rows: int) -> int:
        before = len(queries.statements)
        session.add_all(
            Comment(
                resource_type="proposal",
                resource_id=proposal.id,
                author_id=author.id,
                body=f"Comentário {number}",
            )
            for number in range(rows)
        )
        await session.flush()
        statements = queries.statements[before:]
        return sum("search_" in statement for statement in statements)

    assert await cost(2) == await cost(20)
