"""Nobody gets hits or counts for what they may not read or what left view."""

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.search import SearchDocument
from app.models.spaces import SpaceRoleName, SpaceStatus, Visibility
from app.models.users import UserRole
from app.runtime import Runtime
from app.services import search
from tests import builders
from tests.builders import actor
from tests.search.conftest import API, Stage, comment, find, found, meeting, post


def nothing(body: dict[str, object]) -> bool:
    return body["items"] == [] and body["counts"] == {}


class TestUnpublished:
    async def test_a_draft_proposal_is_its_authors_alone(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        stage: Stage,
    ) -> None:
        draft = await builders.proposal(
            session, stage.proposals, stage.author.user, title="Rascunho", draft=True
        )
        stranger = await actor(session, runtime)

        assert nothing(await find(client, stage.anonymous, "rascunho"))
        assert nothing(await find(client, stranger, "rascunho"))
        mine = await find(client, stage.author, "rascunho")
        assert found(mine) == [("proposal", draft.id)]

    async def test_an_unpublished_component_is_its_teams_alone(
        self, client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
    ) -> None:
        space = await builders.space(session)
        hidden = await builders.component(session, space, published=False)
        news = await post(session, hidden, "Comunicado interno")
        team = await actor(
            session, runtime, space=space, space_role=SpaceRoleName.ADMIN
        )

        assert nothing(await find(client, builders.ANONYMOUS, "comunicado"))
        assert found(await find(client, team, "comunicado")) == [("post", news.id)]

    async def test_a_draft_space_and_its_content_are_found_by_admins_only(
        self, client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
    ) -> None:
        space = await builders.space(
            session, status=SpaceStatus.DRAFT, title="Orçamento secreto"
        )
        component = await builders.component(session, space)
        await post(session, component, "Orçamento preliminar")
        admin = await actor(session, runtime, UserRole.ADMIN)

        assert nothing(await find(client, builders.ANONYMOUS, "orcamento"))
        assert (await find(client, admin, "orcamento"))["counts"] == {
            "space": 1,
            "post": 1,
        }

    async def test_a_scheduled_post_waits_for_its_time(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        from datetime import timedelta

        await post(
            session,
            stage.posts,
            "Inauguração amanhã",
            published_at=utcnow() + timedelta(days=1),
        )

        assert nothing(await find(client, stage.anonymous, "inauguracao"))


class TestPrivate:
    async def test_a_private_space_is_found_by_its_members_only(
        self, client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
    ) -> None:
        space = await builders.space(
            session, visibility=Visibility.PRIVATE, title="Conselho tutelar"
        )
        component = await builders.component(session, space)
        news = await post(session, component, "Conselho reunido")
        insider = await actor(session, runtime)
        assert insider.user is not None
        await builders.member(session, space, insider.user)
        outsider = await actor(session, runtime)

        assert nothing(await find(client, builders.ANONYMOUS, "conselho"))
        assert nothing(await find(client, outsider, "conselho"))
        assert sorted(found(await find(client, insider, "conselho"))) == sorted(
            [("space", space.id), ("post", news.id)]
        )

    async def test_comments_read_as_what_they_are_on(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        author = stage.author.user
        assert author is not None
        draft = await builders.proposal(
            session, stage.proposals, author, title="Ideia", draft=True
        )
        await comment(session, draft, author, "Nota sobre a ideia")

        assert nothing(await find(client, stage.anonymous, "nota"))
        assert found(await find(client, stage.author, "nota"))[0][0] == "comment"


class TestLeftView:
    async def test_a_withdrawn_proposal_is_not_found(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        proposal = await builders.proposal(
            session, stage.proposals, stage.author.user, title="Quadra coberta"
        )
        assert found(await find(client, stage.anonymous, "quadra"))

        response = await client.post(
            f"{API}/proposals/{proposal.id}/withdraw", headers=stage.author.headers
        )

        assert response.status_code == 200, response.text
        assert nothing(await find(client, stage.anonymous, "quadra"))
        assert nothing(await find(client, stage.author, "quadra"))

    async def test_a_withdrawn_meeting_is_not_found(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        gone = await meeting(session, stage.meetings, "Plenária do orçamento")
        gone.withdrawn_at = utcnow()
        await session.flush()

        assert nothing(await find(client, stage.anonymous, "plenaria"))

    async def test_a_deleted_comment_leaves_the_index(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        author = stage.author.user
        assert author is not None
        proposal = await builders.proposal(
            session, stage.proposals, author, title="Parque linear"
        )
        remark = await comment(session, proposal, author, "Apoio a arborização")

        response = await client.delete(
            f"{API}/comments/{remark.id}", headers=stage.author.headers
        )

        assert response.status_code == 204, response.text
        assert nothing(await find(client, stage.author, "arborizacao"))
        entries = select(func.count()).where(
            SearchDocument.resource_type == "comment",
            SearchDocument.resource_id == remark.id,
        )
        assert await session.scalar(entries) == 0

    async def test_a_deleted_post_is_not_found(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        stage: Stage,
    ) -> None:
        news = await post(session, stage.posts, "Vacinação na praça")
        team = await actor(
            session, runtime, space=stage.space, space_role=SpaceRoleName.ADMIN
        )

        response = await client.delete(f"{API}/posts/{news.id}", headers=team.headers)

        assert response.status_code == 204, response.text
        assert nothing(await find(client, team, "vacinacao"))

    async def test_a_hidden_proposal_is_not_found(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        proposal = await builders.proposal(
            session, stage.proposals, stage.author.user, title="Ofensa escondida"
        )
        proposal.hidden_at = utcnow()
        await session.flush()

        assert nothing(await find(client, stage.anonymous, "ofensa"))

    async def test_a_hidden_comment_is_not_found(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        author = stage.author.user
        assert author is not None
        proposal = await builders.proposal(
            session, stage.proposals, author, title="Praça nova"
        )
        remark = await comment(session, proposal, author, "Insulto escondido")
        assert found(await find(client, stage.anonymous, "insulto"))

        remark.hidden_at = utcnow()
        await session.flush()

        assert nothing(await find(client, stage.anonymous, "insulto"))


class TestKeptCurrent:
    async def test_an_edited_post_is_found_by_its_new_words_only(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        stage: Stage,
    ) -> None:
        news = await post(session, stage.posts, "Festa junina")
        team = await actor(
            session, runtime, space=stage.space, space_role=SpaceRoleName.ADMIN
        )

        response = await client.patch(
            f"{API}/posts/{news.id}",
            json={
                "title": {"pt-BR": "Quermesse da paróquia"},
                "body": {"pt-BR": "<p>Barracas e quadrilha</p>"},
            },
            headers=team.headers,
        )

        assert response.status_code == 200, response.text
        assert nothing(await find(client, stage.anonymous, "junina"))
        assert found(await find(client, stage.anonymous, "quermesse")) == [
            ("post", news.id)
        ]

    async def test_reindex_rebuilds_a_lost_index(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        proposal = await builders.proposal(
            session, stage.proposals, stage.author.user, title="Restaurante popular"
        )
        await session.run_sync(
            lambda sync: search.reindex_all(sync.connection(), ["proposal"])
        )
        await session.execute(
            SearchDocument.__table__.delete().where(
                SearchDocument.resource_type == "proposal"
            )
        )

        counts = await search.reindex(session, ["proposal"])

        assert counts == {"proposal": 1}
        assert found(await find(client, stage.anonymous, "restaurante")) == [
            ("proposal", proposal.id)
        ]
