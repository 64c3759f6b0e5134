"""Drafting, publishing, reading, editing and withdrawing proposals."""

import re
from collections.abc import Awaitable
from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.components import Component
from app.models.spaces import SpaceStatus
from app.services import resources
from tests import builders
from tests.api.problems import assert_problem, failing_fields
from tests.meetings.conftest import meeting, meetings_component
from tests.proposals.conftest import (
    API,
    Cast,
    draft_body,
    outbox_types,
    proposals_component,
)


async def create(
    client: httpx.AsyncClient,
    component: Component,
    headers: dict[str, str],
    **body: object,
) -> httpx.Response:
    return await client.post(
        f"{API}/components/{component.id}/proposals",
        json=draft_body(**body),
        headers=headers,
    )


class TestCreate:
    async def test_a_participant_drafts_a_proposal(
        self, client: httpx.AsyncClient, cast: Cast, component: Component
    ) -> None:
        response = await create(client, component, cast.author.headers)

        assert response.status_code == 201, response.text
        body = response.json()
        assert body["status"] == "draft"
        assert body["reference"] is None
        assert body["published_at"] is None
        assert body["author"] == {
            "kind": "user",
            "user_id": cast.author.id,
            "meeting_id": None,
        }
        assert body["state"] == "not_answered"
        assert body["supports_count"] == 0
        assert body["supported"] is False

    async def test_anonymous_gets_401(
        self, client: httpx.AsyncClient, cast: Cast, component: Component
    ) -> None:
        response = await create(client, component, {})

        assert_problem(response, 401, "unauthenticated")

    async def test_creation_closed_is_403(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        closed = await proposals_component(
            session, cast.space, switches={"supports_enabled": True}
        )

        response = await create(client, closed, cast.author.headers)

        assert_problem(response, 403, "forbidden")

    async def test_unpublished_component_is_404_for_participants(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        hidden = await proposals_component(session, cast.space, published=False)

        response = await create(client, hidden, cast.author.headers)

        assert_problem(response, 404, "not-found")

    async def test_the_limit_per_user_refuses_one_more(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        limited = await proposals_component(
            session, cast.space, proposal_limit_per_user=2
        )
        for _ in range(2):
            assert (
                await create(client, limited, cast.author.headers)
            ).status_code == 201

        response = await create(client, limited, cast.author.headers)

        assert_problem(response, 409, "conflict")
        other = await create(client, limited, cast.participant.headers)
        assert other.status_code == 201

    async def test_a_body_over_the_component_limit_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        short = await proposals_component(session, cast.space, body_max_length=20)

        response = await create(
            client, short, cast.author.headers, body={"pt-BR": "ç" * 21}
        )
        fits = await create(
            client, short, cast.author.headers, body={"pt-BR": "ç" * 20}
        )

        assert failing_fields(assert_problem(response, 422, "validation-error")) == {
            "body"
        }
        assert fits.status_code == 201

    async def test_a_title_of_151_code_points_is_422(
        self, client: httpx.AsyncClient, cast: Cast, component: Component
    ) -> None:
        response = await create(
            client, component, cast.author.headers, title={"pt-BR": "ã" * 151}
        )

        assert_problem(response, 422, "validation-error")

    async def test_an_address_needs_geocoding(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        mapped = await proposals_component(session, cast.space, geocoding_enabled=True)
        located = {"address": "Praça da Matriz", "latitude": -19.9, "longitude": -44.1}

        refused = await create(
            client,
            await proposals_component(session, cast.space),
            cast.author.headers,
            **located,
        )
        accepted = await create(client, mapped, cast.author.headers, **located)

        assert_problem(refused, 422, "validation-error")
        assert accepted.status_code == 201
        assert accepted.json()["latitude"] == -19.9

    async def test_taxonomies_are_checked_and_kept(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        component: Component,
    ) -> None:
        scope = await builders.scope(session)

        unknown = await create(
            client,
            component,
            cast.author.headers,
            area_id=999_999,
            interest_group_ids=[999_998],
        )
        known = await create(client, component, cast.author.headers, scope_id=scope.id)

        assert failing_fields(assert_problem(unknown, 422, "validation-error")) == {
            "area_id",
            "interest_group_ids",
        }
        assert known.json()["scope_id"] == scope.id

    async def test_official_proposals_are_for_space_admins(
        self, client: httpx.AsyncClient, cast: Cast, component: Component
    ) -> None:
        refused = await create(
            client, component, cast.author.headers, author_kind="official"
        )
        official = await create(
            client, component, cast.space_admin.headers, author_kind="official"
        )

        assert_problem(refused, 403, "forbidden")
        assert official.status_code == 201
        assert official.json()["author"] == {
            "kind": "official",
            "user_id": None,
            "meeting_id": None,
        }

    async def test_a_meeting_proposal_names_a_meeting_of_its_space(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        component: Component,
    ) -> None:
        here = await meeting(session, await meetings_component(session, cast.space))
        elsewhere = await meeting(
            session, await meetings_component(session, await builders.space(session))
        )

        def from_meeting(**body: object) -> Awaitable[httpx.Response]:
            return create(
                client,
                component,
                cast.space_admin.headers,
                author_kind="meeting",
                **body,
            )

        missing = await from_meeting()
        foreign = await from_meeting(meeting_id=elsewhere.id)
        unknown = await from_meeting(meeting_id=elsewhere.id + 1000)
        named = await from_meeting(meeting_id=here.id)

        for refused in (missing, foreign, unknown):
            problem = assert_problem(refused, 422, "validation-error")
            assert failing_fields(problem) == {"meeting_id"}
        assert named.status_code == 201, named.text
        assert named.json()["author"]["meeting_id"] == here.id


class TestSanitising:
    async def test_scripts_handlers_javascript_links_and_svg_come_back_inert(
        self, client: httpx.AsyncClient, cast: Cast, component: Component
    ) -> None:
        hostile = (
            '<p onclick="alert(1)">Olá<script>alert(2)</script></p>'
            '<a href="javascript:alert(3)">clique</a>'
            '<svg onload="alert(4)"><script>alert(5)</script></svg>'
            '<img src=x onerror="alert(6)">'
            '<a href="https://contagem.mg.gov.br" onmouseover="alert(7)">site</a>'
        )

        created = await create(
            client, component, cast.author.headers, body={"pt-BR": hostile}
        )
        read = await client.get(
            f"{API}/proposals/{created.json()['id']}", headers=cast.author.headers
        )

        html = read.json()["body"]["pt-BR"]
        assert not re.search(r"<script|<svg|<img|javascript:|on\w+=", html, re.I)
        assert "alert" not in html
        assert "<p>Olá</p>" in html
        assert 'href="https://contagem.mg.gov.br"' in html


class TestPublish:
    async def test_publishing_gives_a_reference_and_an_event(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        component: Component,
    ) -> None:
        draft = (await create(client, component, cast.author.headers)).json()

        response = await client.post(
            f"{API}/proposals/{draft['id']}/publish", headers=cast.author.headers
        )

        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "published"
        assert re.fullmatch(
            rf"CTG-PROP-\d{{4}}-\d{{2}}-{draft['id']}", body["reference"]
        )
        assert body["published_at"] is not None
        assert await outbox_types(session) == ["proposal.published"]

    async def test_publishing_twice_is_409(
        self, client: httpx.AsyncClient, cast: Cast, component: Component
    ) -> None:
        draft = (await create(client, component, cast.author.headers)).json()
        path = f"{API}/proposals/{draft['id']}/publish"
        await client.post(path, headers=cast.author.headers)

        response = await client.post(path, headers=cast.author.headers)

        assert_problem(response, 409, "conflict")

    async def test_someone_else_cannot_publish(
        self, client: httpx.AsyncClient, cast: Cast, component: Component
    ) -> None:
        draft = (await create(client, component, cast.author.headers)).json()

        response = await client.post(
            f"{API}/proposals/{draft['id']}/publish", headers=cast.participant.headers
        )

        assert_problem(response, 404, "not-found")


class TestVisibility:
    async def test_a_draft_is_its_authors_alone(
        self, client: httpx.AsyncClient, cast: Cast, component: Component
    ) -> None:
        draft = (await create(client, component, cast.author.headers)).json()
        path = f"{API}/proposals/{draft['id']}"

        seen = {
            name: (await client.get(path, headers=who.headers)).status_code
            for name, who in [
                ("author", cast.author),
                ("participant", cast.participant),
                ("anonymous", cast.anonymous),
                ("space_admin", cast.space_admin),
            ]
        }

        assert seen == {
            "author": 200,
            "participant": 404,
            "anonymous": 404,
            "space_admin": 404,
        }

    async def test_a_proposal_of_a_draft_space_is_hidden(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        space = await builders.space(session, status=SpaceStatus.DRAFT)
        hidden = await proposals_component(session, space)
        proposal = await builders.proposal(session, hidden, cast.author.user)

        anonymous = await client.get(f"{API}/proposals/{proposal.id}")
        admin = await client.get(
            f"{API}/proposals/{proposal.id}", headers=cast.org_admin.headers
        )

        assert_problem(anonymous, 404, "not-found")
        assert admin.status_code == 200

    async def test_the_resource_registry_knows_proposals(
        self, session: AsyncSession, cast: Cast, component: Component
    ) -> None:
        published = await builders.proposal(session, component, cast.author.user)
        draft = await builders.proposal(
            session, component, cast.author.user, draft=True
        )

        found = await resources.get_readable(session, None, "proposal", published.id)

        assert found.id == published.id
        assert "proposal" in resources.kind_names()
        readable = set(
            await session.scalars(
                resources.readable_ids("proposal", cast.participant.user, utcnow())
            )
        )
        assert published.id in readable
        assert draft.id not in readable


class TestEdit:
    async def test_the_author_edits_within_the_window(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        component: Component,
    ) -> None:
        proposal = await builders.proposal(session, component, cast.author.user)

        response = await client.patch(
            f"{API}/proposals/{proposal.id}",
            json={
                "title": {"pt-BR": "Mais ipês"},
                "body": {"pt-BR": "<b>x</b><p>y</p>"},
            },
            headers=cast.author.headers,
        )

        assert response.status_code == 200, response.text
        assert response.json()["title"] == {"pt-BR": "Mais ipês"}
        assert response.json()["body"] == {"pt-BR": "x<p>y</p>"}

    async def test_after_the_window_it_is_409(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        component: Component,
    ) -> None:
        proposal = await builders.proposal(
            session,
            component,
            cast.author.user,
            published_at=utcnow() - timedelta(minutes=6),
        )

        response = await client.patch(
            f"{API}/proposals/{proposal.id}",
            json={"title": {"pt-BR": "Tarde demais"}},
            headers=cast.author.headers,
        )

        assert_problem(response, 409, "conflict")

    async def test_a_supported_proposal_is_not_edited(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        component: Component,
    ) -> None:
        proposal = await builders.proposal(session, component, cast.author.user)
        supported = await client.post(
            f"{API}/proposals/{proposal.id}/supports", headers=cast.participant.headers
        )
        assert supported.status_code == 201, supported.text

        response = await client.patch(
            f"{API}/proposals/{proposal.id}",
            json={"title": {"pt-BR": "Mudei"}},
            headers=cast.author.headers,
        )

        assert_problem(response, 409, "conflict")

    async def test_someone_else_gets_403(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        component: Component,
    ) -> None:
        proposal = await builders.proposal(session, component, cast.author.user)

        response = await client.patch(
            f"{API}/proposals/{proposal.id}",
            json={"title": {"pt-BR": "Meu"}},
            headers=cast.participant.headers,
        )

        assert_problem(response, 403, "forbidden")

    async def test_null_title_is_422(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        component: Component,
    ) -> None:
        proposal = await builders.proposal(session, component, cast.author.user)

        response = await client.patch(
            f"{API}/proposals/{proposal.id}",
            json={"title": None},
            headers=cast.author.headers,
        )

        assert_problem(response, 422, "validation-error")


class TestCoauthors:
    async def test_a_coauthor_may_edit_and_be_removed(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        component: Component,
    ) -> None:
        proposal = await builders.proposal(
            session, component, cast.author.user, draft=True
        )
        path = f"{API}/proposals/{proposal.id}"

        added = await client.post(
            f"{path}/coauthors",
            json={"user_id": cast.participant.id},
            headers=cast.author.headers,
        )
        edited = await client.patch(
            path, json={"title": {"pt-BR": "Juntos"}}, headers=cast.participant.headers
        )
        again = await client.post(
            f"{path}/coauthors",
            json={"user_id": cast.participant.id},
            headers=cast.author.headers,
        )
        removed = await client.delete(
            f"{path}/coauthors/{cast.participant.id}", headers=cast.author.headers
        )
        after = await client.get(path, headers=cast.participant.headers)

        assert added.json()["coauthor_ids"] == [cast.participant.id]
        assert edited.status_code == 200
        assert_problem(again, 409, "conflict")
        assert removed.status_code == 204
        assert_problem(after, 404, "not-found")

    async def test_a_coauthor_cannot_add_others(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        component: Component,
    ) -> None:
        proposal = await builders.proposal(session, component, cast.author.user)
        path = f"{API}/proposals/{proposal.id}/coauthors"
        await client.post(
            path, json={"user_id": cast.participant.id}, headers=cast.author.headers
        )

        response = await client.post(
            path, json={"user_id": cast.evaluator.id}, headers=cast.participant.headers
        )

        assert_problem(response, 403, "forbidden")

    async def test_a_coauthor_leaves_but_removes_no_one_else(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        component: Component,
    ) -> None:
        proposal = await builders.proposal(session, component, cast.author.user)
        path = f"{API}/proposals/{proposal.id}"
        for who in (cast.participant, cast.evaluator):
            await client.post(
                f"{path}/coauthors",
                json={"user_id": who.id},
                headers=cast.author.headers,
            )

        other = await client.delete(
            f"{path}/coauthors/{cast.evaluator.id}", headers=cast.participant.headers
        )
        left = await client.delete(
            f"{path}/coauthors/{cast.participant.id}", headers=cast.participant.headers
        )
        again = await client.delete(
            f"{path}/coauthors/{cast.participant.id}", headers=cast.participant.headers
        )
        stranger = await client.delete(
            f"{path}/coauthors/{cast.space_admin.id}",
            headers=cast.space_admin.headers,
        )
        after = await client.get(path)

        assert_problem(other, 403, "forbidden")
        assert left.status_code == 204, left.text
        assert_problem(again, 404, "not-found")
        assert_problem(stranger, 404, "not-found")
        assert after.json()["coauthor_ids"] == [cast.evaluator.id]


class TestWithdraw:
    async def test_the_author_withdraws(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        component: Component,
    ) -> None:
        proposal = await builders.proposal(session, component, cast.author.user)
        path = f"{API}/proposals/{proposal.id}/withdraw"

        response = await client.post(path, headers=cast.author.headers)
        again = await client.post(path, headers=cast.author.headers)

        assert response.status_code == 200
        assert response.json()["status"] == "withdrawn"
        assert response.json()["withdrawn_at"] is not None
        assert (
            assert_problem(again, 409, "conflict")["detail"]
            == f"Proposal {proposal.id} is already withdrawn."
        )
        assert await outbox_types(session) == ["proposal.withdrawn"]

    async def test_someone_else_cannot_withdraw(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        component: Component,
    ) -> None:
        proposal = await builders.proposal(session, component, cast.author.user)

        response = await client.post(
            f"{API}/proposals/{proposal.id}/withdraw", headers=cast.space_admin.headers
        )

        assert_problem(response, 403, "forbidden")


async def test_a_component_holding_proposals_is_not_deleted(
    client: httpx.AsyncClient, session: AsyncSession, cast: Cast, component: Component
) -> None:
    await builders.proposal(session, component, cast.author.user, draft=True)

    response = await client.delete(
        f"{API}/components/{component.id}", headers=cast.space_admin.headers
    )

    assert_problem(response, 409, "conflict")
