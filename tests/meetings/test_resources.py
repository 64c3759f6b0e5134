"""Meetings as a resource kind: comments, follows and the timeline hang on them."""

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFoundError
from app.models.base import utcnow
from app.models.meetings import Meeting
from app.services.resources import get_readable, kind_names
from tests.meetings.conftest import API, Cast, meeting


async def test_meeting_is_a_registered_kind_with_the_meetings_read_rule(
    session: AsyncSession, cast: Cast
) -> None:
    shown = await meeting(session, cast.component)
    draft = await meeting(session, cast.component, published=False)

    found = await get_readable(session, None, "meeting", shown.id)

    assert "meeting" in kind_names()
    assert found.id == shown.id
    with pytest.raises(NotFoundError):
        await get_readable(session, cast.participant.user, "meeting", draft.id)
    team = await get_readable(session, cast.space_admin.user, "meeting", draft.id)
    assert team.id == draft.id


async def test_the_timeline_shows_a_published_meeting_not_a_draft(
    client: httpx.AsyncClient, session: AsyncSession, cast: Cast
) -> None:
    draft = await meeting(session, cast.component, published=False)
    await client.post(
        f"{API}/meetings/{draft.id}/cancel",
        json={"reason": "Adiada"},
        headers=cast.space_admin.headers,
    )
    shown = await meeting(session, cast.component, published=False)
    await client.post(
        f"{API}/meetings/{shown.id}/publish", headers=cast.space_admin.headers
    )

    response = await client.get(f"{API}/spaces/{cast.space.id}/timeline")

    items = response.json()["items"]
    assert [(item["action"], item["object_id"]) for item in items] == [
        ("meeting.published", shown.id)
    ]


async def test_comments_on_a_published_meeting_are_counted_on_it(
    client: httpx.AsyncClient, session: AsyncSession, cast: Cast
) -> None:
    shown = await meeting(session, cast.component)
    withdrawn = await meeting(session, cast.component, withdrawn_at=utcnow())

    def about(target: Meeting) -> dict[str, object]:
        return {"resource_type": "meeting", "resource_id": target.id}

    asked = await client.post(
        f"{API}/comments",
        json={**about(shown), "body": "Haverá tradução em Libras?"},
        headers=cast.participant.headers,
    )
    answered = await client.post(
        f"{API}/comments/{asked.json()['id']}/replies",
        json={"body": "Sim, haverá."},
        headers=cast.space_admin.headers,
    )
    on_withdrawn = await client.post(
        f"{API}/comments",
        json={**about(withdrawn), "body": "E agora?"},
        headers=cast.participant.headers,
    )
    detail = await client.get(f"{API}/meetings/{shown.id}")

    assert (asked.status_code, answered.status_code) == (201, 201), asked.text
    assert on_withdrawn.status_code == 409, on_withdrawn.text
    assert detail.json()["comments_count"] == 2
