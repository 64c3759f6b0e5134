"""The public list of spaces: filters, order, pagination, query count."""

from datetime import timedelta

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.spaces import SpaceInterestGroup, SpaceKind
from app.models.taxonomies import Area, ScopeType
from tests import builders
from tests.api.problems import assert_problem
from tests.conftest import QueryCounter
from tests.structure.spaces.conftest import API, TODAY, interest_group


async def listed(client: AsyncClient, **params: object) -> list[int]:
    response = await client.get(f"{API}/spaces", params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_scope_filter_includes_descendants_and_nothing_else(
    client: AsyncClient, session: AsyncSession
):
    city = await builders.scope(session, type=ScopeType.MUNICIPALITY)
    regional = await builders.scope(session, parent=city)
    neighbourhood = await builders.scope(
        session, parent=regional, type=ScopeType.NEIGHBOURHOOD
    )
    other_regional = await builders.scope(session, parent=city)
    in_regional = await builders.space(session, scope_id=regional.id)
    in_neighbourhood = await builders.space(session, scope_id=neighbourhood.id)
    in_other = await builders.space(session, scope_id=other_regional.id)
    in_city = await builders.space(session, scope_id=city.id)
    await builders.space(session)

    regional_ids = await listed(client, scope_id=regional.id)
    city_ids = await listed(client, scope_id=city.id)
    leaf_ids = await listed(client, scope_id=neighbourhood.id)
    unknown_ids = await listed(client, scope_id=987654)

    assert sorted(regional_ids) == sorted([in_regional.id, in_neighbourhood.id])
    assert sorted(city_ids) == sorted(
        [in_regional.id, in_neighbourhood.id, in_other.id, in_city.id]
    )
    assert leaf_ids == [in_neighbourhood.id]
    assert unknown_ids == []


async def test_area_and_interest_group_filters(
    client: AsyncClient, session: AsyncSession
):
    health = Area(name={"pt-BR": "Saúde"})
    session.add(health)
    await session.flush()
    youth = await interest_group(session, "juventude")
    women = await interest_group(session, "mulheres")
    about_health = await builders.space(session)
    about_health.area_id = health.id
    for_youth = await builders.space(session)
    for_both = await builders.space(session)
    session.add_all(
        [
            SpaceInterestGroup(space_id=for_youth.id, interest_group_id=youth.id),
            SpaceInterestGroup(space_id=for_both.id, interest_group_id=youth.id),
            SpaceInterestGroup(space_id=for_both.id, interest_group_id=women.id),
        ]
    )
    await session.flush()

    by_area = await listed(client, area_id=health.id)
    by_youth = await listed(client, interest_group_id=youth.id)
    by_women = await listed(client, interest_group_id=women.id)
    detail = await client.get(f"{API}/spaces/{for_both.id}")

    assert by_area == [about_health.id]
    assert sorted(by_youth) == sorted([for_youth.id, for_both.id])
    assert by_women == [for_both.id]
    assert detail.json()["interest_group_ids"] == sorted([youth.id, women.id])


async def test_kind_filter(client: AsyncClient, session: AsyncSession):
    process = await builders.space(session, kind=SpaceKind.PROCESS)
    assembly = await builders.space(session, kind=SpaceKind.ASSEMBLY)
    channel = await builders.space(session, kind=SpaceKind.CHANNEL)

    results = {kind: await listed(client, kind=kind) for kind in SpaceKind}

    assert results == {
        SpaceKind.PROCESS: [process.id],
        SpaceKind.ASSEMBLY: [assembly.id],
        SpaceKind.CHANNEL: [channel.id],
    }


async def test_status_follows_the_dates_against_today(
    client: AsyncClient, session: AsyncSession, fixed_today
):
    day = timedelta(days=1)
    upcoming = await builders.space(session, start_date=TODAY + day)
    starts_today = await builders.space(session, start_date=TODAY)
    ends_today = await builders.space(
        session, start_date=TODAY - 10 * day, end_date=TODAY
    )
    undated = await builders.space(session)
    open_ended = await builders.space(session, start_date=TODAY - day)
    no_start = await builders.space(session, end_date=TODAY + day)
    ended = await builders.space(
        session, start_date=TODAY - 9 * day, end_date=TODAY - day
    )

    upcoming_ids = await listed(client, status="upcoming")
    active_ids = await listed(client, status="active")
    past_ids = await listed(client, status="past")

    assert upcoming_ids == [upcoming.id]
    assert sorted(active_ids) == sorted(
        [starts_today.id, ends_today.id, undated.id, open_ended.id, no_start.id]
    )
    assert past_ids == [ended.id]


async def test_an_unknown_status_is_422(client: AsyncClient):
    response = await client.get(f"{API}/spaces", params={"status": "draft"})

    assert_problem(response, 422, "validation-error")


async def test_text_search_looks_in_every_locale_of_the_title(
    client: AsyncClient, session: AsyncSession
):
    plan = await builders.space(session, title="Plano Plurianual Participativo")
    plan.title = {"pt-BR": "Plano Plurianual Participativo", "en": "Multi-year plan"}
    health = await builders.space(session, title="Conselho de Saúde")
    percent = await builders.space(session, title="Meta de 100% das escolas")
    await session.flush()

    by_portuguese = await listed(client, q="plurianual")
    by_english = await listed(client, q="MULTI-YEAR")
    by_accent = await listed(client, q="Saúde")
    by_locale_key = await listed(client, q="en")
    by_wildcard = await listed(client, q="%")

    assert by_portuguese == [plan.id]
    assert by_english == [plan.id]
    assert by_accent == [health.id]
    assert by_locale_key == []
    assert by_wildcard == [percent.id]


async def test_order_is_latest_start_first_then_undated(
    client: AsyncClient, session: AsyncSession
):
    older = await builders.space(session, start_date=TODAY - timedelta(days=30))
    undated = await builders.space(session)
    newer = await builders.space(session, start_date=TODAY)
    same_day = await builders.space(session, start_date=TODAY)

    ids = await listed(client)

    assert ids == [same_day.id, newer.id, older.id, undated.id]


async def test_pages_cover_every_space_once(client: AsyncClient, session: AsyncSession):
    dates = [None, TODAY, TODAY - timedelta(days=3), None, TODAY]
    created = [
        await builders.space(session, start_date=dates[index % len(dates)])
        for index in range(23)
    ]
    expected = await listed(client, limit=100)

    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, object] = {"limit": 5}
        if cursor:
            params["cursor"] = cursor
        response = await client.get(f"{API}/spaces", params=params)
        body = response.json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            assert "link" not in response.headers
            break
        assert f"cursor={cursor}" in response.headers["link"]

    assert pages == 5
    assert seen == expected
    assert sorted(seen) == sorted(space.id for space in created)


async def test_a_malformed_cursor_is_422(client: AsyncClient):
    responses = [
        await client.get(f"{API}/spaces", params={"cursor": cursor})
        for cursor in ("garbage!", "WyJub3QtYS1kYXRlIiwgMV0", "WzEsIDJd")
    ]

    for response in responses:
        assert_problem(response, 422, "validation-error")


async def test_the_list_runs_a_constant_number_of_queries(
    client: AsyncClient, session: AsyncSession, queries: QueryCounter
):
    youth = await interest_group(session, "juventude-contagem")

    async def count_for(total: int) -> int:
        for _ in range(total):
            space = await builders.space(session)
            await builders.component(session, space)
            session.add(
                SpaceInterestGroup(space_id=space.id, interest_group_id=youth.id)
            )
        await session.flush()
        before = queries.count
        response = await client.get(f"{API}/spaces", params={"limit": 100})
        assert response.status_code == 200
        return queries.count - before

    with_2 = await count_for(2)
    with_20 = await count_for(18)

    assert with_2 == with_20
