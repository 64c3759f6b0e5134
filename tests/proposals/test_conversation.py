"""What hangs on proposals: comments, endorsements, follows and attachments."""

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.components import Component
from app.models.proposals import Proposal
from tests.api.problems import assert_problem
from tests.attachments.conftest import phone_photo, upload
from tests.proposals.conftest import (
    API,
    OPEN,
    Cast,
    draft_body,
    proposals_component,
)


async def drafted(client: httpx.AsyncClient, component: Component, cast: Cast) -> int:
    response = await client.post(
        f"{API}/components/{component.id}/proposals",
        json=draft_body(),
        headers=cast.author.headers,
    )
    assert response.status_code == 201, response.text
    proposal_id: int = response.json()["id"]
    return proposal_id


async def published(client: httpx.AsyncClient, component: Component, cast: Cast) -> int:
    proposal_id = await drafted(client, component, cast)
    response = await client.post(
        f"{API}/proposals/{proposal_id}/publish", headers=cast.author.headers
    )
    assert response.status_code == 200, response.text
    return proposal_id


def about(proposal_id: int) -> dict[str, Any]:
    return {"resource_type": "proposal", "resource_id": proposal_id}


@pytest.fixture
async def open_component(session: AsyncSession, cast: Cast) -> Component:
    return await proposals_component(
        session,
        cast.space,
        switches={**OPEN, "endorsements_enabled": True},
        attachments_allowed=True,
    )


async def test_comments_on_a_published_proposal_are_counted_on_it(
    client: httpx.AsyncClient,
    session: AsyncSession,
    cast: Cast,
    open_component: Component,
) -> None:
    proposal_id = await published(client, open_component, cast)

    first = await client.post(
        f"{API}/comments",
        json={**about(proposal_id), "body": "Apoio a ideia"},
        headers=cast.participant.headers,
    )
    assert first.status_code == 201, first.text
    reply = await client.post(
        f"{API}/comments/{first.json()['id']}/replies",
        json={"body": "Eu também"},
        headers=cast.author.headers,
    )
    listed = await client.get(f"{API}/comments", params=about(proposal_id))
    detail = await client.get(f"{API}/proposals/{proposal_id}")

    assert (first.status_code, reply.status_code) == (201, 201)
    assert [item["id"] for item in listed.json()["items"]] == [first.json()["id"]]
    assert detail.json()["comments_count"] == 2
    stored = await session.scalar(
        select(Proposal.comments_count).where(Proposal.id == proposal_id)
    )
    assert stored == 2


async def test_a_draft_is_no_place_for_comments(
    client: httpx.AsyncClient, cast: Cast, open_component: Component
) -> None:
    proposal_id = await drafted(client, open_component, cast)

    by_author = await client.post(
        f"{API}/comments",
        json={**about(proposal_id), "body": "Nota para mim"},
        headers=cast.author.headers,
    )
    by_other = await client.post(
        f"{API}/comments",
        json={**about(proposal_id), "body": "Olá"},
        headers=cast.participant.headers,
    )

    assert_problem(by_author, 409, "conflict")
    assert_problem(by_other, 404, "not-found")


async def test_endorsing_a_proposal_counts_once_per_person(
    client: httpx.AsyncClient, cast: Cast, open_component: Component
) -> None:
    proposal_id = await published(client, open_component, cast)

    statuses = []
    for _ in range(2):
        response = await client.post(
            f"{API}/endorsements",
            json=about(proposal_id),
            headers=cast.participant.headers,
        )
        statuses.append(response.status_code)
    detail = await client.get(f"{API}/proposals/{proposal_id}")

    assert statuses == [201, 200]
    assert detail.json()["endorsements_count"] == 1


async def test_authors_and_coauthors_follow_their_proposal(
    client: httpx.AsyncClient, cast: Cast, open_component: Component
) -> None:
    proposal_id = await drafted(client, open_component, cast)
    added = await client.post(
        f"{API}/proposals/{proposal_id}/coauthors",
        json={"user_id": cast.participant.id},
        headers=cast.author.headers,
    )
    assert added.status_code == 200, added.text

    for who in (cast.author, cast.participant):
        follows = await client.get(f"{API}/me/follows", headers=who.headers)
        assert [
            (item["resource_type"], item["resource_id"])
            for item in follows.json()["items"]
        ] == [("proposal", proposal_id)]


async def test_authors_attach_to_a_draft_no_one_else_sees(
    client: httpx.AsyncClient, cast: Cast, open_component: Component
) -> None:
    proposal_id = await drafted(client, open_component, cast)
    path = f"{API}/resources/proposal/{proposal_id}/attachments"

    by_author = await upload(client, path, phone_photo(), headers=cast.author.headers)
    by_other = await upload(
        client, path, phone_photo(), headers=cast.participant.headers
    )

    assert by_author.status_code == 201, by_author.text
    assert_problem(by_other, 404, "not-found")


async def test_nobody_but_the_team_attaches_to_a_withdrawn_proposal(
    client: httpx.AsyncClient, cast: Cast, open_component: Component
) -> None:
    proposal_id = await published(client, open_component, cast)
    path = f"{API}/resources/proposal/{proposal_id}/attachments"
    withdrawn = await client.post(
        f"{API}/proposals/{proposal_id}/withdraw", headers=cast.author.headers
    )
    assert withdrawn.status_code == 200, withdrawn.text

    by_author = await upload(client, path, phone_photo(), headers=cast.author.headers)
    by_other = await upload(
        client, path, phone_photo(), headers=cast.participant.headers
    )
    by_admin = await upload(
        client, path, phone_photo(), headers=cast.space_admin.headers
    )

    assert_problem(by_author, 403, "forbidden")
    assert_problem(by_other, 403, "forbidden")
    assert by_admin.status_code == 201, by_admin.text


@pytest.mark.parametrize("stored", [{"attachments_allowed": False}, {}])
async def test_without_attachments_allowed_only_admins_attach(
    client: httpx.AsyncClient,
    session: AsyncSession,
    cast: Cast,
    stored: dict[str, Any],
) -> None:
    closed = await proposals_component(session, cast.space, **stored)
    proposal_id = await published(client, closed, cast)
    path = f"{API}/resources/proposal/{proposal_id}/attachments"

    by_author = await upload(client, path, phone_photo(), headers=cast.author.headers)
    by_admin = await upload(
        client, path, phone_photo(), headers=cast.space_admin.headers
    )

    problem = assert_problem(by_author, 403, "forbidden")
    assert "attachments_allowed" in problem["detail"]
    assert by_admin.status_code == 201, by_admin.text
    listed = await client.get(path)
    assert [item["id"] for item in listed.json()["items"]] == [by_admin.json()["id"]]
