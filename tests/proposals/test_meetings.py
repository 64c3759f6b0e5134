"""Proposals born in a meeting: named by the meeting, listed for its minutes."""

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.components import Component
from tests.api.problems import assert_problem
from tests.meetings.conftest import meeting, meetings_component
from tests.proposals.conftest import API, Cast, draft_body


async def from_meeting(
    client: httpx.AsyncClient, component: Component, cast: Cast, meeting_id: int
) -> int:
    created = await client.post(
        f"{API}/components/{component.id}/proposals",
        json=draft_body(author_kind="meeting", meeting_id=meeting_id),
        headers=cast.space_admin.headers,
    )
    assert created.status_code == 201, created.text
    proposal_id: int = created.json()["id"]
    return proposal_id


async def test_the_minutes_list_the_published_proposals_born_in_the_meeting(
    client: httpx.AsyncClient,
    session: AsyncSession,
    cast: Cast,
    component: Component,
) -> None:
    plenary = await meeting(session, await meetings_component(session, cast.space))
    first = await from_meeting(client, component, cast, plenary.id)
    second = await from_meeting(client, component, cast, plenary.id)
    still_draft = await from_meeting(client, component, cast, plenary.id)
    for proposal_id in (first, second):
        published = await client.post(
            f"{API}/proposals/{proposal_id}/publish",
            headers=cast.space_admin.headers,
        )
        assert published.status_code == 200, published.text

    path = f"{API}/meetings/{plenary.id}/proposals"
    page = await client.get(path, params={"limit": 1})
    rest = await client.get(
        path, params={"limit": 1, "cursor": page.json()["next_cursor"]}
    )
    team = await client.get(path, headers=cast.space_admin.headers)

    assert [item["id"] for item in page.json()["items"]] == [first]
    assert [item["id"] for item in rest.json()["items"]] == [second]
    assert rest.json()["next_cursor"] is None
    assert page.json()["items"][0]["reference"].startswith("CTG-PROP-")
    assert [item["id"] for item in team.json()["items"]] == [
        first,
        second,
        still_draft,
    ]


async def test_an_unpublished_meeting_has_no_proposals_to_show(
    client: httpx.AsyncClient, session: AsyncSession, cast: Cast
) -> None:
    hidden = await meeting(
        session, await meetings_component(session, cast.space), published=False
    )

    response = await client.get(f"{API}/meetings/{hidden.id}/proposals")

    assert_problem(response, 404, "not-found")
