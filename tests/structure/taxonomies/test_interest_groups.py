"""Interest groups: population groups, sectors and segments."""

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.spaces import SpaceInterestGroup
from app.models.taxonomies import InterestGroupKind
from tests import builders
from tests.api.problems import assert_problem, failing_fields
from tests.builders import Actor
from tests.conftest import QueryCounter
from tests.structure.taxonomies.conftest import API, declare, interest_group


async def test_admin_creates_updates_and_deletes_a_group(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    created = await client.post(
        f"{API}/interest-groups",
        json={"code": "women", "kind": "population", "name": {"pt-BR": "Mulheres"}},
        headers=admin.headers,
    )
    group_id = created.json()["id"]
    updated = await client.patch(
        f"{API}/interest-groups/{group_id}",
        json={"kind": "segment", "name": {"pt-BR": "Mulheres", "en": "Women"}},
        headers=admin.headers,
    )
    deleted = await client.delete(
        f"{API}/interest-groups/{group_id}", headers=admin.headers
    )

    assert created.status_code == 201, created.text
    assert created.json()["code"] == "women"
    assert updated.json()["kind"] == "segment"
    assert updated.json()["name"] == {"pt-BR": "Mulheres", "en": "Women"}
    assert deleted.status_code == 204
    gone = await client.get(f"{API}/interest-groups/{group_id}")
    assert_problem(gone, 404, "not-found")


async def test_a_taken_code_is_a_409(
    client: httpx.AsyncClient, session: AsyncSession, admin: Actor
) -> None:
    taken = await interest_group(session, "youth")
    other = await interest_group(session, "elderly")

    created = await client.post(
        f"{API}/interest-groups",
        json={"code": "youth", "kind": "population", "name": {"pt-BR": "Jovens"}},
        headers=admin.headers,
    )
    renamed = await client.patch(
        f"{API}/interest-groups/{other.id}",
        json={"code": taken.code},
        headers=admin.headers,
    )

    for response in (created, renamed):
        body = assert_problem(response, 409, "conflict")
        assert body["field"] == "code"


async def test_an_unknown_kind_is_a_422(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await client.post(
        f"{API}/interest-groups",
        json={"code": "x", "kind": "tribe", "name": {"pt-BR": "X"}},
        headers=admin.headers,
    )

    body = assert_problem(response, 422, "validation-error")
    assert failing_fields(body) == {"kind"}


async def test_the_list_filters_by_kind(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    women = await interest_group(session, "women")
    commerce = await interest_group(session, "commerce", InterestGroupKind.SECTOR)
    youth = await interest_group(session, "youth")

    populations = await client.get(
        f"{API}/interest-groups", params={"kind": "population", "limit": 100}
    )
    sectors = await client.get(
        f"{API}/interest-groups", params={"kind": "sector", "limit": 100}
    )

    population_ids = [item["id"] for item in populations.json()["items"]]
    assert [i for i in population_ids if i in {women.id, youth.id, commerce.id}] == [
        women.id,
        youth.id,
    ]
    assert commerce.id in [item["id"] for item in sectors.json()["items"]]
    assert women.id not in [item["id"] for item in sectors.json()["items"]]


async def test_a_group_of_a_space_is_in_use(
    client: httpx.AsyncClient, session: AsyncSession, admin: Actor
) -> None:
    group = await interest_group(session, "women")
    space = await builders.space(session)
    session.add(SpaceInterestGroup(space_id=space.id, interest_group_id=group.id))
    await session.flush()

    response = await client.delete(
        f"{API}/interest-groups/{group.id}", headers=admin.headers
    )

    body = assert_problem(response, 409, "conflict")
    assert body["in_use_by"] == ["space_interest_groups"]


async def test_a_declared_group_is_in_use(
    client: httpx.AsyncClient, session: AsyncSession, admin: Actor, participant: Actor
) -> None:
    group = await interest_group(session, "women")
    await declare(session, participant.user, None, (group,))

    response = await client.delete(
        f"{API}/interest-groups/{group.id}", headers=admin.headers
    )

    body = assert_problem(response, 409, "conflict")
    assert body["in_use_by"] == ["user_interest_groups"]
    still = await client.get(f"{API}/interest-groups/{group.id}")
    assert still.status_code == 200


async def test_the_list_runs_the_same_queries_for_2_and_20_groups(
    client: httpx.AsyncClient, session: AsyncSession, queries: QueryCounter
) -> None:
    for serial in range(20):
        await interest_group(session, f"sector{serial}", InterestGroupKind.SECTOR)

    before = queries.count
    few = await client.get(f"{API}/interest-groups", params={"limit": 2})
    middle = queries.count
    many = await client.get(f"{API}/interest-groups", params={"limit": 100})

    assert len(few.json()["items"]) == 2
    assert len(many.json()["items"]) >= 20
    assert middle - before == queries.count - middle
