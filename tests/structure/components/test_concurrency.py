"""Concurrent writers of page slugs (PostgreSQL: real commits)."""

import asyncio

import httpx
from sqlalchemy import select

from app.models.components import ComponentType, Page
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
