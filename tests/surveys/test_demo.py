"""The demo consultation: answerable at once, its results shown, loaded once."""

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.demo import consultation
from app.models.accountability import Result
from app.models.surveys import Survey
from tests.surveys.conftest import API


async def test_the_demo_consultation_is_open_and_loaded_once(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    first = await consultation.seed(session)
    second = await consultation.seed(session)

    survey_id = await session.scalar(select(Survey.id))
    shown = await client.get(f"{API}/surveys/{survey_id}")
    root = await session.scalar(select(Result).where(Result.children_count == 3))

    assert len(first) == 1
    assert second == []
    assert shown.json()["open"] is True
    assert shown.json()["consultation"] is True
    assert len(shown.json()["questions"]) == 5
    assert root is not None
    assert root.progress == 53.33
