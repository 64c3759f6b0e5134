"""Surveys on the app: questions with when they show, the answering window,
answering once, and results only where they are public."""

from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.components import Component
from app.models.spaces import Visibility
from app.models.surveys import Survey
from tests.conftest import QueryCounter
from tests.mobile.conftest import MOBILE, Scene
from tests.surveys.conftest import option, question_ids, survey, surveys_component

EXPECTED_SURVEY_LIST = 4
"""The component read first (a 404 for one the viewer may not read), then the page."""
"""Statements one request runs, whatever the number of rows it shows."""

QUESTIONS: list[dict[str, Any]] = [
    {
        "type": "single_choice",
        "body": {"pt-BR": "Você usa ônibus?", "en": "Do you ride the bus?"},
        "mandatory": True,
        "options": [option("sim", "Sim"), option("nao", "Não")],
    },
    {
        "type": "short_text",
        "body": {"pt-BR": "Qual linha?"},
        "mandatory": True,
        "shown_if": {"question_position": 0, "option": "sim"},
    },
]


@pytest.fixture
async def component(session: AsyncSession, scene: Scene) -> Component:
    return await surveys_component(session, scene.space, results_public=True)


async def asked(session: AsyncSession, component: Component, **fields: Any) -> Survey:
    return await survey(session, component, questions=QUESTIONS, **fields)


async def answer_no(
    client: httpx.AsyncClient, session: AsyncSession, scene: Scene, shown: Survey
) -> httpx.Response:
    first, _ = await question_ids(session, shown)
    return await client.post(
        f"{MOBILE}/surveys/{shown.id}/responses",
        json={"answers": [{"question_id": first, "choices": [{"option": "nao"}]}]},
        headers=scene.participant.headers,
    )


class TestScreens:
    async def test_the_survey_screen_tells_which_questions_show_when(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        scene: Scene,
        component: Component,
    ) -> None:
        shown = await asked(session, component)
        first, second = await question_ids(session, shown)

        answer = await client.get(
            f"{MOBILE}/surveys/{shown.id}",
            headers={**scene.participant.headers, "Accept-Language": "en"},
        )

        body = answer.json()
        assert answer.status_code == 200
        assert (body["open"], body["why_closed"]) == (True, None)
        assert body["viewer"] == {"answered": False}
        questions = body["questions"]
        assert questions[0]["body"] == "Do you ride the bus?"
        assert [o["body"] for o in questions[0]["options"]] == ["Sim", "Não"]
        assert (
            questions[1]["shown_if_question_id"],
            questions[1]["shown_if_option"],
        ) == (
            first,
            "sim",
        )
        assert questions[1]["id"] == second

    async def test_a_closed_survey_says_why(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        scene: Scene,
        component: Component,
    ) -> None:
        shown = await asked(session, component, closes_on=date(2020, 1, 31))

        body = (await client.get(f"{MOBILE}/surveys/{shown.id}")).json()

        assert body["open"] is False
        assert body["why_closed"] == "it closed on 2020-01-31"

    async def test_drafts_and_private_spaces_are_not_shown(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        scene: Scene,
        component: Component,
    ) -> None:
        draft = await asked(session, component, published=False)
        public = await asked(session, component)

        listed = await client.get(
            f"{MOBILE}/components/{component.id}/surveys",
            headers=scene.participant.headers,
        )
        draft_screen = await client.get(
            f"{MOBILE}/surveys/{draft.id}", headers=scene.participant.headers
        )
        scene.space.visibility = Visibility.PRIVATE
        await session.flush()
        private = await client.get(
            f"{MOBILE}/surveys/{public.id}", headers=scene.participant.headers
        )

        assert [item["id"] for item in listed.json()["items"]] == [public.id]
        assert draft_screen.status_code == 404
        assert private.status_code == 404

    async def test_an_unpublished_component_hides_its_surveys(
        self, client: httpx.AsyncClient, session: AsyncSession, scene: Scene
    ) -> None:
        hidden = await surveys_component(session, scene.space, published=False)
        shown = await asked(session, hidden)

        answer = await client.get(
            f"{MOBILE}/surveys/{shown.id}", headers=scene.participant.headers
        )

        assert answer.status_code == 404


class TestAnswering:
    async def test_answering_returns_the_screen_answered(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        scene: Scene,
        component: Component,
    ) -> None:
        shown = await asked(session, component)

        answer = await answer_no(client, session, scene, shown)
        again = await answer_no(client, session, scene, shown)

        assert answer.status_code == 201
        assert answer.json()["viewer"] == {"answered": True}
        assert answer.json()["responses_count"] == 1
        assert again.status_code == 409

    async def test_a_shown_mandatory_question_must_be_answered(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        scene: Scene,
        component: Component,
    ) -> None:
        shown = await asked(session, component)
        first, _ = await question_ids(session, shown)

        answer = await client.post(
            f"{MOBILE}/surveys/{shown.id}/responses",
            json={"answers": [{"question_id": first, "choices": [{"option": "sim"}]}]},
            headers=scene.participant.headers,
        )

        assert answer.status_code == 422

    async def test_public_results_count_the_answers(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        scene: Scene,
        component: Component,
    ) -> None:
        shown = await asked(session, component)
        await answer_no(client, session, scene, shown)

        results = await client.get(f"{MOBILE}/surveys/{shown.id}/results")

        assert results.status_code == 200
        assert results.json()["responses_count"] == 1

    async def test_results_that_are_not_public_are_refused(
        self, client: httpx.AsyncClient, session: AsyncSession, scene: Scene
    ) -> None:
        closed = await surveys_component(session, scene.space, results_public=False)
        shown = await asked(session, closed)

        results = await client.get(
            f"{MOBILE}/surveys/{shown.id}/results", headers=scene.participant.headers
        )

        assert results.status_code == 403


@pytest.mark.parametrize("rows", [2, 20])
async def test_survey_list_runs_the_same_queries_whatever_its_length(
    client: httpx.AsyncClient,
    session: AsyncSession,
    scene: Scene,
    component: Component,
    queries: QueryCounter,
    rows: int,
) -> None:
    for _ in range(rows):
        await asked(session, component)
    queries.statements.clear()

    answer = await client.get(
        f"{MOBILE}/components/{component.id}/surveys",
        params={"limit": 50},
        headers=scene.participant.headers,
    )

    assert len(answer.json()["items"]) == rows
    assert queries.count == EXPECTED_SURVEY_LIST
