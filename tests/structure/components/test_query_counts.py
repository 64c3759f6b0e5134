"""Every list runs the same number of queries whatever its length."""

from collections.abc import Awaitable, Callable

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.components import Component
from app.models.spaces import SpaceRoleName
from tests import builders
from tests.builders import Actor
from tests.conftest import QueryCounter
from tests.structure.components.conftest import (
    API,
    Cast,
    page,
    pages_component,
    phase,
    post,
    posts_component,
)

COLLABORATOR = SpaceRoleName.COLLABORATOR
Fill = Callable[[AsyncSession, Cast, int], Awaitable[str]]


async def components_of_a_space(session: AsyncSession, cast: Cast, rows: int) -> str:
    space = await builders.space(session)
    assert cast.collaborator.user is not None
    await builders.grant(session, space, cast.collaborator.user, COLLABORATOR)
    active = await phase(session, space, position=1, active=True)
    for n in range(rows):
        component: Component = await builders.component(
            session, space, published=n % 2 == 0
        )
        component.phase_switches = {str(active.id): {"votes_enabled": True}}
    await session.flush()
    return f"{API}/spaces/{space.id}/components"


async def posts_of_a_component(session: AsyncSession, cast: Cast, rows: int) -> str:
    component = await posts_component(session, cast.space)
    for _ in range(rows):
        await post(session, component)
    return f"{API}/components/{component.id}/posts"


async def pages_of_a_component(session: AsyncSession, cast: Cast, rows: int) -> str:
    component = await pages_component(session, cast.space)
    for n in range(rows):
        await page(session, component, slug=f"pagina-{n}", position=n)
    return f"{API}/components/{component.id}/pages"


async def count_queries(
    client: httpx.AsyncClient, queries: QueryCounter, path: str, viewer: Actor
) -> int:
    before = queries.count
    response = await client.get(path, params={"limit": 100}, headers=viewer.headers)
    assert response.status_code == 200, response.text
    assert response.json()["items"]
    return queries.count - before


@pytest.mark.parametrize(
    "fill",
    [components_of_a_space, posts_of_a_component, pages_of_a_component],
    ids=["components", "posts", "pages"],
)
@pytest.mark.parametrize("who", ["anonymous", "participant", "collaborator"])
async def test_a_list_runs_a_constant_number_of_queries(
    client: httpx.AsyncClient,
    session: AsyncSession,
    queries: QueryCounter,
    cast: Cast,
    fill: Fill,
    who: str,
) -> None:
    short = await fill(session, cast, 2)
    long = await fill(session, cast, 20)
    viewer = getattr(cast, who)

    few = await count_queries(client, queries, short, viewer)
    many = await count_queries(client, queries, long, viewer)

    assert few == many
    assert many <= 3  # the viewer, the container, the page of rows
