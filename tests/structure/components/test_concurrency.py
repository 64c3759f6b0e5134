"""Concurrent writers of page slugs and positions (PostgreSQL: real commits)."""

import asyncio
import random
from typing import Any

import httpx
from sqlalchemy import select

from app.models.components import Component, ComponentType, Page
from app.models.users import UserRole
from app.runtime import Runtime
from tests import builders
from tests.structure.components.conftest import API


async def test_two_pages_racing_for_one_slug_leave_one_and_a_409(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    async with committed_runtime.sessionmaker() as session:
        admin = await builders.user(session, committed_runtime, role=UserRole.ADMIN)
        space = await builders.space(session)
        component = await builders.component(session, space, type=ComponentType.PAGES)
        await session.commit()
    headers = builders.bearer(committed_runtime, admin)
    body = {"slug": "estatuto", "title": {"pt-BR": "Estatuto"}, "body": {}}

    answers = await asyncio.gather(
        *(
            committed_client.post(
                f"{API}/components/{component.id}/pages", json=body, headers=headers
            )
            for _ in range(4)
        )
    )

    assert sorted(answer.status_code for answer in answers) == [201, 409, 409, 409]
    async with committed_runtime.sessionmaker() as session:
        slugs = list(await session.scalars(select(Page.slug)))
    assert slugs == ["estatuto"]


def orders(ids: list[int], count: int) -> list[list[int]]:
    """``count`` distinct shuffles of ``ids``, the same on every run."""
    shuffler = random.Random(7)
    shuffled: list[list[int]] = []
    while len(shuffled) < count:
        order = ids[:]
        shuffler.shuffle(order)
        if order not in shuffled:
            shuffled.append(order)
    return shuffled


async def positions(runtime: Runtime, model: type[Any], **where: int) -> list[int]:
    """Ids in stored order, after checking the positions are 0..n-1."""
    async with runtime.sessionmaker() as session:
        rows = (
            await session.execute(
                select(model.id, model.position)
                .filter_by(**where)
                .order_by(model.position, model.id)
            )
        ).all()
    assert [row.position for row in rows] == list(range(len(rows)))
    return [row.id for row in rows]


async def test_racing_component_reorders_leave_one_of_the_orders_sent(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    async with committed_runtime.sessionmaker() as session:
        admin = await builders.user(session, committed_runtime, role=UserRole.ADMIN)
        space = await builders.space(session)
        components = [await builders.component(session, space) for _ in range(6)]
        await session.commit()
    headers = builders.bearer(committed_runtime, admin)
    sent = orders([component.id for component in components], 10)

    answers = await asyncio.gather(
        *(
            committed_client.put(
                f"{API}/spaces/{space.id}/components/order",
                json={"ids": order},
                headers=headers,
            )
            for order in sent
        )
    )

    assert [answer.status_code for answer in answers] == [200] * 10
    assert await positions(committed_runtime, Component, space_id=space.id) in sent


async def test_racing_page_reorders_leave_one_of_the_orders_sent(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    async with committed_runtime.sessionmaker() as session:
        admin = await builders.user(session, committed_runtime, role=UserRole.ADMIN)
        space = await builders.space(session)
        component = await builders.component(session, space, type=ComponentType.PAGES)
        pages = [
            Page(component_id=component.id, slug=f"p{i}", title={"pt-BR": "P"}, body={})
            for i in range(6)
        ]
        session.add_all(pages)
        await session.commit()
    headers = builders.bearer(committed_runtime, admin)
    sent = orders([page.id for page in pages], 10)

    answers = await asyncio.gather(
        *(
            committed_client.put(
                f"{API}/components/{component.id}/pages/order",
                json={"ids": order},
                headers=headers,
            )
            for order in sent
        )
    )

    assert [answer.status_code for answer in answers] == [200] * 10
    assert await positions(committed_runtime, Page, component_id=component.id) in sent


async def test_racing_component_creations_take_distinct_positions(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    async with committed_runtime.sessionmaker() as session:
        admin = await builders.user(session, committed_runtime, role=UserRole.ADMIN)
        space = await builders.space(session)
        await session.commit()
    headers = builders.bearer(committed_runtime, admin)

    answers = await asyncio.gather(
        *(
            committed_client.post(
                f"{API}/spaces/{space.id}/components",
                json={"type": "posts", "name": {"pt-BR": f"Notícias {i}"}},
                headers=headers,
            )
            for i in range(15)
        )
    )

    assert [answer.status_code for answer in answers] == [201] * 15
    stored = await positions(committed_runtime, Component, space_id=space.id)
    assert sorted(stored) == sorted(answer.json()["id"] for answer in answers)


async def test_racing_page_creations_take_distinct_positions(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    async with committed_runtime.sessionmaker() as session:
        admin = await builders.user(session, committed_runtime, role=UserRole.ADMIN)
        space = await builders.space(session)
        component = await builders.component(session, space, type=ComponentType.PAGES)
        await session.commit()
    headers = builders.bearer(committed_runtime, admin)

    answers = await asyncio.gather(
        *(
            committed_client.post(
                f"{API}/components/{component.id}/pages",
                json={"slug": f"pagina-{i}", "title": {"pt-BR": "Página"}, "body": {}},
                headers=headers,
            )
            for i in range(15)
        )
    )

    assert [answer.status_code for answer in answers] == [201] * 15
    stored = await positions(committed_runtime, Page, component_id=component.id)
    assert sorted(stored) == sorted(answer.json()["id"] for answer in answers)
