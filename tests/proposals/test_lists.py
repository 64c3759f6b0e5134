"""Proposal lists: filters, sorts, pages that never repeat or skip, query counts."""

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.components import Component
from app.models.proposals import ProposalInterestGroup, ProposalStatus
from app.models.spaces import SpaceKind
from app.models.taxonomies import Area, InterestGroup, InterestGroupKind
from tests import builders
from tests.api.problems import assert_problem
from tests.builders import Actor
from tests.conftest import QueryCounter
from tests.proposals.conftest import API, Cast, ids, proposals_component


async def listed(
    client: httpx.AsyncClient,
    component: Component,
    who: Actor | None = None,
    **params: Any,
) -> list[int]:
    response = await client.get(
        f"{API}/components/{component.id}/proposals",
        params={"limit": 100, **params},
        headers=who.headers if who else {},
    )
    assert response.status_code == 200, response.text
    return ids(response.json())


async def every_page(
    client: httpx.AsyncClient, component: Component, **params: Any
) -> list[int]:
    """The ids of all pages of two, following next_cursor to the end."""
    seen: list[int] = []
    cursor = None
    for _ in range(50):
        query = {"limit": 2, **params}
        if cursor:
            query["cursor"] = cursor
        response = await client.get(
            f"{API}/components/{component.id}/proposals", params=query
        )
        assert response.status_code == 200, response.text
        seen += ids(response.json())
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError("the pages never ended")


class TestFilters:
    async def test_default_leaves_out_drafts_and_withdrawn(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        component: Component,
    ) -> None:
        published = await builders.proposal(session, component, cast.author.user)
        withdrawn = await builders.proposal(
            session,
            component,
            cast.author.user,
            status=ProposalStatus.WITHDRAWN,
            withdrawn_at=utcnow(),
        )
        draft = await builders.proposal(
            session, component, cast.author.user, draft=True
        )

        assert await listed(client, component) == [published.id]
        assert await listed(client, component, state="withdrawn") == [withdrawn.id]
        assert await listed(client, component, cast.author, state="draft") == [draft.id]
        assert await listed(client, component, cast.participant, state="draft") == []

    async def test_by_answer_state(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        component: Component,
    ) -> None:
        accepted = await builders.proposal(
            session,
            component,
            cast.author.user,
            answer_state="accepted",
            answer_published_at=utcnow(),
        )
        pending = await builders.proposal(
            session, component, cast.author.user, answer_state="accepted"
        )

        assert await listed(client, component, state="accepted") == [accepted.id]
        assert await listed(client, component, state="not_answered") == [pending.id]

    async def test_an_unknown_state_is_422_and_a_custom_one_filters(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        custom = await proposals_component(
            session,
            cast.space,
            custom_answer_states=[
                {
                    "token": "em_obras",
                    "title": {"pt-BR": "Em obras"},
                    "colour": "#ff8800",
                }
            ],
        )
        building = await builders.proposal(
            session,
            custom,
            cast.author.user,
            answer_state="em_obras",
            answer_published_at=utcnow(),
        )
        path = f"{API}/components/{custom.id}/proposals"

        bogus = await client.get(path, params={"state": "bogus"})
        foreign = await client.get(
            f"{API}/components/{(await proposals_component(session, cast.space)).id}"
            "/proposals",
            params={"state": "em_obras"},
        )

        body = assert_problem(bogus, 422, "validation-error")
        assert [(e["field"], e["location"]) for e in body["errors"]] == [
            ("state", "query")
        ]
        assert_problem(foreign, 422, "validation-error")
        assert await listed(client, custom, state="em_obras") == [building.id]
        for state in ("evaluating", "accepted", "rejected", "withdrawn", "draft"):
            assert await listed(client, custom, state=state) == []

    async def test_by_scope_with_descendants(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        component: Component,
    ) -> None:
        region = await builders.scope(session)
        neighbourhood = await builders.scope(session, parent=region)
        elsewhere = await builders.scope(session)
        inside = await builders.proposal(
            session, component, cast.author.user, scope_id=neighbourhood.id
        )
        await builders.proposal(
            session, component, cast.author.user, scope_id=elsewhere.id
        )

        assert await listed(client, component, scope_id=region.id) == [inside.id]

    async def test_by_area_and_interest_group(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        component: Component,
    ) -> None:
        area = Area(name={"pt-BR": "Saúde"})
        group = InterestGroup(
            code="mulheres", kind=InterestGroupKind.POPULATION, name={"pt-BR": "M"}
        )
        session.add_all([area, group])
        await session.flush()
        themed = await builders.proposal(
            session, component, cast.author.user, area_id=area.id
        )
        grouped = await builders.proposal(session, component, cast.author.user)
        session.add(
            ProposalInterestGroup(proposal_id=grouped.id, interest_group_id=group.id)
        )
        await session.flush()

        assert await listed(client, component, area_id=area.id) == [themed.id]
        assert await listed(client, component, interest_group_id=group.id) == [
            grouped.id
        ]

    async def test_mine_supported_and_text(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        component: Component,
    ) -> None:
        mine = await builders.proposal(
            session, component, cast.author.user, title="Ciclovia na Avenida João César"
        )
        theirs = await builders.proposal(
            session, component, cast.participant.user, title="Creche 100% nova"
        )
        response = await client.post(
            f"{API}/proposals/{theirs.id}/supports", headers=cast.author.headers
        )
        assert response.status_code == 201

        assert await listed(client, component, cast.author, mine="true") == [mine.id]
        assert await listed(client, component, cast.author, supported="true") == [
            theirs.id
        ]
        assert await listed(client, component, q="JOÃO") == [mine.id]
        assert await listed(client, component, q="100%") == [theirs.id]
        assert await listed(client, component, q="%") == [theirs.id]
        anonymous_mine = await client.get(
            f"{API}/components/{component.id}/proposals", params={"mine": "true"}
        )
        assert_problem(anonymous_mine, 401, "unauthenticated")


class TestSorts:
    @pytest.fixture
    async def tied(
        self, session: AsyncSession, cast: Cast, component: Component
    ) -> list[int]:
        """Seven proposals sharing publication times, counts and answer times."""
        moment = utcnow() - timedelta(hours=1)
        created = []
        for n in range(7):
            created.append(
                await builders.proposal(
                    session,
                    component,
                    cast.author.user,
                    published_at=moment - timedelta(minutes=n // 3),
                    supports_count=n % 2,
                    comments_count=n % 3,
                    answer_state="accepted" if n % 2 else "not_answered",
                    answer_published_at=moment if n % 2 else None,
                )
            )
        return [proposal.id for proposal in created]

    @pytest.mark.parametrize(
        "sort",
        ["recent", "most_supported", "most_commented", "random", "recently_answered"],
    )
    async def test_pages_never_repeat_or_skip(
        self,
        client: httpx.AsyncClient,
        component: Component,
        tied: list[int],
        sort: str,
    ) -> None:
        whole = await listed(client, component, sort=sort, seed=7)

        paged = await every_page(client, component, sort=sort, seed=7)

        assert paged == whole
        assert sorted(paged) == sorted(tied)

    async def test_own_drafts_page_without_a_publication_time(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        component: Component,
    ) -> None:
        drafts = [
            await builders.proposal(session, component, cast.author.user, draft=True)
            for _ in range(5)
        ]
        seen: list[int] = []
        cursor = None
        for _ in range(3):
            params: dict[str, Any] = {"limit": 2, "state": "draft"}
            if cursor:
                params["cursor"] = cursor
            response = await client.get(
                f"{API}/components/{component.id}/proposals",
                params=params,
                headers=cast.author.headers,
            )
            seen += ids(response.json())
            cursor = response.json()["next_cursor"]

        assert cursor is None
        assert seen == [draft.id for draft in reversed(drafts)]

    async def test_each_order(
        self,
        client: httpx.AsyncClient,
        component: Component,
        tied: list[int],
    ) -> None:
        a, b, c, d, e, f, g = tied

        assert await listed(client, component, sort="recent") == [c, b, a, f, e, d, g]
        assert await listed(client, component, sort="most_supported") == [
            f,
            d,
            b,
            g,
            e,
            c,
            a,
        ]
        assert await listed(client, component, sort="most_commented") == [
            f,
            c,
            e,
            b,
            g,
            d,
            a,
        ]
        assert await listed(client, component, sort="recently_answered") == [
            f,
            d,
            b,
            g,
            e,
            c,
            a,
        ]

    async def test_random_follows_its_seed(
        self,
        client: httpx.AsyncClient,
        component: Component,
        tied: list[int],
    ) -> None:
        one = await listed(client, component, sort="random", seed=1)
        same = await listed(client, component, sort="random", seed=1)
        other = await listed(client, component, sort="random", seed=2)

        assert one == same
        assert sorted(one) == sorted(other) == sorted(tied)
        assert one != other

    async def test_a_cursor_of_another_sort_is_422(
        self,
        client: httpx.AsyncClient,
        component: Component,
        tied: list[int],
    ) -> None:
        first = await client.get(
            f"{API}/components/{component.id}/proposals", params={"limit": 2}
        )

        response = await client.get(
            f"{API}/components/{component.id}/proposals",
            params={
                "limit": 2,
                "sort": "most_supported",
                "cursor": first.json()["next_cursor"],
            },
        )

        assert_problem(response, 422, "validation-error")


class TestQueryCounts:
    @pytest.mark.parametrize("who", ["anonymous", "participant"])
    async def test_a_list_runs_a_constant_number_of_queries(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        queries: QueryCounter,
        cast: Cast,
        who: str,
    ) -> None:
        viewer: Actor = getattr(cast, who)
        counts = []
        for rows in (2, 20):
            component = await proposals_component(session, cast.space)
            group = InterestGroup(
                code=f"g{rows}", kind=InterestGroupKind.SECTOR, name={"pt-BR": "G"}
            )
            session.add(group)
            await session.flush()
            for _ in range(rows):
                proposal = await builders.proposal(session, component, cast.author.user)
                session.add(
                    ProposalInterestGroup(
                        proposal_id=proposal.id, interest_group_id=group.id
                    )
                )
            await session.flush()

            before = queries.count
            found = await listed(client, component, viewer, sort="most_supported")
            counts.append(queries.count - before)
            assert len(found) == rows

        assert counts[0] == counts[1]
        # viewer, component, page, interest groups, co-authors (+ own supports)
        assert counts[1] == (4 if who == "anonymous" else 6)


async def test_the_demand_queue_runs_a_constant_number_of_queries(
    client: httpx.AsyncClient,
    session: AsyncSession,
    queries: QueryCounter,
    cast: Cast,
) -> None:
    cast.space.kind = SpaceKind.CHANNEL
    await session.flush()
    counts = []
    for rows in (2, 20):
        component = await proposals_component(session, cast.space)
        for n in range(rows):
            await builders.proposal(
                session,
                component,
                cast.author.user,
                due_at=utcnow() + timedelta(days=n),
            )

        before = queries.count
        response = await client.get(
            f"{API}/components/{component.id}/demands",
            params={"limit": 100},
            headers=cast.space_admin.headers,
        )
        counts.append(queries.count - before)
        assert len(response.json()["items"]) == rows

    assert counts[0] == counts[1]
    # viewer, component, space, roles, active phase, page, groups, co-authors,
    # own supports
    assert counts[1] == 9


@pytest.mark.parametrize("sort", ["recent", "recently_answered"])
@pytest.mark.parametrize(
    "moment", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"]
)
async def test_a_cursor_time_beyond_the_calendar_is_422(
    client: httpx.AsyncClient, component: Component, sort: str, moment: str
) -> None:
    import base64

    import orjson

    raw = orjson.dumps([sort, 0, moment, 1])
    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")

    response = await client.get(
        f"{API}/components/{component.id}/proposals",
        params={"sort": sort, "cursor": cursor},
    )

    assert_problem(response, 422, "validation-error")
    assert response.json()["errors"][0]["code"] == "cursor_malformed"
