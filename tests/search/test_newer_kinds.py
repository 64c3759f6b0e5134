"""Budget projects, accountability results and surveys are found by the same
read rule as the rest: public ones by anyone, nothing hidden by anybody."""

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.budgets import BudgetProject
from app.models.search import SearchDocument
from app.models.spaces import SpaceStatus, Visibility
from app.models.users import UserRole
from app.runtime import Runtime
from app.services import search
from tests import builders
from tests.newer_kinds import asking, stocked
from tests.search.conftest import find, found
from tests.surveys.conftest import surveys_component

ANYONE = builders.ANONYMOUS


class TestFoundWhenPublic:
    async def test_each_newer_kind_is_found_by_its_texts(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        ids = (await stocked(session, await builders.space(session))).ids()

        assert found(await find(client, ANYONE, "poliesportiva")) == [
            ("budget_project", ids["budget_project"])
        ]
        assert found(await find(client, ANYONE, "ciclovia")) == [
            ("result", ids["result"])
        ]
        assert found(await find(client, ANYONE, "arborizacao")) == [
            ("survey", ids["survey"])
        ]

    async def test_the_type_filter_and_counts_know_the_newer_kinds(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        ids = (await stocked(session, await builders.space(session))).ids()

        body = await find(client, ANYONE, "quadra", type="budget_project")

        assert found(body) == [("budget_project", ids["budget_project"])]
        assert body["counts"] == {"budget_project": 1}

    async def test_a_renamed_project_is_found_by_its_new_title(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        ids = (await stocked(session, await builders.space(session))).ids()
        renamed = await session.get_one(BudgetProject, ids["budget_project"])
        renamed.title = {"pt-BR": "Praça de esportes"}
        await session.flush()

        assert found(await find(client, ANYONE, "poliesportiva")) == []
        assert found(await find(client, ANYONE, "esportes")) == [
            ("budget_project", renamed.id)
        ]


class TestNotFoundWhenHidden:
    async def test_nothing_in_an_unpublished_component(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        space = await builders.space(session)
        await stocked(session, space, published=False)

        for word in ("poliesportiva", "ciclovia", "arborizacao"):
            body = await find(client, ANYONE, word)
            assert body["items"] == [] and body["counts"] == {}, word

    async def test_nothing_in_a_private_or_draft_space(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        for space in (
            await builders.space(session, visibility=Visibility.PRIVATE),
            await builders.space(session, status=SpaceStatus.DRAFT),
        ):
            await stocked(session, space)

        for word in ("poliesportiva", "ciclovia", "arborizacao"):
            body = await find(client, ANYONE, word)
            assert body["items"] == [] and body["counts"] == {}, word

    async def test_a_draft_survey_is_not_found_even_by_its_team(
        self, client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
    ) -> None:
        space = await builders.space(session)
        await asking(
            session,
            await surveys_component(session, space),
            "Consulta sobre feiras",
            published=False,
        )
        admin = await builders.actor(session, runtime, UserRole.ADMIN)

        assert (await find(client, ANYONE, "feiras"))["items"] == []
        assert (await find(client, admin, "feiras"))["items"] == []


async def test_reindex_rebuilds_the_newer_kinds(session: AsyncSession) -> None:
    ids = (await stocked(session, await builders.space(session))).ids()
    await session.execute(SearchDocument.__table__.delete())

    counts = await search.reindex(session, ["budget_project", "result", "survey"])

    assert counts == {"budget_project": 1, "result": 1, "survey": 1}
    indexed = await session.execute(
        select(SearchDocument.resource_type, SearchDocument.resource_id)
    )
    assert {tuple(row) for row in indexed} == set(ids.items())
