"""Endorsements: one per user and resource, counted on the resource's row."""

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.debates import Debate
from app.models.spaces import Visibility
from tests import builders
from tests.api.problems import assert_problem, assert_unauthenticated, failing_fields
from tests.conversation.conftest import (
    API,
    Stage,
    about,
    debate,
    debate_counts,
    debates_component,
    events,
)


async def test_endorsing_twice_makes_one_endorsement(
    client: httpx.AsyncClient,
    session: AsyncSession,
    stage: Stage,
    open_debate: Debate,
) -> None:
    first = await client.post(
        f"{API}/endorsements", json=about(open_debate), headers=stage.other.headers
    )
    second = await client.post(
        f"{API}/endorsements", json=about(open_debate), headers=stage.other.headers
    )

    assert first.status_code == 201, first.text
    assert second.status_code == 200, second.text
    assert first.json()["endorsements_count"] == 1
    assert second.json()["endorsements_count"] == 1
    assert await debate_counts(session, open_debate.id) == (0, 1)
    [event] = await events(session, "endorsement.created")
    assert event == {
        "resource_type": "debate",
        "resource_id": open_debate.id,
        "space_id": stage.space.id,
        "user_id": stage.other.id,
    }


async def test_withdrawing_is_idempotent_and_uncounts(
    client: httpx.AsyncClient,
    session: AsyncSession,
    stage: Stage,
    open_debate: Debate,
) -> None:
    for who in (stage.other, stage.participant):
        await client.post(
            f"{API}/endorsements", json=about(open_debate), headers=who.headers
        )

    first = await client.delete(
        f"{API}/endorsements", params=about(open_debate), headers=stage.other.headers
    )
    again = await client.delete(
        f"{API}/endorsements", params=about(open_debate), headers=stage.other.headers
    )

    assert (first.status_code, again.status_code) == (204, 204)
    assert await debate_counts(session, open_debate.id) == (0, 1)


async def test_the_endorsers_are_listed_newest_first(
    client: httpx.AsyncClient, stage: Stage, open_debate: Debate
) -> None:
    for who in (stage.other, stage.participant):
        await client.post(
            f"{API}/endorsements", json=about(open_debate), headers=who.headers
        )

    first = await client.get(
        f"{API}/endorsements", params={**about(open_debate), "limit": 1}
    )
    second = await client.get(
        f"{API}/endorsements",
        params={
            **about(open_debate),
            "limit": 1,
            "cursor": first.json()["next_cursor"],
        },
    )

    assert [item["user"]["id"] for item in first.json()["items"]] == [
        stage.participant.id
    ]
    assert [item["user"]["id"] for item in second.json()["items"]] == [stage.other.id]
    assert second.json()["next_cursor"] is None


async def test_switched_off_endorsements_are_403(
    client: httpx.AsyncClient, session: AsyncSession, stage: Stage
) -> None:
    component = await debates_component(
        session, stage.space, switches={"endorsements_enabled": False}
    )
    quiet = await debate(session, component, stage.participant)

    response = await client.post(
        f"{API}/endorsements", json=about(quiet), headers=stage.other.headers
    )

    body = assert_problem(response, 403, "forbidden")
    assert body["reason"] == "endorsements_disabled"


async def test_a_kind_that_takes_no_endorsements_is_422(
    client: httpx.AsyncClient, stage: Stage
) -> None:
    response = await client.post(
        f"{API}/endorsements",
        json={"resource_type": "post", "resource_id": 1},
        headers=stage.other.headers,
    )

    assert failing_fields(assert_problem(response, 422, "validation-error")) == {
        "resource_type"
    }


async def test_an_unreadable_debate_is_404(
    client: httpx.AsyncClient, session: AsyncSession, stage: Stage
) -> None:
    private = await builders.space(session, visibility=Visibility.PRIVATE)
    hidden = await debate(
        session, await debates_component(session, private), stage.participant
    )

    endorsed = await client.post(
        f"{API}/endorsements", json=about(hidden), headers=stage.other.headers
    )
    listed = await client.get(f"{API}/endorsements", params=about(hidden))

    assert_problem(endorsed, 404, "not-found")
    assert_problem(listed, 404, "not-found")


async def test_anonymous_gets_401(
    client: httpx.AsyncClient, open_debate: Debate
) -> None:
    response = await client.post(f"{API}/endorsements", json=about(open_debate))

    assert_unauthenticated(response)
