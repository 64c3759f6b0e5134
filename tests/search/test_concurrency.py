"""Concurrent edits leave one index entry, equal to the content that won."""

import asyncio

import httpx
from sqlalchemy import select

from app.models.components import Post
from app.models.search import SearchDocument
from app.models.spaces import SpaceRoleName
from app.runtime import Runtime
from tests import builders
from tests.search.conftest import API, find, found, post


async def test_concurrent_edits_leave_the_index_equal_to_the_post(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    async with committed_runtime.sessionmaker() as session, session.begin():
        space = await builders.space(session)
        component = await builders.component(session, space)
        news = await post(session, component, "Mutirão")
        team = await builders.actor(
            session, committed_runtime, space=space, space_role=SpaceRoleName.ADMIN
        )
    titles = [f"Edição {word}" for word in ("alfa", "beta", "gama", "delta", "épsilon")]

    responses = await asyncio.gather(
        *(
            committed_client.patch(
                f"{API}/posts/{news.id}",
                json={"title": {"pt-BR": title}, "body": {"pt-BR": f"<p>{title}</p>"}},
                headers=team.headers,
            )
            for title in titles
        )
    )

    assert {response.status_code for response in responses} == {200}
    async with committed_runtime.sessionmaker() as session:
        final = await session.scalar(select(Post.title).where(Post.id == news.id))
        entries = (
            await session.scalars(
                select(SearchDocument.title).where(
                    SearchDocument.resource_type == "post",
                    SearchDocument.resource_id == news.id,
                )
            )
        ).all()
    assert entries == [final]
    winner = final["pt-BR"].split()[-1]
    body = await find(committed_client, builders.ANONYMOUS, winner)
    assert found(body) == [("post", news.id)]
    for title in titles:
        loser = title.split()[-1]
        if loser != winner:
            assert found(await find(committed_client, builders.ANONYMOUS, loser)) == []
