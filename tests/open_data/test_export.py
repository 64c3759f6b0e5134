"""What the open data export holds, in which shape, and what it leaves out."""

from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.comments import Comment
from app.models.components import ComponentType
from app.models.councils import CouncilSeat, SeatStatus
from app.models.proposals import AnswerState
from app.models.spaces import SpaceKind, SpaceStatus, Visibility
from app.runtime import Runtime
from app.services.open_data import exporters
from tests import builders
from tests.open_data.conftest import API, download

ENTITIES = {
    "processes",
    "assemblies",
    "council_seats",
    "proposals",
    "comments",
    "debates",
    "meetings",
    "scopes",
    "areas",
    "budgets",
    "projects",
    "results",
    "surveys",
    "survey_answers",
}


class TestShape:
    async def test_the_zip_holds_each_entity_twice_and_a_readme(
        self, client: httpx.AsyncClient
    ) -> None:
        export = await download(client)

        assert {exporter.name for exporter in exporters()} >= ENTITIES
        expected = {"README.md"} | {
            f"{exporter.name}.{suffix}"
            for exporter in exporters()
            for suffix in ("csv", "jsonl")
        }
        assert export.names() == expected
        readme = export.text("README.md")
        assert "Open Database License" in readme
        assert "| `title/LOCALE` | Title. |" in readme
        assert "## proposals" in readme

    async def test_proposals_have_decidims_columns(
        self, client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
    ) -> None:
        region = await builders.scope(session, name="Eldorado")
        space = await builders.space(session)
        component = await builders.component(
            session, space, type=ComponentType.PROPOSALS
        )
        proposal = await builders.proposal(
            session, component, None, title="Creche no bairro", scope_id=region.id
        )

        export = await download(client)

        header = export.header("proposals")
        for column in (
            "id",
            "title/pt-BR",
            "title/es",
            "body/pt-BR",
            "scope/id",
            "scope/name/pt-BR",
            "category/id",
            "participatory_space/id",
            "component/id",
            "state",
            "reference",
            "supports",
            "endorsements/total_count",
            "comments",
            "published_at",
            "url",
        ):
            assert column in header
        [row] = export.rows("proposals")
        assert row["id"] == str(proposal.id)
        assert row["title/pt-BR"] == "Creche no bairro"
        assert row["body/pt-BR"] == "Creche no bairro"
        assert row["scope/name/pt-BR"] == "Eldorado"
        assert row["participatory_space/id"] == str(space.id)
        [record] = export.records("proposals")
        assert record["title"] == {"pt-BR": "Creche no bairro"}
        assert record["scope"] == {"id": region.id, "name": {"pt-BR": "Eldorado"}}

    async def test_each_entity_downloads_alone(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await builders.scope(session, name="Ressaca")

        sheet = await client.get(f"{API}/open-data/scopes.csv")
        lines = await client.get(f"{API}/open-data/scopes.jsonl")
        unknown = await client.get(f"{API}/open-data/users.csv")

        assert sheet.status_code == 200
        assert sheet.headers["content-type"].startswith("text/csv")
        assert sheet.text.splitlines()[0].startswith(
            "id;parent/id;code;type;name/pt-BR"
        )
        assert "Ressaca" in sheet.text
        assert lines.status_code == 200
        assert '"name":{"pt-BR":"Ressaca"}' in lines.text
        assert unknown.status_code == 404
        assert unknown.headers["content-type"] == "application/problem+json"

    async def test_an_unchanged_export_answers_304_to_its_etag(
        self, client: httpx.AsyncClient
    ) -> None:
        first = await client.get(f"{API}/open-data")

        again = await client.get(
            f"{API}/open-data", headers={"If-None-Match": first.headers["ETag"]}
        )

        assert again.status_code == 304


class TestFormulas:
    async def test_csv_cells_are_neutralised_and_json_is_intact(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        space = await builders.space(session)
        component = await builders.component(
            session, space, type=ComponentType.PROPOSALS
        )
        formula = '=HYPERLINK("http://evil.example","clique")'
        await builders.proposal(session, component, None, title=formula)
        await builders.proposal(session, component, None, title="-2+3")
        await builders.proposal(session, component, None, title="@SUM(A1)")

        export = await download(client)

        titles = [row["title/pt-BR"] for row in export.rows("proposals")]
        assert titles == ["'" + formula, "'-2+3", "'@SUM(A1)"]
        records = [record["title"]["pt-BR"] for record in export.records("proposals")]
        assert records == [formula, "-2+3", "@SUM(A1)"]


class TestLeftOut:
    async def test_only_public_proposals_are_exported(
        self, client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
    ) -> None:
        author = await builders.user(session, runtime)
        public = await builders.space(session)
        component = await builders.component(
            session, public, type=ComponentType.PROPOSALS
        )
        hidden_component = await builders.component(
            session, public, type=ComponentType.PROPOSALS, published=False
        )
        private = await builders.space(session, visibility=Visibility.PRIVATE)
        private_component = await builders.component(
            session, private, type=ComponentType.PROPOSALS
        )
        draft_space = await builders.space(session, status=SpaceStatus.DRAFT)
        draft_component = await builders.component(
            session, draft_space, type=ComponentType.PROPOSALS
        )
        shown = await builders.proposal(session, component, author, title="Pública")
        withdrawn = await builders.proposal(
            session,
            component,
            author,
            title="Retirada",
            status="withdrawn",
            withdrawn_at=utcnow(),
        )
        await builders.proposal(
            session, component, author, title="Rascunho", draft=True
        )
        await builders.proposal(session, hidden_component, author, title="Oculta")
        await builders.proposal(session, private_component, author, title="Privada")
        await builders.proposal(session, draft_component, author, title="Prévia")

        export = await download(client)

        rows = {row["id"]: row for row in export.rows("proposals")}
        assert set(rows) == {str(shown.id), str(withdrawn.id)}
        assert rows[str(withdrawn.id)]["state"] == "withdrawn"
        assert author.email not in export.everything()

    async def test_an_unpublished_answer_and_hidden_supports_stay_out(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        space = await builders.space(session)
        component = await builders.component(
            session,
            space,
            type=ComponentType.PROPOSALS,
            switches={"supports_hidden": True},
        )
        await builders.proposal(
            session,
            component,
            None,
            title="Quadra",
            answer_state=AnswerState.ACCEPTED,
            answer={"pt-BR": "Resposta ainda interna"},
            answered_at=utcnow(),
            supports_count=41,
        )

        export = await download(client)

        [row] = export.rows("proposals")
        assert row["state"] == ""
        assert row["answer/pt-BR"] == ""
        assert row["supports"] == ""
        assert "Resposta ainda interna" not in export.everything()
        [record] = export.records("proposals")
        assert record["supports"] is None

    async def test_deleted_hidden_and_private_comments_and_emails_stay_out(
        self, client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
    ) -> None:
        author = await builders.user(session, runtime, name="Maria Souza")
        public = await builders.space(session)
        component = await builders.component(
            session, public, type=ComponentType.PROPOSALS
        )
        private = await builders.space(session, visibility=Visibility.PRIVATE)
        private_component = await builders.component(
            session, private, type=ComponentType.PROPOSALS
        )
        open_proposal = await builders.proposal(session, component, author)
        closed_proposal = await builders.proposal(session, private_component, author)
        kept = Comment(
            resource_type="proposal",
            resource_id=open_proposal.id,
            author_id=author.id,
            body="Concordo",
        )
        deleted = Comment(
            resource_type="proposal",
            resource_id=open_proposal.id,
            author_id=author.id,
            body="Apagado",
            deleted_at=utcnow(),
        )
        hidden = Comment(
            resource_type="proposal",
            resource_id=open_proposal.id,
            author_id=author.id,
            body="Escondido",
            hidden_at=utcnow(),
        )
        secret = Comment(
            resource_type="proposal",
            resource_id=closed_proposal.id,
            author_id=author.id,
            body="Sigiloso",
        )
        session.add_all([kept, deleted, hidden, secret])
        await session.flush()

        export = await download(client)

        [row] = export.rows("comments")
        assert row["id"] == str(kept.id)
        assert row["author/name"] == "Maria Souza"
        assert row["commentable_type"] == "Decidim::Proposals::Proposal"
        everything = export.everything()
        assert "Apagado" not in everything
        assert "Sigiloso" not in everything
        assert author.email not in everything

    async def test_councils_show_occupied_seats_only(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        council = await builders.space(
            session, kind=SpaceKind.ASSEMBLY, is_council=True, title="Conselho de Saúde"
        )
        session.add_all(
            [
                CouncilSeat(
                    space_id=council.id,
                    sector="usuários",
                    holder_name="José Lima",
                    status=SeatStatus.ACTIVE,
                    term_end=(utcnow() + timedelta(days=300)).date(),
                ),
                CouncilSeat(
                    space_id=council.id, sector="gestores", status=SeatStatus.VACANT
                ),
            ]
        )
        await session.flush()

        export = await download(client)

        [assembly] = export.rows("assemblies")
        assert assembly["title/pt-BR"] == "Conselho de Saúde"
        assert assembly["is_council"] == "true"
        [seat] = export.rows("council_seats")
        assert seat["holder"] == "José Lima"
        assert seat["assembly/id"] == str(council.id)
