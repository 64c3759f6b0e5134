"""The home feed: followed spaces, the participant's region, their meetings
and the answers to their proposals, newest first, never what they may not see."""

from datetime import timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.follows import Follow
from app.models.meetings import MeetingRegistration, RegistrationStatus
from app.models.spaces import Visibility
from app.models.taxonomies import ResidentDeclaration, ScopeType
from app.runtime import Runtime
from tests import builders
from tests.conftest import QueryCounter
from tests.meetings.conftest import meeting, meetings_component
from tests.mobile.conftest import MOBILE, Scene
from tests.proposals.conftest import proposals_component

FEED = f"{MOBILE}/feed"

EXPECTED_FEED_QUERIES = 12
"""Statements one request runs, whatever the number of rows it shows."""


def follow(scene: Scene, kind: str, resource_id: int) -> Follow:
    return Follow(
        user_id=scene.participant.id, resource_type=kind, resource_id=resource_id
    )


def reasons(body: dict[str, object]) -> list[tuple[str, str, int]]:
    found = []
    for item in body["items"]:  # type: ignore[attr-defined]
        kind = "proposal" if item["proposal"] else "meeting"
        found.append((item["reason"], kind, item[kind]["id"]))
    return found


class TestSources:
    async def test_each_source_brings_its_items_newest_first(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        scene: Scene,
    ) -> None:
        now = utcnow()
        session.add(follow(scene, "space", scene.space.id))
        followed = await builders.proposal(
            session, scene.proposals, None, published_at=now - timedelta(hours=3)
        )
        region = await builders.scope(session, type=ScopeType.REGIONAL)
        district = await builders.scope(session, parent=region)
        session.add(
            ResidentDeclaration(user_id=scene.participant.id, scope_id=region.id)
        )
        elsewhere = await builders.space(session)
        local = await builders.proposal(
            session,
            await proposals_component(session, elsewhere),
            None,
            published_at=now - timedelta(hours=2),
            scope_id=district.id,
        )
        mine = await builders.proposal(
            session,
            await proposals_component(session, await builders.space(session)),
            scene.participant.user,
            published_at=now - timedelta(days=9),
            answer_state="accepted",
            answer={"pt-BR": "Aceita"},
            answer_published_at=now - timedelta(hours=1),
        )
        held = await meeting(
            session, await meetings_component(session, await builders.space(session))
        )
        held.published_at = now - timedelta(days=30)
        session.add(
            MeetingRegistration(
                meeting_id=held.id,
                user_id=scene.participant.id,
                status=RegistrationStatus.CONFIRMED,
                code="FEED01",
                created_at=now - timedelta(minutes=5),
            )
        )
        await session.flush()

        answer = await client.get(FEED, headers=scene.participant.headers)

        assert answer.status_code == 200
        assert reasons(answer.json()) == [
            ("registered_meeting", "meeting", held.id),
            ("answered_proposal", "proposal", mine.id),
            ("my_region", "proposal", local.id),
            ("followed_space", "proposal", followed.id),
        ]

    async def test_a_followed_space_made_private_leaves_the_feed(
        self, client: httpx.AsyncClient, session: AsyncSession, scene: Scene
    ) -> None:
        session.add(follow(scene, "space", scene.space.id))
        await builders.proposal(session, scene.proposals, None)
        scene.space.visibility = Visibility.PRIVATE
        await session.flush()

        answer = await client.get(FEED, headers=scene.participant.headers)

        assert answer.json()["items"] == []

    async def test_the_feed_needs_a_sign_in(self, client: httpx.AsyncClient) -> None:
        assert (await client.get(FEED)).status_code == 401


class TestPages:
    async def test_pages_neither_repeat_nor_skip(
        self, client: httpx.AsyncClient, session: AsyncSession, scene: Scene
    ) -> None:
        session.add(follow(scene, "space", scene.space.id))
        same_moment = utcnow()
        created = [
            await builders.proposal(
                session, scene.proposals, None, published_at=same_moment
            )
            for _ in range(5)
        ]
        await session.flush()

        seen: list[int] = []
        cursor = None
        for _ in range(4):
            params: dict[str, object] = {"limit": 2}
            if cursor:
                params["cursor"] = cursor
            body = (
                await client.get(FEED, params=params, headers=scene.participant.headers)
            ).json()
            seen += [item["proposal"]["id"] for item in body["items"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break

        assert sorted(seen) == sorted(p.id for p in created)
        assert len(seen) == len(set(seen))


@pytest.mark.parametrize("rows", [2, 20])
async def test_the_feed_runs_the_same_queries_whatever_its_length(
    client: httpx.AsyncClient,
    session: AsyncSession,
    scene: Scene,
    queries: QueryCounter,
    rows: int,
) -> None:
    session.add(follow(scene, "space", scene.space.id))
    for _ in range(rows):
        await builders.proposal(session, scene.proposals, None)
        await meeting(session, scene.meetings)
    await session.flush()
    queries.statements.clear()

    body = (
        await client.get(FEED, params={"limit": 100}, headers=scene.participant.headers)
    ).json()

    assert len(body["items"]) == 2 * rows
    assert queries.count == EXPECTED_FEED_QUERIES
