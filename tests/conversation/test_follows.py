"""Follows: of spaces, debates, posts; my list shows only what I still read."""

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.debates import Debate
from app.models.spaces import Visibility
from tests import builders
from tests.api.problems import assert_problem, assert_unauthenticated, failing_fields
from tests.conversation.conftest import (
    API,
    Stage,
    debate,
    debates_component,
)


def pairs(body: dict[str, list[dict[str, object]]]) -> list[tuple[object, object]]:
    return [(item["resource_type"], item["resource_id"]) for item in body["items"]]


async def test_following_twice_makes_one_follow(
    client: httpx.AsyncClient, stage: Stage, open_debate: Debate
) -> None:
    body = {"resource_type": "debate", "resource_id": open_debate.id}

    first = await client.post(
        f"{API}/me/follows", json=body, headers=stage.other.headers
    )
    again = await client.post(
        f"{API}/me/follows", json=body, headers=stage.other.headers
    )
    mine = await client.get(f"{API}/me/follows", headers=stage.other.headers)

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert pairs(mine.json()) == [("debate", open_debate.id)]


async def test_the_list_shows_only_what_i_may_still_read(
    client: httpx.AsyncClient,
    session: AsyncSession,
    stage: Stage,
    open_debate: Debate,
) -> None:
    other_space = await builders.space(session)
    for kind, resource_id in [
        ("space", stage.space.id),
        ("debate", open_debate.id),
        ("space", other_space.id),
    ]:
        response = await client.post(
            f"{API}/me/follows",
            json={"resource_type": kind, "resource_id": resource_id},
            headers=stage.other.headers,
        )
        assert response.status_code == 201, response.text

    stage.space.visibility = Visibility.PRIVATE
    await session.flush()
    mine = await client.get(f"{API}/me/follows", headers=stage.other.headers)
    spaces_only = await client.get(
        f"{API}/me/follows",
        params={"resource_type": "space"},
        headers=stage.other.headers,
    )

    assert pairs(mine.json()) == [("space", other_space.id)]
    assert pairs(spaces_only.json()) == [("space", other_space.id)]


async def test_the_list_is_paginated_newest_first(
    client: httpx.AsyncClient, session: AsyncSession, stage: Stage
) -> None:
    made = [await builders.space(session) for _ in range(3)]
    for space in made:
        await client.post(
            f"{API}/me/follows",
            json={"resource_type": "space", "resource_id": space.id},
            headers=stage.other.headers,
        )

    first = await client.get(
        f"{API}/me/follows", params={"limit": 2}, headers=stage.other.headers
    )
    second = await client.get(
        f"{API}/me/follows",
        params={"limit": 2, "cursor": first.json()["next_cursor"]},
        headers=stage.other.headers,
    )

    seen = pairs(first.json()) + pairs(second.json())
    assert seen == [("space", space.id) for space in reversed(made)]
    assert second.json()["next_cursor"] is None


async def test_unfollowing_is_idempotent(
    client: httpx.AsyncClient, stage: Stage, open_debate: Debate
) -> None:
    target: dict[str, str | int] = {
        "resource_type": "debate",
        "resource_id": open_debate.id,
    }
    await client.post(f"{API}/me/follows", json=target, headers=stage.other.headers)

    first = await client.delete(
        f"{API}/me/follows", params=target, headers=stage.other.headers
    )
    again = await client.delete(
        f"{API}/me/follows", params=target, headers=stage.other.headers
    )
    mine = await client.get(f"{API}/me/follows", headers=stage.other.headers)

    assert (first.status_code, again.status_code) == (204, 204)
    assert mine.json()["items"] == []


async def test_following_what_i_cannot_read_is_404(
    client: httpx.AsyncClient, session: AsyncSession, stage: Stage
) -> None:
    private = await builders.space(session, visibility=Visibility.PRIVATE)
    hidden = await debate(
        session, await debates_component(session, private), stage.participant
    )

    space = await client.post(
        f"{API}/me/follows",
        json={"resource_type": "space", "resource_id": private.id},
        headers=stage.other.headers,
    )
    inside = await client.post(
        f"{API}/me/follows",
        json={"resource_type": "debate", "resource_id": hidden.id},
        headers=stage.other.headers,
    )

    assert_problem(space, 404, "not-found")
    assert_problem(inside, 404, "not-found")


async def test_an_unknown_kind_is_422(client: httpx.AsyncClient, stage: Stage) -> None:
    response = await client.post(
        f"{API}/me/follows",
        json={"resource_type": "petition", "resource_id": 1},
        headers=stage.other.headers,
    )

    assert failing_fields(assert_problem(response, 422, "validation-error")) == {
        "resource_type"
    }


async def test_anonymous_gets_401(client: httpx.AsyncClient) -> None:
    assert_unauthenticated(await client.get(f"{API}/me/follows"))
