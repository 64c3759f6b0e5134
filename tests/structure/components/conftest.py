"""Actors, spaces and helpers of the component, post and page tests."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.action_log import ActionLogEntry
from app.models.base import utcnow
from app.models.components import Component, ComponentType, Page, Post
from app.models.spaces import Phase, Space, SpaceRoleName
from app.models.users import UserRole
from app.runtime import Runtime
from tests import builders
from tests.builders import Actor, actor

API = "/api/v1"


@dataclass
class Cast:
    """Everyone who looks at ``space``: its team, outsiders, the organisation."""

    space: Space
    anonymous: Actor
    participant: Actor
    collaborator: Actor
    space_admin: Actor
    other_space_admin: Actor
    org_admin: Actor


@pytest.fixture
async def cast(session: AsyncSession, runtime: Runtime) -> Cast:
    """A published public process, its admin and collaborator, and outsiders."""
    space = await builders.space(session)
    other_space = await builders.space(session)
    return Cast(
        space=space,
        anonymous=Actor(None, {}),
        participant=await actor(session, runtime),
        collaborator=await actor(
            session, runtime, space=space, space_role=SpaceRoleName.COLLABORATOR
        ),
        space_admin=await actor(
            session, runtime, space=space, space_role=SpaceRoleName.ADMIN
        ),
        other_space_admin=await actor(
            session, runtime, space=other_space, space_role=SpaceRoleName.ADMIN
        ),
        org_admin=await actor(session, runtime, role=UserRole.ADMIN),
    )


async def phase(
    session: AsyncSession, space: Space, *, position: int, active: bool = False
) -> Phase:
    created = Phase(
        space_id=space.id,
        position=position,
        title={"pt-BR": f"Fase {position}"},
        active=active,
    )
    session.add(created)
    await session.flush()
    return created


async def post(
    session: AsyncSession,
    component: Component,
    *,
    title: str = "Notícia",
    published_at: datetime | None = None,
    deleted: bool = False,
) -> Post:
    created = Post(
        component_id=component.id,
        title={"pt-BR": title},
        body={"pt-BR": f"<p>{title}</p>"},
        published_at=published_at or utcnow(),
        deleted_at=utcnow() if deleted else None,
    )
    session.add(created)
    await session.flush()
    return created


async def page(
    session: AsyncSession,
    component: Component,
    *,
    slug: str,
    position: int = 0,
    deleted: bool = False,
) -> Page:
    created = Page(
        component_id=component.id,
        slug=slug,
        title={"pt-BR": slug.replace("-", " ").capitalize()},
        body={"pt-BR": f"<p>{slug}</p>"},
        position=position,
        deleted_at=utcnow() if deleted else None,
    )
    session.add(created)
    await session.flush()
    return created


async def posts_component(session: AsyncSession, space: Space) -> Component:
    return await builders.component(session, space, type=ComponentType.POSTS)


async def pages_component(session: AsyncSession, space: Space) -> Component:
    return await builders.component(session, space, type=ComponentType.PAGES)


async def log_entries(
    session: AsyncSession, action: str | None = None
) -> list[ActionLogEntry]:
    query = select(ActionLogEntry).order_by(ActionLogEntry.id)
    if action is not None:
        query = query.where(ActionLogEntry.action == action)
    return list((await session.scalars(query)).all())


async def count_rows(session: AsyncSession, model: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def ids(response_json: dict[str, Any]) -> list[int]:
    return [item["id"] for item in response_json["items"]]
