"""Reports racing to the threshold on PostgreSQL: hidden once, counted exactly."""

import asyncio

import httpx
from sqlalchemy import func, select

from app.models.debates import Debate
from app.models.events import OutboxEvent
from app.models.moderation import Moderation, Report
from app.runtime import Runtime
from tests import builders
from tests.conversation.conftest import API, debates_component

RACERS = 12


async def test_racing_reports_hide_once_and_count_exactly(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    runtime = committed_runtime
    async with runtime.sessionmaker() as session:
        space = await builders.space(session)
        component = await debates_component(session, space)
        author = await builders.user(session, runtime)
        racers = [await builders.user(session, runtime) for _ in range(RACERS)]
        debate = Debate(
            component_id=component.id,
            author_id=author.id,
            title={"pt-BR": "Spam"},
            description={},
            conclusions={},
        )
        session.add(debate)
        await session.commit()

    body = {"resource_type": "debate", "resource_id": debate.id, "reason": "spam"}
    answers = await asyncio.gather(
        *(
            committed_client.post(
                f"{API}/reports", json=body, headers=builders.bearer(runtime, racer)
            )
            for racer in [*racers, *racers[:3]]
        )
    )

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201] * RACERS + [409] * 3
    async with runtime.sessionmaker() as session:
        moderation = await session.scalar(select(Moderation))
        assert moderation is not None
        assert moderation.reports_count == RACERS
        assert moderation.hidden_at is not None
        assert await session.scalar(select(func.count()).select_from(Report)) == RACERS
        hidden_events = await session.scalar(
            select(func.count()).where(OutboxEvent.event_type == "moderation.hidden")
        )
        assert hidden_events == 1
        shown = await session.get_one(Debate, debate.id)
        assert shown.hidden_at is not None
