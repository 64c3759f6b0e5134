"""Debates: opened by the team or by participants where allowed, closed by the team."""

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.action_log import ActionLogEntry
from app.models.base import utcnow
from app.models.components import ComponentType
from app.models.debates import Debate
from app.models.follows import Follow
from app.models.spaces import Visibility
from tests import builders
from tests.api.problems import assert_problem, assert_unauthenticated, failing_fields
from tests.conversation.conftest import (
    API,
    Stage,
    about,
    comment_on,
    debate,
    debates_component,
    events,
    ids,
)

BODY = {"title": {"pt-BR": "Tarifa zero"}, "description": {"pt-BR": "<p>Vamos?</p>"}}


class TestCreate:
    async def test_the_space_team_opens_an_official_debate(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        response = await client.post(
            f"{API}/components/{stage.component.id}/debates",
            json=BODY,
            headers=stage.space_admin.headers,
        )

        assert response.status_code == 201, response.text
        created = response.json()
        assert created["official"] is True
        assert created["author_id"] == stage.space_admin.id
        assert created["comments_count"] == 0
        assert created["accepts_comments"] is True
        [event] = await events(session, "debate.created")
        assert event == {
            "debate_id": created["id"],
            "component_id": stage.component.id,
            "space_id": stage.space.id,
            "author_id": stage.space_admin.id,
            "official": True,
        }
        [entry] = await session.scalars(
            select(ActionLogEntry).where(ActionLogEntry.action == "debate.created")
        )
        assert entry.public is True

    async def test_a_participant_opens_one_and_follows_it(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        response = await client.post(
            f"{API}/components/{stage.component.id}/debates",
            json=BODY,
            headers=stage.participant.headers,
        )

        assert response.status_code == 201, response.text
        assert response.json()["official"] is False
        followed = await session.scalars(
            select(Follow.resource_id).where(
                Follow.user_id == stage.participant.id,
                Follow.resource_type == "debate",
            )
        )
        assert list(followed) == [response.json()["id"]]

    @pytest.mark.parametrize(
        ("component_settings", "switches"),
        [({"participants_can_create": False}, {}), ({}, {"creation_enabled": False})],
        ids=["setting", "phase-switch"],
    )
    async def test_participants_are_refused_where_the_component_does_not_allow(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        stage: Stage,
        component_settings: dict[str, bool],
        switches: dict[str, bool],
    ) -> None:
        component = await debates_component(
            session, stage.space, settings=component_settings, switches=switches
        )

        refused = await client.post(
            f"{API}/components/{component.id}/debates",
            json=BODY,
            headers=stage.participant.headers,
        )
        by_team = await client.post(
            f"{API}/components/{component.id}/debates",
            json=BODY,
            headers=stage.space_admin.headers,
        )

        assert assert_problem(refused, 403, "forbidden")["reason"] == (
            "creation_disabled"
        )
        assert by_team.status_code == 201

    async def test_anonymous_gets_401(
        self, client: httpx.AsyncClient, stage: Stage
    ) -> None:
        response = await client.post(
            f"{API}/components/{stage.component.id}/debates", json=BODY
        )

        assert_unauthenticated(response)

    async def test_in_a_component_of_another_type_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        posts = await builders.component(session, stage.space, type=ComponentType.POSTS)

        response = await client.post(
            f"{API}/components/{posts.id}/debates",
            json=BODY,
            headers=stage.space_admin.headers,
        )

        assert failing_fields(assert_problem(response, 422, "validation-error")) == {
            "component_id"
        }

    async def test_an_end_before_the_start_is_422(
        self, client: httpx.AsyncClient, stage: Stage
    ) -> None:
        now = utcnow()

        response = await client.post(
            f"{API}/components/{stage.component.id}/debates",
            json={
                **BODY,
                "starts_at": now.isoformat(),
                "ends_at": (now - timedelta(hours=1)).isoformat(),
            },
            headers=stage.space_admin.headers,
        )

        assert failing_fields(assert_problem(response, 422, "validation-error")) == {
            "ends_at"
        }

    async def test_a_component_of_a_private_space_is_404_to_outsiders(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        private = await builders.space(session, visibility=Visibility.PRIVATE)
        component = await debates_component(session, private)

        response = await client.post(
            f"{API}/components/{component.id}/debates",
            json=BODY,
            headers=stage.participant.headers,
        )

        assert_problem(response, 404, "not-found")


class TestUpdate:
    async def test_the_author_edits_an_open_debate(
        self, client: httpx.AsyncClient, stage: Stage, open_debate: Debate
    ) -> None:
        response = await client.patch(
            f"{API}/debates/{open_debate.id}",
            json={"title": {"pt-BR": "Ciclovias já"}},
            headers=stage.participant.headers,
        )

        assert response.status_code == 200, response.text
        assert response.json()["title"] == {"pt-BR": "Ciclovias já"}

    async def test_someone_else_gets_403(
        self, client: httpx.AsyncClient, stage: Stage, open_debate: Debate
    ) -> None:
        response = await client.patch(
            f"{API}/debates/{open_debate.id}",
            json={"title": {"pt-BR": "Outro"}},
            headers=stage.other.headers,
        )

        assert_problem(response, 403, "forbidden")

    async def test_an_official_debate_is_the_teams_to_edit(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        official = await debate(
            session, stage.component, stage.org_admin, official=True
        )
        ends = (utcnow() + timedelta(days=3)).isoformat()

        by_team = await client.patch(
            f"{API}/debates/{official.id}",
            json={"ends_at": ends},
            headers=stage.space_admin.headers,
        )
        by_participant = await client.patch(
            f"{API}/debates/{official.id}",
            json={"ends_at": None},
            headers=stage.participant.headers,
        )

        assert by_team.status_code == 200, by_team.text
        assert by_team.json()["ends_at"] is not None
        assert_problem(by_participant, 403, "forbidden")

    async def test_a_closed_debate_does_not_change(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        closed = await debate(
            session, stage.component, stage.participant, closed_at=utcnow()
        )

        response = await client.patch(
            f"{API}/debates/{closed.id}",
            json={"title": {"pt-BR": "Reaberto"}},
            headers=stage.participant.headers,
        )

        assert_problem(response, 409, "conflict")


class TestClose:
    async def test_the_team_closes_with_conclusions(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        stage: Stage,
        open_debate: Debate,
    ) -> None:
        response = await client.post(
            f"{API}/debates/{open_debate.id}/close",
            json={"conclusions": {"pt-BR": "<p>Aprovado</p><script>x()</script>"}},
            headers=stage.space_admin.headers,
        )
        again = await client.post(
            f"{API}/debates/{open_debate.id}/close",
            json={"conclusions": {"pt-BR": "<p>Aprovado com ressalvas</p>"}},
            headers=stage.space_admin.headers,
        )
        comment = await client.post(
            f"{API}/comments",
            json={**about(open_debate), "body": "Tarde demais"},
            headers=stage.other.headers,
        )

        assert response.status_code == 200, response.text
        assert response.json()["conclusions"] == {"pt-BR": "<p>Aprovado</p>"}
        assert response.json()["closed_at"] is not None
        assert response.json()["accepts_comments"] is False
        assert again.json()["conclusions"] == {"pt-BR": "<p>Aprovado com ressalvas</p>"}
        assert again.json()["closed_at"] == response.json()["closed_at"]
        assert len(await events(session, "debate.closed")) == 1
        assert_problem(comment, 409, "conflict")

    async def test_the_author_may_not_close_it(
        self, client: httpx.AsyncClient, stage: Stage, open_debate: Debate
    ) -> None:
        response = await client.post(
            f"{API}/debates/{open_debate.id}/close",
            json={"conclusions": {"pt-BR": "Fim"}},
            headers=stage.participant.headers,
        )

        assert_problem(response, 403, "forbidden")

    async def test_conclusions_are_required(
        self, client: httpx.AsyncClient, stage: Stage, open_debate: Debate
    ) -> None:
        response = await client.post(
            f"{API}/debates/{open_debate.id}/close",
            json={"conclusions": {}},
            headers=stage.space_admin.headers,
        )

        assert failing_fields(assert_problem(response, 422, "validation-error")) == {
            "conclusions"
        }


class TestRead:
    async def test_the_list_pages_newest_first_and_filters_by_state(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        made = [
            await debate(session, stage.component, stage.participant) for _ in range(3)
        ]
        made[0].closed_at = utcnow()
        await session.flush()
        path = f"{API}/components/{stage.component.id}/debates"

        first = await client.get(path, params={"limit": 2})
        second = await client.get(
            path, params={"limit": 2, "cursor": first.json()["next_cursor"]}
        )
        open_ones = await client.get(path, params={"state": "open"})
        closed_ones = await client.get(path, params={"state": "closed"})

        assert ids(first.json()) == [made[2].id, made[1].id]
        assert ids(second.json()) == [made[0].id]
        assert second.json()["next_cursor"] is None
        assert ids(open_ones.json()) == [made[2].id, made[1].id]
        assert ids(closed_ones.json()) == [made[0].id]

    async def test_most_commented_first_with_the_newest_breaking_ties(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        made = [
            await debate(session, stage.component, stage.participant) for _ in range(3)
        ]
        for _ in range(2):
            await comment_on(client, about(made[0]), stage.other)
        path = f"{API}/components/{stage.component.id}/debates"

        seen: list[int] = []
        cursor = None
        while True:
            params: dict[str, str | int] = {"order": "most_commented", "limit": 1}
            if cursor:
                params["cursor"] = cursor
            page = await client.get(path, params=params)
            seen += ids(page.json())
            cursor = page.json()["next_cursor"]
            if cursor is None:
                break

        assert seen == [made[0].id, made[2].id, made[1].id]
        assert (await client.get(f"{API}/debates/{made[0].id}")).json()[
            "comments_count"
        ] == 2

    async def test_a_debate_of_an_unpublished_component_is_the_teams(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        draft = await debates_component(session, stage.space, published=False)
        hidden = await debate(session, draft, stage.space_admin, official=True)

        to_public = await client.get(f"{API}/debates/{hidden.id}")
        to_team = await client.get(
            f"{API}/debates/{hidden.id}", headers=stage.space_admin.headers
        )
        listed = await client.get(f"{API}/components/{draft.id}/debates")

        assert_problem(to_public, 404, "not-found")
        assert to_team.status_code == 200
        assert_problem(listed, 404, "not-found")


async def test_a_component_holding_a_debate_cannot_be_deleted(
    client: httpx.AsyncClient, stage: Stage, open_debate: Debate
) -> None:
    response = await client.delete(
        f"{API}/components/{stage.component.id}", headers=stage.space_admin.headers
    )

    assert_problem(response, 409, "conflict")


async def test_opening_and_closing_show_on_the_space_timeline(
    client: httpx.AsyncClient, session: AsyncSession, stage: Stage
) -> None:
    draft = await debates_component(session, stage.space, published=False)
    created = await client.post(
        f"{API}/components/{stage.component.id}/debates",
        json=BODY,
        headers=stage.space_admin.headers,
    )
    hidden = await client.post(
        f"{API}/components/{draft.id}/debates",
        json=BODY,
        headers=stage.space_admin.headers,
    )
    await client.post(
        f"{API}/debates/{created.json()['id']}/close",
        json={"conclusions": {"pt-BR": "Fim"}},
        headers=stage.space_admin.headers,
    )

    timeline = await client.get(f"{API}/spaces/{stage.space.id}/timeline")

    seen = [
        (entry["action"], entry["object_id"])
        for entry in timeline.json()["items"]
        if entry["object_type"] == "debate"
    ]
    assert hidden.status_code == 201
    assert seen == [
        ("debate.closed", created.json()["id"]),
        ("debate.created", created.json()["id"]),
    ]
