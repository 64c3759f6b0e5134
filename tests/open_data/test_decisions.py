"""Budgets, projects, results, surveys and surveys' aggregated answers in the
open data: present when public, absent otherwise, hidden counts never out."""

import re

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.accountability import ResultStatus
from app.models.base import utcnow
from app.models.spaces import SpaceStatus, Visibility
from app.models.surveys import SurveyAnswer, SurveyAnswerChoice, SurveyResponse
from app.models.users import User
from app.runtime import Runtime
from tests import builders
from tests.conftest import QueryCounter
from tests.newer_kinds import planned, stocked
from tests.open_data.conftest import download
from tests.surveys.conftest import question_ids, survey, surveys_component

DECIDED = ("budgets", "projects", "results", "surveys")
LOCALE = re.compile(r"/(pt-BR|en|es|ca)$")


def strip_locale(column: str) -> str:
    return LOCALE.sub("", column)


async def answer(
    session: AsyncSession,
    survey_id: int,
    user: User,
    question_id: int,
    *,
    options: tuple[str, ...] = (),
    text: str | None = None,
    number: float | None = None,
    other: str | None = None,
) -> None:
    """One participant's answer to one question, as the survey service stores it."""
    response = SurveyResponse(survey_id=survey_id, user_id=user.id)
    session.add(response)
    await session.flush()
    given = SurveyAnswer(
        response_id=response.id, question_id=question_id, text=text, number=number
    )
    session.add(given)
    await session.flush()
    for key in options:
        session.add(
            SurveyAnswerChoice(
                answer_id=given.id,
                question_id=question_id,
                option_key=key,
                custom_text=other,
            )
        )
    await session.flush()


class TestPresent:
    async def test_projects_have_decidims_columns(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        region = await builders.scope(session, name="Nacional")
        space = await builders.space(session)
        stock = await stocked(session, space)
        stock.project.scope_id = region.id
        stock.project.address = "Rua Rio Grande do Norte, 20"
        await session.flush()

        export = await download(client)

        header = export.header("projects")
        for column in (
            "id",
            "category/id",
            "category/name/pt-BR",
            "scope/id",
            "scope/name/pt-BR",
            "participatory_space/id",
            "participatory_space/url",
            "component/id",
            "title/pt-BR",
            "description/pt-BR",
            "budget/id",
            "budget_amount",
            "confirmed_votes",
            "comments",
            "created_at",
            "url",
            "address",
            "latitude",
            "longitude",
            "budget/title/pt-BR",
        ):
            assert column in header
        [row] = export.rows("projects")
        assert row["title/pt-BR"] == "Reforma da quadra poliesportiva"
        assert row["description/pt-BR"] == "Quadra coberta no Riacho"
        assert row["scope/name/pt-BR"] == "Nacional"
        assert row["budget/id"] == str(stock.budget.id)
        assert row["budget_amount"] == "500"
        assert row["budget/title/pt-BR"] == "Orçamento regional"
        [budget] = export.rows("budgets")
        assert budget["id"] == str(stock.budget.id)
        assert budget["total_budget"] == "100"

    async def test_results_have_decidims_columns(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        stock = await stocked(session, await builders.space(session))
        done = ResultStatus(
            component_id=stock.result.component_id,
            key="concluido",
            name={"pt-BR": "Concluído"},
            progress=100,
        )
        session.add(done)
        await session.flush()
        stock.result.status_id = done.id
        stock.result.progress = 100
        await session.flush()

        export = await download(client)

        # Decidim's results columns, locales aside, in Decidim's order.
        decidim = [
            "id",
            "category/id",
            "category/name",
            "scope/id",
            "scope/name",
            "parent/id",
            "title",
            "description",
            "start_date",
            "end_date",
            "status/id",
            "status/key",
            "status/name",
            "progress",
            "created_at",
            "url",
            "component/id",
            "proposal_urls",
        ]
        ours = list(dict.fromkeys(strip_locale(c) for c in export.header("results")))
        assert [c for c in ours if c in decidim] == decidim
        [row] = export.rows("results")
        assert row["title/pt-BR"] == "Ciclovia da Avenida João César"
        assert row["status/key"] == "concluido"
        assert row["status/name/pt-BR"] == "Concluído"
        assert row["progress"] == "100.0"

    async def test_survey_answers_are_counts_per_option_without_free_texts(
        self, client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
    ) -> None:
        space = await builders.space(session)
        asked = await survey(
            session, await surveys_component(session, space, results_public=True)
        )
        ids = await question_ids(session, asked)
        for options in (("sim",), ("sim",), ("nao",)):
            await answer(
                session,
                asked.id,
                await builders.user(session, runtime),
                ids[0],
                options=options,
            )
        lines = await builders.user(session, runtime)
        await answer(
            session, asked.id, lines, ids[1], options=("outra",), other="Linha 9"
        )
        tells = await builders.user(session, runtime)
        await answer(session, asked.id, tells, ids[6], text="Moro na Rua das Flores")
        counts = await builders.user(session, runtime)
        await answer(session, asked.id, counts, ids[4], number=4)

        export = await download(client)

        records = {r["id"]: r for r in export.records("survey_answers")}
        transport = records[ids[0]]
        assert transport["answers"] == 3
        assert [(o["option"], o["count"]) for o in transport["options"]] == [
            ("sim", 2),
            ("nao", 1),
        ]
        assert records[ids[4]]["number"] == {"min": 4.0, "max": 4.0, "mean": 4.0}
        assert records[ids[6]]["answers"] == 1
        assert records[ids[6]]["options"] == []
        everything = export.everything()
        assert "Rua das Flores" not in everything
        assert "Linha 9" not in everything
        assert lines.email not in everything
        [row] = export.rows("surveys")
        assert row["responses"] == "0"
        assert row["results_public"] == "true"


class TestLeftOut:
    async def test_nothing_from_unpublished_components_private_or_draft_spaces(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await stocked(session, await builders.space(session), published=False)
        await stocked(
            session, await builders.space(session, visibility=Visibility.PRIVATE)
        )
        await stocked(session, await builders.space(session, status=SpaceStatus.DRAFT))

        export = await download(client)

        for entity in (*DECIDED, "survey_answers"):
            assert export.rows(entity) == [], entity
        assert "poliesportiva" not in export.everything()

    async def test_draft_surveys_and_private_results_stay_out(
        self, client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
    ) -> None:
        space = await builders.space(session)
        draft = await survey(
            session,
            await surveys_component(session, space, results_public=True),
            published=False,
        )
        private_results = await survey(session, await surveys_component(session, space))
        [first] = (await question_ids(session, private_results))[:1]
        await answer(
            session,
            private_results.id,
            await builders.user(session, runtime),
            first,
            options=("sim",),
        )

        export = await download(client)

        surveys_out = {row["id"] for row in export.rows("surveys")}
        assert surveys_out == {str(private_results.id)}
        assert str(draft.id) not in surveys_out
        assert export.rows("survey_answers") == []

    async def test_vote_counts_stay_empty_while_the_budget_hides_them(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        voting = await stocked(session, await builders.space(session))
        voting.project.votes_count = 41
        voting.budget.ballots_count = 41
        over = await stocked(
            session,
            await builders.space(session),
            budget_settings={"show_votes": True},
            budget_switches={"votes_enabled": False},
        )
        over.project.votes_count = 12
        over.budget.ballots_count = 12
        await session.flush()

        export = await download(client)

        projects = {row["id"]: row for row in export.rows("projects")}
        assert projects[str(voting.project.id)]["confirmed_votes"] == ""
        assert projects[str(over.project.id)]["confirmed_votes"] == "12"
        records = {r["id"]: r for r in export.records("projects")}
        assert records[voting.project.id]["confirmed_votes"] is None
        budgets = {row["id"]: row for row in export.rows("budgets")}
        assert budgets[str(voting.budget.id)]["ballots"] == ""
        assert budgets[str(over.budget.id)]["ballots"] == "12"

    async def test_the_selection_waits_for_the_published_outcome(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        stock = await stocked(session, await builders.space(session))
        stock.project.selected = True
        other = await planned(session, stock.budget, "Iluminação da praça")
        other.selected = False
        await session.flush()

        before = {r["id"]: r for r in (await download(client)).records("projects")}
        stock.budget.outcome_published_at = utcnow()
        await session.flush()
        after = {r["id"]: r for r in (await download(client)).records("projects")}

        assert before[stock.project.id]["selected"] is None
        assert after[stock.project.id]["selected"] is True
        assert after[other.id]["selected"] is False


class TestFormulas:
    async def test_formulas_in_the_newer_entities_are_neutralised(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        stock = await stocked(session, await builders.space(session))
        formula = '=HYPERLINK("http://evil.example","clique")'
        stock.project.title = {"pt-BR": formula}
        stock.result.title = {"pt-BR": "+1+1"}
        stock.survey.title = {"pt-BR": "@SUM(A1)"}
        stock.budget.title = {"pt-BR": "-2"}
        await session.flush()

        export = await download(client)

        assert export.rows("projects")[0]["title/pt-BR"] == "'" + formula
        assert export.rows("results")[0]["title/pt-BR"] == "'+1+1"
        assert export.rows("surveys")[0]["title/pt-BR"] == "'@SUM(A1)"
        assert export.rows("budgets")[0]["title/pt-BR"] == "'-2"
        assert export.records("projects")[0]["title"]["pt-BR"] == formula


async def test_the_export_runs_the_same_queries_whatever_the_rows(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    queries: QueryCounter,
) -> None:
    space = await builders.space(session)
    asked = await survey(
        session, await surveys_component(session, space, results_public=True)
    )
    first = (await question_ids(session, asked))[0]
    counted = []
    for rows in (2, 18):
        for _ in range(rows):
            stock = await stocked(session, space)
            await planned(session, stock.budget, "Outro projeto")
            voter = await builders.user(session, runtime)
            await answer(session, asked.id, voter, first, options=("sim",))
        queries.statements.clear()
        export = await download(client)
        counted.append(queries.count)

    assert len(export.rows("projects")) == 2 * 20
    assert counted[0] == counted[1]
