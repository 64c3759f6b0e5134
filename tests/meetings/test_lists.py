"""Meeting lists: periods, filters, order, pages, visibility, constant queries."""

from datetime import timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.meetings import MeetingType
from app.models.spaces import SpaceInterestGroup, SpaceStatus, Visibility
from app.models.taxonomies import Area, InterestGroup, InterestGroupKind, ScopeType
from app.runtime import Runtime
from tests import builders
from tests.api.problems import assert_problem
from tests.builders import Actor, actor
from tests.conftest import QueryCounter
from tests.meetings.conftest import API, Cast, ids, meeting, meetings_component


async def listed(
    client: httpx.AsyncClient, viewer: Actor | None = None, **params: str | int
) -> list[int]:
    response = await client.get(
        f"{API}/meetings", params=params, headers=viewer.headers if viewer else {}
    )
    assert response.status_code == 200, response.text
    return ids(response.json())


class TestPeriods:
    async def test_periods_are_decided_by_start_and_end(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        now = utcnow()
        past = await meeting(session, cast.component, starts_at=now - timedelta(days=3))
        weeks_long = await meeting(
            session,
            cast.component,
            starts_at=now - timedelta(days=14),
            duration=timedelta(days=28),
        )
        today = await meeting(
            session, cast.component, starts_at=now - timedelta(minutes=30)
        )
        coming = await meeting(
            session, cast.component, starts_at=now + timedelta(days=1)
        )

        assert await listed(client, period="upcoming") == [coming.id]
        assert await listed(client, period="ongoing") == [weeks_long.id, today.id]
        assert await listed(client, period="past") == [past.id]
        assert await listed(client) == [weeks_long.id, past.id, today.id, coming.id]


class TestFilters:
    async def test_by_space_and_type(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        other = await meetings_component(session, await builders.space(session))
        here = await meeting(session, cast.component)
        online = await meeting(
            session,
            other,
            type=MeetingType.ONLINE,
            address=None,
            online_url="https://meet.example.org/x",
        )

        assert await listed(client, space_id=cast.space.id) == [here.id]
        assert await listed(client, component_id=other.id) == [online.id]
        assert await listed(client, type="online") == [online.id]

    async def test_a_scope_takes_in_its_descendants_and_the_spaces(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        region = await builders.scope(session, name="Eldorado")
        neighbourhood = await builders.scope(
            session, parent=region, type=ScopeType.NEIGHBOURHOOD
        )
        elsewhere = await builders.scope(session, name="Ressaca")
        in_neighbourhood = await meeting(
            session, cast.component, scope_id=neighbourhood.id
        )
        regional_space = await builders.space(session, scope_id=region.id)
        from_space = await meeting(
            session, await meetings_component(session, regional_space)
        )
        moved_away = await meeting(
            session,
            await meetings_component(session, regional_space),
            scope_id=elsewhere.id,
        )

        found = await listed(client, scope_id=region.id)

        assert sorted(found) == sorted([in_neighbourhood.id, from_space.id])
        assert await listed(client, scope_id=elsewhere.id) == [moved_away.id]

    async def test_by_area_and_interest_group(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        health = Area(name={"pt-BR": "Saúde"})
        youth = InterestGroup(
            code="juventude", kind=InterestGroupKind.POPULATION, name={"pt-BR": "J"}
        )
        session.add_all([health, youth])
        await session.flush()
        youth_space = await builders.space(session)
        session.add(
            SpaceInterestGroup(space_id=youth_space.id, interest_group_id=youth.id)
        )
        await session.flush()
        about_health = await meeting(session, cast.component, area_id=health.id)
        for_youth = await meeting(
            session, await meetings_component(session, youth_space)
        )

        assert await listed(client, area_id=health.id) == [about_health.id]
        assert await listed(client, interest_group_id=youth.id) == [for_youth.id]

    async def test_a_date_range_keeps_meetings_that_overlap_it(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        now = utcnow()
        before = await meeting(
            session, cast.component, starts_at=now + timedelta(days=1)
        )
        inside = await meeting(
            session, cast.component, starts_at=now + timedelta(days=5)
        )
        after = await meeting(
            session, cast.component, starts_at=now + timedelta(days=9)
        )

        found = await listed(
            client,
            starts_from=(now + timedelta(days=3)).isoformat(),
            starts_until=(now + timedelta(days=7)).isoformat(),
        )

        assert found == [inside.id]
        assert before.id not in found and after.id not in found

    async def test_a_range_bound_without_offset_is_422(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        response = await client.get(
            f"{API}/meetings", params={"starts_from": "2030-01-01T00:00:00"}
        )

        assert_problem(response, 422, "validation-error")


class TestPages:
    async def test_pages_follow_the_start_then_the_id(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        start = utcnow() + timedelta(days=2)
        same_start = [
            (await meeting(session, cast.component, starts_at=start)).id
            for _ in range(3)
        ]
        first = (
            await meeting(session, cast.component, starts_at=start - timedelta(hours=1))
        ).id

        page_one = await client.get(f"{API}/meetings", params={"limit": 2})
        page_two = await client.get(
            f"{API}/meetings",
            params={"limit": 2, "cursor": page_one.json()["next_cursor"]},
        )

        assert ids(page_one.json()) == [first, same_start[0]]
        assert ids(page_two.json()) == same_start[1:]
        assert page_two.json()["next_cursor"] is None
        assert 'rel="next"' in page_one.headers["link"]

    async def test_past_meetings_page_latest_first(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        now = utcnow()
        past = [
            (
                await meeting(
                    session, cast.component, starts_at=now - timedelta(days=n)
                )
            ).id
            for n in (9, 7, 5)
        ]

        page_one = await client.get(
            f"{API}/meetings", params={"period": "past", "limit": 2}
        )
        cursor = page_one.json()["next_cursor"]
        page_two = await client.get(
            f"{API}/meetings", params={"period": "past", "limit": 2, "cursor": cursor}
        )

        assert ids(page_one.json()) == [past[2], past[1]]
        assert ids(page_two.json()) == [past[0]]

    async def test_a_forged_cursor_is_422(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"{API}/meetings", params={"cursor": "bm9wZQ"})

        assert_problem(response, 422, "validation-error")


class TestVisibility:
    async def test_private_unpublished_and_draft_meetings_stay_hidden(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        cast: Cast,
    ) -> None:
        private = await builders.space(session, visibility=Visibility.PRIVATE)
        unpublished = await builders.space(session, status=SpaceStatus.DRAFT)
        shown = await meeting(session, cast.component)
        in_private = await meeting(session, await meetings_component(session, private))
        in_draft_space = await meeting(
            session, await meetings_component(session, unpublished)
        )
        in_draft_component = await meeting(
            session, await meetings_component(session, cast.space, published=False)
        )
        draft = await meeting(session, cast.component, published=False)
        member = await actor(session, runtime)
        assert member.user is not None
        await builders.member(session, private, member.user)

        for viewer in (None, cast.participant):
            assert await listed(client, viewer) == [shown.id]
        assert await listed(client, member) == sorted([shown.id, in_private.id])
        assert sorted(await listed(client, cast.space_admin)) == sorted(
            [shown.id, in_draft_component.id, draft.id]
        )
        assert len(await listed(client, cast.org_admin)) == 5
        for hidden in (in_private, in_draft_space, in_draft_component, draft):
            detail = await client.get(
                f"{API}/meetings/{hidden.id}", headers=cast.participant.headers
            )
            assert_problem(detail, 404, "not-found")
        assert in_draft_space.id not in await listed(client, member)


@pytest.mark.parametrize("who", ["anonymous", "participant", "space_admin"])
async def test_a_list_runs_a_constant_number_of_queries(
    client: httpx.AsyncClient,
    session: AsyncSession,
    queries: QueryCounter,
    cast: Cast,
    who: str,
) -> None:
    viewer: Actor = getattr(cast, who)

    async def count(rows: int) -> int:
        component = await meetings_component(session, cast.space)
        for n in range(rows):
            await meeting(
                session, component, starts_at=utcnow() + timedelta(days=n + 1)
            )
        before = queries.count
        response = await client.get(
            f"{API}/meetings",
            params={"component_id": component.id, "limit": 100},
            headers=viewer.headers,
        )
        assert len(response.json()["items"]) == rows
        return queries.count - before

    few = await count(2)
    many = await count(20)

    assert few == many
    assert many <= 3  # the viewer, the page of meetings, the viewer's registrations


def _raw_cursor(values: object) -> str:
    import base64

    import orjson

    return base64.urlsafe_b64encode(orjson.dumps(values)).decode().rstrip("=")


class TestTimesAtTheEndsOfTheCalendar:
    """Times whose shift to UTC overflows are a 422, never a 500."""

    @pytest.mark.parametrize("name", ["starts_from", "starts_until"])
    @pytest.mark.parametrize(
        "moment", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"]
    )
    async def test_a_filter_beyond_the_calendar_is_422(
        self, client: httpx.AsyncClient, name: str, moment: str
    ) -> None:
        response = await client.get(f"{API}/meetings", params={name: moment})

        assert_problem(response, 422, "validation-error")

    @pytest.mark.parametrize(
        "moment",
        [
            "9999-12-31T23:59:59-14:00",
            "0001-01-01T00:00:00+14:00",
            "1066-10-14T09:00:00+00:00",
        ],
    )
    async def test_a_cursor_beyond_the_calendar_is_422(
        self, client: httpx.AsyncClient, moment: str
    ) -> None:
        response = await client.get(
            f"{API}/meetings", params={"cursor": _raw_cursor([moment, 1])}
        )

        assert_problem(response, 422, "validation-error")
        assert response.json()["errors"][0]["code"] == "cursor_malformed"
