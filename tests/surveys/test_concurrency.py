"""Races on PostgreSQL: a double submit keeps one response; questions freeze."""

import asyncio

import httpx
from sqlalchemy import func, select

from app.models.spaces import SpaceRoleName
from app.models.surveys import Survey, SurveyResponse
from app.runtime import Runtime
from tests import builders
from tests.surveys.conftest import (
    API,
    QUESTIONS,
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


async def test_questions_and_responses_racing_never_mix(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    async with committed_runtime.sessionmaker() as session:
        space = await builders.space(session)
        component = await surveys_component(session, space)
        shown = await survey(session, component)
        ids = await question_ids(session, shown)
        users = [await builders.user(session, committed_runtime) for _ in range(5)]
        admin = await builders.user(session, committed_runtime)
        await builders.grant(session, space, admin, SpaceRoleName.ADMIN)
        await session.commit()
    change = committed_client.put(
        f"{API}/surveys/{shown.id}/questions",
        json={"questions": QUESTIONS},
        headers=builders.bearer(committed_runtime, admin),
    )
    submits = [
        committed_client.post(
            f"{API}/surveys/{shown.id}/responses",
            json=full_answers(ids),
            headers=builders.bearer(committed_runtime, user),
        )
        for user in users
    ]

    changed, *answers = await asyncio.gather(change, *submits)

    taken = [a.status_code for a in answers].count(201)
    assert {a.status_code for a in answers} <= {201, 422}
    if changed.status_code == 200:
        assert taken == 0
    else:
        assert changed.status_code == 409
        assert taken >= 1
    async with committed_runtime.sessionmaker() as session:
        counted = (await session.get_one(Survey, shown.id)).responses_count
    assert counted == taken
