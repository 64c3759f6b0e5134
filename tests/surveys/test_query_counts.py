"""Survey lists and results run the same number of queries whatever their size."""

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.surveys import SurveyAnswer, SurveyAnswerChoice, SurveyResponse
from app.runtime import Runtime
from tests import builders
from tests.conftest import QueryCounter
from tests.surveys.conftest import API, Cast, question_ids, survey, surveys_component


async def _responses(
    session: AsyncSession, runtime: Runtime, cast: Cast, rows: int
) -> str:
    component = await surveys_component(session, cast.space, results_public=True)
    shown = await survey(session, component)
    ids = await question_ids(session, shown)
    for _ in range(rows):
        account = await builders.user(session, runtime)
        response = SurveyResponse(survey_id=shown.id, user_id=account.id)
        session.add(response)
        await session.flush()
        answer = SurveyAnswer(response_id=response.id, question_id=ids[0])
        number = SurveyAnswer(response_id=response.id, question_id=ids[4], number=3)
        session.add_all([answer, number])
        await session.flush()
        session.add(
            SurveyAnswerChoice(
                answer_id=answer.id, question_id=ids[0], option_key="sim"
            )
        )
    shown.responses_count = rows
    await session.flush()
    return f"{API}/surveys/{shown.id}/results"


async def _surveys(
    session: AsyncSession, runtime: Runtime, cast: Cast, rows: int
) -> str:
    component = await surveys_component(session, cast.space)
    for _ in range(rows):
        await survey(session, component, questions=[])
    return f"{API}/components/{component.id}/surveys?limit=100"


@pytest.mark.parametrize("fill", [_responses, _surveys], ids=["results", "list"])
async def test_queries_do_not_grow_with_rows(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    cast: Cast,
    queries: QueryCounter,
    fill: object,
) -> None:
    counted = []
    for rows in (2, 20):
        url = await fill(session, runtime, cast, rows)  # type: ignore[operator]
        queries.statements.clear()
        answer = await client.get(url, headers=cast.participant.headers)
        assert answer.status_code == 200
        counted.append(queries.count)

    assert counted[0] == counted[1]
