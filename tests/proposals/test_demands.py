"""Demands in a channel: deadlines, overdue flags, satisfaction, queue, report."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.components import Component
from app.models.proposals import Proposal
from app.models.spaces import SpaceKind, SpaceRoleName
from app.models.taxonomies import Area
from app.runtime import Runtime
from app.services.proposals import deadline
from tests import builders
from tests.api.problems import assert_problem
from tests.builders import Actor, actor
from tests.proposals.conftest import API, Cast, draft_body, ids, proposals_component

ZONE = ZoneInfo("America/Sao_Paulo")


@pytest.fixture
async def channel(session: AsyncSession, runtime: Runtime, cast: Cast) -> Cast:
    """Talk to the Mayor: a channel whose demands are due in 3 days."""
    space = await builders.space(session, kind=SpaceKind.CHANNEL)
    return Cast(
        space=space,
        anonymous=cast.anonymous,
        author=cast.author,
        participant=cast.participant,
        space_admin=await actor(
            session, runtime, space=space, space_role=SpaceRoleName.ADMIN
        ),
        evaluator=await actor(
            session, runtime, space=space, space_role=SpaceRoleName.EVALUATOR
        ),
        org_admin=cast.org_admin,
    )


@pytest.fixture
async def desk(session: AsyncSession, channel: Cast) -> Component:
    return await proposals_component(session, channel.space, answer_deadline_days=3)


async def answered(
    session: AsyncSession,
    desk: Component,
    author: Actor,
    *,
    after: timedelta,
    **values: object,
) -> Proposal:
    published_at = utcnow() - timedelta(days=10)
    return await builders.proposal(
        session,
        desk,
        author.user,
        published_at=published_at,
        answer_state="accepted",
        answered_at=published_at + after,
        answer_published_at=published_at + after,
        **values,
    )


class TestDeadline:
    async def test_a_published_demand_is_due_at_the_end_of_its_last_local_day(
        self, client: httpx.AsyncClient, channel: Cast, desk: Component
    ) -> None:
        draft = await client.post(
            f"{API}/components/{desk.id}/proposals",
            json=draft_body(),
            headers=channel.author.headers,
        )

        published = await client.post(
            f"{API}/proposals/{draft.json()['id']}/publish",
            headers=channel.author.headers,
        )

        today = utcnow().astimezone(ZONE).date()
        expected = datetime.combine(
            today + timedelta(days=4), datetime.min.time(), ZONE
        )
        body = published.json()
        assert datetime.fromisoformat(body["due_at"]) == expected
        assert body["overdue"] is False

    async def test_a_proposal_outside_a_channel_has_no_deadline(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        process = await proposals_component(session, cast.space, answer_deadline_days=3)
        draft = await client.post(
            f"{API}/components/{process.id}/proposals",
            json=draft_body(),
            headers=cast.author.headers,
        )

        published = await client.post(
            f"{API}/proposals/{draft.json()['id']}/publish",
            headers=cast.author.headers,
        )

        assert published.json()["due_at"] is None

    async def test_overdue_until_answered(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        channel: Cast,
        desk: Component,
    ) -> None:
        late = await builders.proposal(
            session, desk, channel.author.user, due_at=utcnow() - timedelta(hours=1)
        )
        late_but_answered = await answered(
            session,
            desk,
            channel.author,
            after=timedelta(days=5),
            due_at=utcnow() - timedelta(days=6),
        )

        first = await client.get(f"{API}/proposals/{late.id}")
        second = await client.get(f"{API}/proposals/{late_but_answered.id}")

        assert first.json()["overdue"] is True
        assert second.json()["overdue"] is False


class TestSatisfaction:
    async def test_the_author_rates_an_answered_demand(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        channel: Cast,
        desk: Component,
    ) -> None:
        demand = await answered(session, desk, channel.author, after=timedelta(days=1))
        path = f"{API}/proposals/{demand.id}/satisfaction"

        rated = await client.post(
            path, json={"score": 4}, headers=channel.author.headers
        )
        by_other = await client.post(
            path, json={"score": 1}, headers=channel.participant.headers
        )
        out_of_range = await client.post(
            path, json={"score": 6}, headers=channel.author.headers
        )

        assert rated.status_code == 200, rated.text
        assert rated.json()["satisfaction"] == 4
        assert_problem(by_other, 403, "forbidden")
        assert_problem(out_of_range, 422, "validation-error")

    async def test_an_unanswered_demand_is_not_rated(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        channel: Cast,
        desk: Component,
    ) -> None:
        demand = await builders.proposal(
            session,
            desk,
            channel.author.user,
            answer_state="evaluating",
            answer_published_at=utcnow(),
        )

        response = await client.post(
            f"{API}/proposals/{demand.id}/satisfaction",
            json={"score": 5},
            headers=channel.author.headers,
        )

        assert_problem(response, 409, "conflict")


class TestQueue:
    async def test_overdue_first_then_by_deadline_then_without_one(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        channel: Cast,
        desk: Component,
    ) -> None:
        now = utcnow()
        soon = await builders.proposal(
            session, desk, channel.author.user, due_at=now + timedelta(days=1)
        )
        undated = await builders.proposal(session, desk, channel.author.user)
        overdue = await builders.proposal(
            session, desk, channel.author.user, due_at=now - timedelta(days=2)
        )
        later = await builders.proposal(
            session, desk, channel.author.user, due_at=now + timedelta(days=2)
        )
        await answered(session, desk, channel.author, after=timedelta(days=1))
        path = f"{API}/components/{desk.id}/demands"

        whole = await client.get(path, headers=channel.evaluator.headers)
        first = await client.get(
            path, params={"limit": 2}, headers=channel.space_admin.headers
        )
        second = await client.get(
            path,
            params={"limit": 2, "cursor": first.json()["next_cursor"]},
            headers=channel.space_admin.headers,
        )
        refused = await client.get(path, headers=channel.participant.headers)

        expected = [overdue.id, soon.id, later.id, undated.id]
        assert ids(whole.json()) == expected
        assert whole.json()["items"][0]["overdue"] is True
        assert ids(first.json()) + ids(second.json()) == expected
        assert second.json()["next_cursor"] is None
        assert_problem(refused, 403, "forbidden")

    async def test_a_component_outside_a_channel_has_no_queue(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        component: Component,
    ) -> None:
        await builders.proposal(session, component, cast.author.user)

        response = await client.get(
            f"{API}/components/{component.id}/demands",
            headers=cast.space_admin.headers,
        )

        body = assert_problem(response, 422, "validation-error")
        assert body["detail"] == "Demand queues are for channel spaces."
        assert [(e["field"], e["location"]) for e in body["errors"]] == [
            ("component_id", "path")
        ]


class TestReport:
    async def test_figures_per_area(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        channel: Cast,
        desk: Component,
    ) -> None:
        health = Area(name={"pt-BR": "Saúde"})
        session.add(health)
        await session.flush()
        await answered(
            session,
            desk,
            channel.author,
            after=timedelta(hours=10),
            area_id=health.id,
            satisfaction=5,
        )
        await answered(
            session,
            desk,
            channel.author,
            after=timedelta(hours=30),
            area_id=health.id,
            satisfaction=2,
        )
        await answered(
            session,
            desk,
            channel.author,
            after=timedelta(hours=20),
            area_id=health.id,
        )
        await builders.proposal(
            session,
            desk,
            channel.author.user,
            area_id=health.id,
            due_at=utcnow() - timedelta(days=1),
        )
        await builders.proposal(session, desk, channel.author.user)
        await builders.proposal(session, desk, channel.author.user, draft=True)

        response = await client.get(
            f"{API}/spaces/{channel.space.id}/demands/report",
            headers=channel.space_admin.headers,
        )

        assert response.status_code == 200, response.text
        report = response.json()
        assert report["rows"] == [
            {
                "area_id": health.id,
                "received": 4,
                "answered": 3,
                "overdue": 1,
                "median_hours_to_answer": 20.0,
                "mean_satisfaction": 3.5,
            },
            {
                "area_id": None,
                "received": 1,
                "answered": 0,
                "overdue": 0,
                "median_hours_to_answer": None,
                "mean_satisfaction": None,
            },
        ]
        assert report["total"]["received"] == 5
        assert report["total"]["answered"] == 3

    async def test_participants_get_403_and_processes_422(
        self, client: httpx.AsyncClient, channel: Cast, cast: Cast
    ) -> None:
        refused = await client.get(
            f"{API}/spaces/{channel.space.id}/demands/report",
            headers=channel.participant.headers,
        )
        not_channel = await client.get(
            f"{API}/spaces/{cast.space.id}/demands/report",
            headers=cast.org_admin.headers,
        )

        assert_problem(refused, 403, "forbidden")
        assert_problem(not_channel, 422, "validation-error")


@pytest.mark.parametrize(
    ("published", "due"),
    [
        ("2026-05-04T23:30:00-03:00", "2026-05-08T00:00:00-03:00"),
        ("2026-05-05T00:10:00-03:00", "2026-05-09T00:00:00-03:00"),
    ],
    ids=["just-before-local-midnight", "just-after-local-midnight"],
)
def test_the_deadline_counts_local_days(published: str, due: str) -> None:
    local = datetime.fromisoformat(published).astimezone(ZONE)

    assert deadline(local, 3) == datetime.fromisoformat(due)
