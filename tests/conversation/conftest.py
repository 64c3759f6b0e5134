"""A debates component in a public process, the people around it, and helpers."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.comments import Comment
from app.models.components import Component, ComponentType
from app.models.debates import Debate
from app.models.events import OutboxEvent
from app.models.spaces import Space, SpaceRoleName
from app.models.users import UserRole
from app.runtime import Runtime
from tests import builders
from tests.builders import Actor, actor

API = "/api/v1"


@dataclass
class Stage:
    """A public process with a debates component open to participants."""

    space: Space
    component: Component
    anonymous: Actor
    participant: Actor
    other: Actor
    space_admin: Actor
    org_admin: Actor


async def debates_component(
    session: AsyncSession,
    space: Space,
    *,
    settings: dict[str, Any] | None = None,
    switches: dict[str, Any] | None = None,
    published: bool = True,
) -> Component:
    component = await builders.component(
        session, space, type=ComponentType.DEBATES, published=published
    )
    component.settings = settings or {}
    component.default_switches = {
        "creation_enabled": True,
        "endorsements_enabled": True,
        **(switches or {}),
    }
    await session.flush()
    return component


async def debate(
    session: AsyncSession,
    component: Component,
    author: Actor,
    *,
    title: str = "Ciclovias",
    official: bool = False,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    closed_at: datetime | None = None,
) -> Debate:
    created = Debate(
        component_id=component.id,
        author_id=author.id,
        official=official,
        title={"pt-BR": title},
        description={"pt-BR": f"<p>{title}</p>"},
        starts_at=starts_at,
        ends_at=ends_at,
        closed_at=closed_at,
        conclusions={},
    )
    session.add(created)
    await session.flush()
    return created


@pytest.fixture
async def stage(session: AsyncSession, runtime: Runtime) -> Stage:
    space = await builders.space(session)
    return Stage(
        space=space,
        component=await debates_component(session, space),
        anonymous=Actor(None, {}),
        participant=await actor(session, runtime),
        other=await actor(session, runtime),
        space_admin=await actor(
            session, runtime, space=space, space_role=SpaceRoleName.ADMIN
        ),
        org_admin=await actor(session, runtime, role=UserRole.ADMIN),
    )


@pytest.fixture
async def open_debate(session: AsyncSession, stage: Stage) -> Debate:
    return await debate(session, stage.component, stage.participant)


def about(debate: Debate) -> dict[str, str | int]:
    return {"resource_type": "debate", "resource_id": debate.id}


async def comment_on(
    client: Any, target: dict[str, Any], who: Actor, text: str = "Concordo"
) -> dict[str, Any]:
    response = await client.post(
        f"{API}/comments", json={**target, "body": text}, headers=who.headers
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def reply_to(
    client: Any, comment_id: int, who: Actor, text: str = "Resposta"
) -> dict[str, Any]:
    response = await client.post(
        f"{API}/comments/{comment_id}/replies", json={"body": text}, headers=who.headers
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def events(session: AsyncSession, event_type: str) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(OutboxEvent.payload)
        .where(OutboxEvent.event_type == event_type)
        .order_by(OutboxEvent.id)
    )
    return list(rows)


async def debate_counts(session: AsyncSession, debate_id: int) -> tuple[int, int]:
    """The debate's stored (comments_count, endorsements_count), read afresh."""
    row = (
        await session.execute(
            select(Debate.comments_count, Debate.endorsements_count).where(
                Debate.id == debate_id
            )
        )
    ).one()
    return row[0], row[1]


async def live_comments(session: AsyncSession, debate_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count()).where(
                Comment.resource_type == "debate",
                Comment.resource_id == debate_id,
                Comment.deleted_at.is_(None),
            )
        )
        or 0
    )


def ids(body: dict[str, Any]) -> list[int]:
    return [item["id"] for item in body["items"]]
