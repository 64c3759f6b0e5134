"""Races on PostgreSQL: children changing at once leave their parent exact."""

import asyncio

import httpx
from sqlalchemy import select

from app.models.accountability import Result
from app.models.spaces import SpaceRoleName
from app.runtime import Runtime
from tests import builders
from tests.accountability.conftest import API, accountability_component, result

CHILDREN = 10


async def test_ten_children_updated_at_once_give_the_parent_their_mean(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    async with committed_runtime.sessionmaker() as session:
        space = await builders.space(session)
        component = await accountability_component(session, space)
        root = await result(session, component)
        parent = await result(session, component, parent=root)
        children = [
            await result(session, component, parent=parent, progress=0)
            for _ in range(CHILDREN)
        ]
        admin = await builders.user(session, committed_runtime)
        await builders.grant(session, space, admin, SpaceRoleName.ADMIN)
        await session.commit()
    headers = builders.bearer(committed_runtime, admin)
    wanted = [10.0 * (n + 1) for n in range(CHILDREN)]

    answers = await asyncio.gather(
        *(
            committed_client.patch(
                f"{API}/results/{child.id}",
                json={"progress": progress},
                headers=headers,
            )
            for child, progress in zip(children, wanted, strict=True)
        )
    )

    assert [answer.status_code for answer in answers] == [200] * CHILDREN
    async with committed_runtime.sessionmaker() as session:
        stored = await session.get_one(Result, parent.id)
        top = await session.get_one(Result, root.id)
    assert stored.progress == sum(wanted) / CHILDREN == 55
    assert top.progress == 55


async def test_children_created_at_once_are_all_counted(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    async with committed_runtime.sessionmaker() as session:
        space = await builders.space(session)
        component = await accountability_component(session, space)
        parent = await result(session, component)
        admin = await builders.user(session, committed_runtime)
        await builders.grant(session, space, admin, SpaceRoleName.ADMIN)
        await session.commit()
    headers = builders.bearer(committed_runtime, admin)

    answers = await asyncio.gather(
        *(
            committed_client.post(
                f"{API}/components/{component.id}/results",
                json={
                    "title": {"pt-BR": f"Etapa {n}"},
                    "parent_id": parent.id,
                    "progress": 100 if n % 2 else 0,
                },
                headers=headers,
            )
            for n in range(CHILDREN)
        )
    )

    assert [answer.status_code for answer in answers] == [201] * CHILDREN
    async with committed_runtime.sessionmaker() as session:
        stored = await session.get_one(Result, parent.id)
        children = list(
            await session.scalars(select(Result).where(Result.parent_id == parent.id))
        )
    assert stored.children_count == len(children) == CHILDREN
    assert stored.progress == 50
