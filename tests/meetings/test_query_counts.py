"""Lists and feeds of meetings run the same number of queries whatever their length."""

from collections.abc import Awaitable, Callable
from datetime import timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.meetings import MeetingRegistration, RegistrationStatus
from app.models.spaces import Space
from app.models.users import User
from app.runtime import Runtime
from app.services.calendars import issue_token
from tests import builders
from tests.conftest import QueryCounter
from tests.meetings.conftest import API, Cast, meeting, meetings_component

Fill = Callable[[AsyncSession, Runtime, Cast, int], Awaitable[str]]


async def _space_with_meetings(
    session: AsyncSession, rows: int, registrant: User | None = None
) -> Space:
    space = await builders.space(session)
    component = await meetings_component(session, space)
    for n in range(rows):
        held = await meeting(
            session, component, starts_at=utcnow() + timedelta(days=n + 1)
        )
        if registrant is not None:
            session.add(
                MeetingRegistration(
                    meeting_id=held.id,
                    user_id=registrant.id,
                    status=RegistrationStatus.CONFIRMED,
                    code=f"Q{held.id:07d}",
                )
            )
    await session.flush()
    return space


async def space_feed(
    session: AsyncSession, runtime: Runtime, cast: Cast, rows: int
) -> str:
    space = await _space_with_meetings(session, rows)
    return f"{API}/spaces/{space.id}/meetings.ics"


async def registrations_of_a_meeting(
    session: AsyncSession, runtime: Runtime, cast: Cast, rows: int
) -> str:
    space = await _space_with_meetings(session, 1)
    component = await meetings_component(session, space)
    held = await meeting(session, component)
    for n in range(rows):
        account = await builders.user(session, runtime)
        session.add(
            MeetingRegistration(
                meeting_id=held.id,
                user_id=account.id,
                status=RegistrationStatus.CONFIRMED,
                code=f"R{n:07d}",
                public_participation=True,
            )
        )
    await session.flush()
    return f"{API}/meetings/{held.id}/attendees"


async def personal_feed(
    session: AsyncSession, runtime: Runtime, cast: Cast, rows: int
) -> str:
    registrant = await builders.user(session, runtime)
    await _space_with_meetings(session, rows, registrant)
    token = await issue_token(session, registrant)
    return f"{API}/calendars/{token}.ics"


@pytest.mark.parametrize(
    "fill",
    [space_feed, registrations_of_a_meeting, personal_feed],
    ids=["space-feed", "attendees", "personal-feed"],
)
async def test_a_list_or_feed_runs_a_constant_number_of_queries(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    queries: QueryCounter,
    cast: Cast,
    fill: Fill,
) -> None:
    async def count(rows: int) -> int:
        path = await fill(session, runtime, cast, rows)
        before = queries.count
        # Calendar feeds take no limit: an undocumented parameter is a 422.
        params = {} if path.endswith(".ics") else {"limit": 100}
        response = await client.get(path, params=params)
        assert response.status_code == 200, response.text
        return queries.count - before

    few = await count(2)
    many = await count(20)

    assert few == many
    assert many <= 3
