"""The online link: shown to whom it is meant for, and only near the start."""

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.meetings import (
    LinkVisibility,
    Meeting,
    MeetingRegistration,
    MeetingType,
    RegistrationStatus,
)
from tests.meetings.conftest import API, Cast, meeting

LINK = "https://meet.example.org/plenaria"


async def online(
    session: AsyncSession, cast: Cast, starts_in: timedelta, **fields: Any
) -> Meeting:
    return await meeting(
        session,
        cast.component,
        starts_at=utcnow() + starts_in,
        type=MeetingType.HYBRID,
        online_url=LINK,
        **fields,
    )


async def link_seen(
    client: httpx.AsyncClient, meeting_id: int, headers: dict[str, str]
) -> str | None:
    response = await client.get(f"{API}/meetings/{meeting_id}", headers=headers)
    assert response.status_code == 200, response.text
    link: str | None = response.json()["online_url"]
    return link


async def test_the_link_is_hidden_until_the_configured_minutes_before(
    client: httpx.AsyncClient, session: AsyncSession, cast: Cast
) -> None:
    soon = await online(session, cast, timedelta(minutes=5))
    later = await online(session, cast, timedelta(minutes=30))

    assert await link_seen(client, soon.id, {}) == LINK
    assert await link_seen(client, later.id, {}) is None
    detail = (await client.get(f"{API}/meetings/{later.id}")).json()
    assert detail["online_url_from"] is not None


async def test_the_space_team_always_sees_the_link(
    client: httpx.AsyncClient, session: AsyncSession, cast: Cast
) -> None:
    later = await online(session, cast, timedelta(days=3))

    assert await link_seen(client, later.id, cast.space_admin.headers) == LINK


async def test_a_signed_in_link_is_hidden_from_anonymous_readers(
    client: httpx.AsyncClient, session: AsyncSession, cast: Cast
) -> None:
    soon = await online(
        session, cast, timedelta(minutes=1), link_visibility=LinkVisibility.SIGNED_IN
    )

    assert await link_seen(client, soon.id, {}) is None
    assert await link_seen(client, soon.id, cast.participant.headers) == LINK


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        (None, False),
        (RegistrationStatus.WAITING, False),
        (RegistrationStatus.CONFIRMED, True),
    ],
)
async def test_a_registered_link_is_for_confirmed_registrations(
    client: httpx.AsyncClient,
    session: AsyncSession,
    cast: Cast,
    status: RegistrationStatus | None,
    shown: bool,
) -> None:
    soon = await online(
        session, cast, timedelta(minutes=1), link_visibility=LinkVisibility.REGISTERED
    )
    if status is not None:
        session.add(
            MeetingRegistration(
                meeting_id=soon.id,
                user_id=cast.participant.id,
                status=status,
                code="ABCDEFGH",
            )
        )
        await session.flush()

    seen = await link_seen(client, soon.id, cast.participant.headers)

    assert seen == (LINK if shown else None)


async def test_an_in_person_meeting_has_no_link_time(
    client: httpx.AsyncClient, session: AsyncSession, cast: Cast
) -> None:
    held = await meeting(session, cast.component)

    detail = (await client.get(f"{API}/meetings/{held.id}")).json()

    assert detail["online_url"] is None
    assert detail["online_url_from"] is None
