"""A public process with a debates component, its moderator, and report helpers."""

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.debates import Debate
from app.models.spaces import SpaceRoleName
from app.runtime import Runtime
from tests.builders import Actor, actor
from tests.conversation.conftest import API, Stage, debate, stage

__all__ = ["stage"]

THRESHOLD = 3


@dataclass
class Crowd:
    """The stage, its moderator and enough reporters to reach the threshold."""

    stage: Stage
    moderator: Actor
    reporters: list[Actor]


@pytest.fixture
async def crowd(session: AsyncSession, runtime: Runtime, stage: Stage) -> Crowd:
    moderator = await actor(
        session, runtime, space=stage.space, space_role=SpaceRoleName.MODERATOR
    )
    reporters = [await actor(session, runtime) for _ in range(THRESHOLD + 1)]
    return Crowd(stage, moderator, reporters)


@pytest.fixture
async def reported_debate(session: AsyncSession, stage: Stage) -> Debate:
    return await debate(session, stage.component, stage.participant, title="Spam")


async def report(
    client: httpx.AsyncClient,
    who: Actor,
    resource_type: str,
    resource_id: int,
    reason: str = "spam",
) -> httpx.Response:
    return await client.post(
        f"{API}/reports",
        json={
            "resource_type": resource_type,
            "resource_id": resource_id,
            "reason": reason,
            "details": "Propaganda de loja",
        },
        headers=who.headers,
    )


async def report_by_many(
    client: httpx.AsyncClient, reporters: list[Actor], resource_type: str, id_: int
) -> None:
    for reporter in reporters:
        response = await report(client, reporter, resource_type, id_)
        assert response.status_code == 201, response.text


async def only_moderation(
    client: httpx.AsyncClient, who: Actor, space_id: int | None = None
) -> dict[str, Any]:
    params = {"space_id": space_id} if space_id else {}
    response = await client.get(
        f"{API}/moderations", params=params, headers=who.headers
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    assert len(items) == 1, items
    return items[0]
