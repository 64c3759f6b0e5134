"""Concurrent changes to the tree's shape (PostgreSQL: real commits)."""

import asyncio

import httpx
from sqlalchemy import select

from app.models.taxonomies import Scope, ScopeType
from app.models.users import UserRole
from app.runtime import Runtime
from tests import builders
from tests.structure.taxonomies.conftest import API


async def test_crossed_moves_never_make_a_cycle(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    async with committed_runtime.sessionmaker() as session:
        admin = await builders.user(session, committed_runtime, role=UserRole.ADMIN)
        city = await builders.scope(session, type=ScopeType.MUNICIPALITY)
        east = await builders.scope(session, parent=city)
        west = await builders.scope(session, parent=city)
        await session.commit()
    headers = builders.bearer(committed_runtime, admin)

    for _ in range(5):
        answers = await asyncio.gather(
            committed_client.patch(
                f"{API}/scopes/{east.id}", json={"parent_id": west.id}, headers=headers
            ),
            committed_client.patch(
                f"{API}/scopes/{west.id}", json={"parent_id": east.id}, headers=headers
            ),
        )

        assert sorted(answer.status_code for answer in answers) == [200, 422]
        async with committed_runtime.sessionmaker() as session:
            rows = await session.execute(select(Scope.id, Scope.parent_id, Scope.path))
            tree = {row.id: (row.parent_id, row.path) for row in rows}
        for scope_id, (parent_id, path) in tree.items():
            expected = f"{tree[parent_id][1] if parent_id else '/'}{scope_id}/"
            assert path == expected
        restored = await committed_client.patch(
            f"{API}/scopes/{east.id if tree[east.id][0] != city.id else west.id}",
            json={"parent_id": city.id},
            headers=headers,
        )
        assert restored.status_code == 200, restored.text


async def test_a_child_added_during_a_move_follows_its_parent(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    async with committed_runtime.sessionmaker() as session:
        admin = await builders.user(session, committed_runtime, role=UserRole.ADMIN)
        city = await builders.scope(session, type=ScopeType.MUNICIPALITY)
        east = await builders.scope(session, parent=city)
        west = await builders.scope(session, parent=city)
        await session.commit()
    headers = builders.bearer(committed_runtime, admin)

    moved, added = await asyncio.gather(
        committed_client.patch(
            f"{API}/scopes/{east.id}", json={"parent_id": west.id}, headers=headers
        ),
        committed_client.post(
            f"{API}/scopes",
            json={
                "parent_id": east.id,
                "type": "neighbourhood",
                "code": "HOOD",
                "name": {"pt-BR": "Bairro"},
            },
            headers=headers,
        ),
    )

    assert moved.status_code == 200, moved.text
    assert added.status_code == 201, added.text
    async with committed_runtime.sessionmaker() as session:
        path = await session.scalar(
            select(Scope.path).where(Scope.id == added.json()["id"])
        )
    assert path == f"/{city.id}/{west.id}/{east.id}/{added.json()['id']}/"
