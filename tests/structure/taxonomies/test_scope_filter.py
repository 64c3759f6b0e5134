"""scope_filter: the one condition every domain filters scope_id with."""

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.spaces import Space
from app.models.taxonomies import Scope, ScopeType
from app.services.taxonomies import scope_filter
from tests import builders
from tests.builders import Actor
from tests.structure.taxonomies.conftest import API


async def spaces_in(session: AsyncSession, scope_id: int) -> set[int]:
    rows = await session.scalars(
        select(Space.id).where(scope_filter(Space.scope_id, scope_id))
    )
    return set(rows)


async def test_a_scope_includes_content_of_its_descendants(
    session: AsyncSession,
) -> None:
    city = await builders.scope(session, type=ScopeType.MUNICIPALITY)
    east = await builders.scope(session, parent=city)
    west = await builders.scope(session, parent=city)
    hood = await builders.scope(session, parent=east, type=ScopeType.NEIGHBOURHOOD)
    in_city = await builders.space(session, scope_id=city.id)
    in_east = await builders.space(session, scope_id=east.id)
    in_hood = await builders.space(session, scope_id=hood.id)
    in_west = await builders.space(session, scope_id=west.id)
    await builders.space(session)

    assert await spaces_in(session, city.id) == {
        in_city.id,
        in_east.id,
        in_hood.id,
        in_west.id,
    }
    assert await spaces_in(session, east.id) == {in_east.id, in_hood.id}
    assert await spaces_in(session, hood.id) == {in_hood.id}
    assert await spaces_in(session, west.id) == {in_west.id}


async def test_an_unknown_scope_matches_nothing(session: AsyncSession) -> None:
    scope = await builders.scope(session)
    await builders.space(session, scope_id=scope.id)
    await builders.space(session)

    assert await spaces_in(session, 999_999) == set()


async def test_a_scope_whose_id_extends_another_is_not_its_descendant(
    session: AsyncSession,
) -> None:
    """Scope 7 must not take in scope 70: paths end with a slash."""
    scope = await builders.scope(session)
    lookalike = await builders.scope(session)
    lookalike.path = f"/{scope.id}0/"
    await session.flush()
    inside = await builders.space(session, scope_id=scope.id)
    await builders.space(session, scope_id=lookalike.id)

    assert await spaces_in(session, scope.id) == {inside.id}


async def test_the_filter_does_not_correlate_with_an_outer_scopes_query(
    session: AsyncSession,
) -> None:
    city = await builders.scope(session, type=ScopeType.MUNICIPALITY)
    east = await builders.scope(session, parent=city)
    outsider = await builders.scope(session)

    rows = list(
        await session.scalars(
            select(Scope.id).where(scope_filter(Scope.id, city.id)).order_by(Scope.id)
        )
    )

    assert rows == [city.id, east.id]
    assert outsider.id not in rows


async def test_the_filter_follows_a_move(
    session: AsyncSession, client: httpx.AsyncClient, admin: Actor
) -> None:
    city = await builders.scope(session, type=ScopeType.MUNICIPALITY)
    east = await builders.scope(session, parent=city)
    west = await builders.scope(session, parent=city)
    hood = await builders.scope(session, parent=east, type=ScopeType.NEIGHBOURHOOD)
    in_hood = await builders.space(session, scope_id=hood.id)

    moved = await client.patch(
        f"{API}/scopes/{hood.id}", json={"parent_id": west.id}, headers=admin.headers
    )

    assert moved.status_code == 200, moved.text
    assert await spaces_in(session, east.id) == set()
    assert await spaces_in(session, west.id) == {in_hood.id}
    assert await spaces_in(session, city.id) == {in_hood.id}
