"""Races on PostgreSQL: a double submit keeps one response; questions freeze."""

import asyncio

import httpx
from sqlalchemy import func, select

from app.models.surveys import Survey, SurveyResponse
from app.runtime import Runtime
from tests import builders
from tests.surveys.conftest import (
    API,
    full_answers,
    question_ids,
    survey,
    surveys_component,
)


async def test_the_same_user_submitting_five_times_at_once_answers_once(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    async with committed_runtime.sessionmaker() as session:
        space = await builders.space(session)
        component = await surveys_component(session, space)
        shown = await survey(session, component)
        ids = await question_ids(session, shown)
        user = await builders.user(session, committed_runtime)
        await session.commit()
    headers = builders.bearer(committed_runtime, user)

    answers = await asyncio.gather(
        *(
            committed_client.post(
                f"{API}/surveys/{shown.id}/responses",
                json=full_answers(ids),
                headers=headers,
            )
            for _ in range(5)
        )
    )

    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409, 409]
    async with committed_runtime.sessionmaker() as session:
        stored = await session.scalar(
            select(func.count()).where(SurveyResponse.survey_id == shown.id)
        )
        counted = (await session.get_one(Survey, shown.id)).responses_count
    assert stored == counted == 1


async def test_twenty_participants_at_once_are_all_counted(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    async with committed_runtime.sessionmaker() as session:
        space = await builders.space(session)
        component = await surveys_component(session, space)
        shown = await survey(session, component)
        ids = await question_ids(session, shown)
        users = [await builders.user(session, committed_runtime) for _ in range(20)]
        await session.commit()

    answers = await asyncio.gather(
        *(
            committed_client.post(
                f"{API}/surveys/{shown.id}/responses",
                json=full_answers(ids),
                headers=builders.bearer(committed_runtime, user),
            )
            for user in users
        )
    )

    assert [a.status_code for a in answers] == [201] * 20
    async with committed_runtime.sessionmaker() as session:
        assert (await session.get_one(Survey, shown.id)).responses_count == 20
