"""Votes and surveys closing soon in the home feed: budgets whose voting phase
ends within a week and surveys whose last day is near, in followed spaces or
the participant's region, while they still take votes or answers."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.budgets import Budget
from app.models.follows import Follow
from app.models.spaces import Phase, Space, Visibility
from app.models.surveys import Survey
from app.models.taxonomies import ResidentDeclaration, ScopeType
from app.runtime import Runtime
from tests import builders
from tests.budgets.conftest import CLOSED, OPEN, budgets_component, make_budget
from tests.conftest import QueryCounter
from tests.mobile.conftest import MOBILE, Scene
from tests.surveys.conftest import survey, surveys_component

FEED = f"{MOBILE}/feed"
EXPECTED_FEED_QUERIES = 7
"""Statements one request runs, whatever the number of votes and surveys shown."""


def today(runtime: Runtime) -> date:
    return datetime.now(ZoneInfo(runtime.settings.time_zone)).date()


async def phase_ending(session: AsyncSession, space: Space, last_day: date) -> Phase:
    phase = Phase(
        space_id=space.id,
        position=1,
        title={"pt-BR": "Votação"},
        start_date=last_day - timedelta(days=30),
        end_date=last_day,
        active=True,
    )
    session.add(phase)
    await session.flush()
    return phase


async def followed_space(session: AsyncSession, scene: Scene) -> Space:
    space = await builders.space(session)
    session.add(
        Follow(
            user_id=scene.participant.id, resource_type="space", resource_id=space.id
        )
    )
    await session.flush()
    return space


async def vote(
    session: AsyncSession, space: Space, last_day: date, *, open_: bool = True
) -> Budget:
    await phase_ending(session, space, last_day)
    component = await budgets_component(
        session, space, switches=OPEN if open_ else CLOSED
    )
    return await make_budget(session, component)


async def poll(
    session: AsyncSession, space: Space, last_day: date, **fields: object
) -> Survey:
    component = await surveys_component(session, space)
    return await survey(session, component, questions=[], closes_on=last_day, **fields)


def closing(body: dict[str, object]) -> list[tuple[str, int]]:
    found = []
    for item in body["items"]:  # type: ignore[attr-defined]
        if item["reason"] == "closing_soon":
            kind = "budget" if item["budget"] else "survey"
            found.append((kind, item[kind]["id"]))
    return found


async def test_votes_and_surveys_closing_soon_lead_the_feed(
    client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime, scene: Scene
) -> None:
    day = today(runtime)
    soon = await vote(
        session, await followed_space(session, scene), day + timedelta(days=3)
    )
    later = await vote(
        session, await followed_space(session, scene), day + timedelta(days=20)
    )
    region = await builders.scope(session, type=ScopeType.REGIONAL)
    session.add(ResidentDeclaration(user_id=scene.participant.id, scope_id=region.id))
    local = await builders.space(session)
    local.scope_id = region.id
    asked = await poll(session, local, day + timedelta(days=1))
    await poll(session, local, day + timedelta(days=30))
    await builders.proposal(
        session, scene.proposals, None
    )  # not followed: not in the feed

    answer = await client.get(FEED, headers=scene.participant.headers)

    body = answer.json()
    assert answer.status_code == 200
    assert closing(body) == [("budget", soon.id), ("survey", asked.id)]
    first = body["items"][0]
    assert first["budget"]["voting_open"] is True
    assert first["budget"]["viewer"]["project_ids"] == []
    assert later.id not in [i["budget"]["id"] for i in body["items"] if i["budget"]]


async def test_what_takes_no_votes_or_answers_stays_out(
    client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime, scene: Scene
) -> None:
    day = today(runtime)
    await vote(
        session,
        await followed_space(session, scene),
        day + timedelta(days=2),
        open_=False,
    )
    space = await followed_space(session, scene)
    await poll(session, space, day - timedelta(days=1))
    await poll(session, space, day + timedelta(days=2), published=False)
    shut = await surveys_component(session, space, allow_answers=False)
    await survey(session, shut, questions=[], closes_on=day + timedelta(days=2))

    answer = await client.get(FEED, headers=scene.participant.headers)

    assert closing(answer.json()) == []


async def test_a_private_space_keeps_its_votes_out_of_the_feed(
    client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime, scene: Scene
) -> None:
    day = today(runtime)
    space = await followed_space(session, scene)
    await vote(session, space, day + timedelta(days=2))
    await poll(session, space, day + timedelta(days=2))
    space.visibility = Visibility.PRIVATE
    await session.flush()

    answer = await client.get(FEED, headers=scene.participant.headers)

    assert closing(answer.json()) == []


async def test_pages_of_closing_items_neither_repeat_nor_skip(
    client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime, scene: Scene
) -> None:
    last_day = today(runtime) + timedelta(days=4)
    space = await followed_space(session, scene)
    await phase_ending(session, space, last_day)
    component = await budgets_component(session, space)
    budgets = [await make_budget(session, component) for _ in range(3)]
    surveys = [await poll(session, space, last_day) for _ in range(2)]

    seen: list[tuple[str, int]] = []
    cursor = None
    for _ in range(6):
        params: dict[str, object] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        body = (
            await client.get(FEED, params=params, headers=scene.participant.headers)
        ).json()
        seen += closing(body)
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert sorted(seen) == sorted(
        [("budget", b.id) for b in budgets] + [("survey", s.id) for s in surveys]
    )
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize("rows", [2, 20])
async def test_the_feed_runs_the_same_queries_whatever_it_holds(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    scene: Scene,
    queries: QueryCounter,
    rows: int,
) -> None:
    last_day = today(runtime) + timedelta(days=2)
    space = await followed_space(session, scene)
    await phase_ending(session, space, last_day)
    component = await budgets_component(session, space)
    polls = await surveys_component(session, space)
    for _ in range(rows):
        await make_budget(session, component)
        await survey(session, polls, questions=[], closes_on=last_day)
    queries.statements.clear()

    body = (
        await client.get(FEED, params={"limit": 100}, headers=scene.participant.headers)
    ).json()

    assert len(body["items"]) == 2 * rows
    assert queries.count == EXPECTED_FEED_QUERIES
