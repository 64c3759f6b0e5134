"""Admins shape budgets and projects; rules freeze once ballots exist."""

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.action_log import ActionLogEntry
from app.models.components import ComponentType
from app.models.spaces import SpaceStatus, Visibility
from app.runtime import Runtime
from tests import builders
from tests.budgets.conftest import (
    API,
    Cast,
    ballot_path,
    budgets_component,
    ids,
    make_budget,
    project,
)


async def cast_a_ballot(client: httpx.AsyncClient, cast: Cast) -> None:
    answer = await client.put(
        ballot_path(cast.budget, cast.projects[3].id), headers=cast.voter.headers
    )
    assert answer.status_code == 200, answer.text


class TestBudgets:
    async def test_a_space_admin_creates_budgets_in_order(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        north = await builders.scope(session)
        path = f"{API}/components/{cast.component.id}/budgets"

        created = await client.post(
            path,
            json={
                "title": {"pt-BR": "Regional Norte"},
                "description": {"pt-BR": "<p>Obras</p><script>x</script>"},
                "scope_id": north.id,
                "total": 2_000_000,
            },
            headers=cast.space_admin.headers,
        )
        listed = await client.get(path)

        assert created.status_code == 201, created.text
        body = created.json()
        assert body["scope_id"] == north.id
        assert body["description"] == {"pt-BR": "<p>Obras</p>"}
        assert body["position"] == 1
        assert ids(listed.json()) == [cast.budget.id, body["id"]]
        logged = await session.scalar(
            select(ActionLogEntry.action).where(
                ActionLogEntry.object_type == "budget",
                ActionLogEntry.object_id == body["id"],
            )
        )
        assert logged == "budget.created"

    async def test_a_participant_may_not_create_a_budget(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        answer = await client.post(
            f"{API}/components/{cast.component.id}/budgets",
            json={"title": {"pt-BR": "X"}, "total": 10},
            headers=cast.voter.headers,
        )

        assert answer.status_code == 403

    async def test_a_budget_belongs_in_a_budgets_component(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        posts = await builders.component(session, cast.space)

        answer = await client.post(
            f"{API}/components/{posts.id}/budgets",
            json={"title": {"pt-BR": "X"}, "total": 10},
            headers=cast.space_admin.headers,
        )

        assert answer.status_code == 422

    async def test_the_total_freezes_once_someone_votes(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        path = f"{API}/budgets/{cast.budget.id}"
        before = await client.patch(
            path, json={"total": 120}, headers=cast.space_admin.headers
        )
        await cast_a_ballot(client, cast)

        after = await client.patch(
            path, json={"total": 500}, headers=cast.space_admin.headers
        )
        renamed = await client.patch(
            path,
            json={"title": {"pt-BR": "Novo"}},
            headers=cast.space_admin.headers,
        )
        deleted = await client.delete(path, headers=cast.space_admin.headers)

        assert before.status_code == 200
        assert after.status_code == 409
        assert after.json()["error_code"] == "budget_has_ballots"
        assert renamed.status_code == 200
        assert deleted.status_code == 409


class TestProjects:
    async def test_an_admin_creates_a_project_linked_to_proposals(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        proposals = await builders.component(
            session, cast.space, type=ComponentType.PROPOSALS
        )
        origin = await builders.proposal(session, proposals, cast.voter.user)
        draft = await builders.proposal(session, proposals, cast.voter.user, draft=True)

        created = await client.post(
            f"{API}/budgets/{cast.budget.id}/projects",
            json={
                "title": {"pt-BR": "Praça do Eldorado"},
                "amount": 30,
                "address": "Av. João César de Oliveira, 1",
                "latitude": -19.93,
                "longitude": -44.05,
                "proposal_ids": [origin.id, draft.id],
            },
            headers=cast.space_admin.headers,
        )
        seen = await client.get(f"{API}/budget-projects/{created.json()['id']}")

        assert created.status_code == 201, created.text
        # The draft is its author's: the public sees only the published link.
        assert seen.json()["proposal_ids"] == [origin.id]
        assert seen.json()["latitude"] == -19.93

    async def test_a_proposal_of_another_space_cannot_be_linked(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        elsewhere = await builders.space(session)
        proposals = await builders.component(
            session, elsewhere, type=ComponentType.PROPOSALS
        )
        origin = await builders.proposal(session, proposals, None)

        answer = await client.post(
            f"{API}/budgets/{cast.budget.id}/projects",
            json={"title": {"pt-BR": "X"}, "amount": 5, "proposal_ids": [origin.id]},
            headers=cast.space_admin.headers,
        )

        assert answer.status_code == 422

    async def test_amounts_freeze_and_projects_stay_once_someone_votes(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        await cast_a_ballot(client, cast)
        path = f"{API}/budget-projects/{cast.projects[0].id}"

        amount = await client.patch(
            path, json={"amount": 1}, headers=cast.space_admin.headers
        )
        title = await client.patch(
            path, json={"title": {"pt-BR": "Outro"}}, headers=cast.space_admin.headers
        )
        deleted = await client.delete(path, headers=cast.space_admin.headers)

        assert amount.status_code == 409
        assert title.status_code == 200
        assert deleted.status_code == 409

    async def test_projects_filter_by_scope_with_its_descendants(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        regional = await builders.scope(session)
        neighbourhood = await builders.scope(session, parent=regional)
        inside = await project(session, cast.budget, 5, scope_id=neighbourhood.id)

        answer = await client.get(
            f"{API}/budgets/{cast.budget.id}/projects",
            params={"scope_id": regional.id},
        )

        assert ids(answer.json()) == [inside.id]

    async def test_projects_page_by_cursor(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        path = f"{API}/budgets/{cast.budget.id}/projects"

        first = await client.get(path, params={"limit": 3})
        rest = await client.get(
            path, params={"limit": 3, "cursor": first.json()["next_cursor"]}
        )

        assert ids(first.json()) + ids(rest.json()) == [p.id for p in cast.projects]
        assert rest.json()["next_cursor"] is None


class TestVisibility:
    async def test_an_unpublished_component_hides_its_budgets_and_projects(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        hidden = await budgets_component(session, cast.space, published=False)
        budget = await make_budget(session, hidden)
        kept = await project(session, budget, 10)

        listed = await client.get(f"{API}/components/{hidden.id}/budgets")
        projects = await client.get(f"{API}/budgets/{budget.id}/projects")
        one = await client.get(f"{API}/budget-projects/{kept.id}")
        previewed = await client.get(
            f"{API}/budgets/{budget.id}/projects", headers=cast.space_admin.headers
        )

        assert listed.status_code == 404
        assert projects.status_code == 404
        assert one.status_code == 404
        assert ids(previewed.json()) == [kept.id]

    async def test_a_private_space_shows_its_projects_to_members_only(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        cast: Cast,
    ) -> None:
        private = await builders.space(session, visibility=Visibility.PRIVATE)
        component = await budgets_component(session, private)
        budget = await make_budget(session, component)
        kept = await project(session, budget, 10)
        assert cast.voter.user is not None
        await builders.member(session, private, cast.voter.user)
        outsider = await builders.actor(session, runtime)

        stranger = await client.get(
            f"{API}/budgets/{budget.id}/projects", headers=outsider.headers
        )
        member = await client.get(
            f"{API}/budgets/{budget.id}/projects", headers=cast.voter.headers
        )
        attachments = await client.get(
            f"{API}/resources/budget_project/{kept.id}/attachments"
        )

        assert stranger.status_code == 404
        assert ids(member.json()) == [kept.id]
        assert attachments.status_code == 404

    async def test_a_draft_space_hides_its_projects(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        draft = await builders.space(session, status=SpaceStatus.DRAFT)
        component = await budgets_component(session, draft)
        budget = await make_budget(session, component)
        kept = await project(session, budget, 10)

        one = await client.get(f"{API}/budget-projects/{kept.id}")

        assert one.status_code == 404


class TestConversation:
    async def test_residents_comment_on_a_project_and_its_count_follows(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        target = cast.projects[0]

        posted = await client.post(
            f"{API}/comments",
            json={
                "resource_type": "budget_project",
                "resource_id": target.id,
                "body": "<p>Precisamos dessa praça!</p>",
            },
            headers=cast.voter.headers,
        )
        seen = await client.get(f"{API}/budget-projects/{target.id}")

        assert posted.status_code == 201, posted.text
        assert seen.json()["comments_count"] == 1
