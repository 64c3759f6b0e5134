"""Actors, meetings components and meetings for the meetings tests."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.components import Component, ComponentType
from app.models.events import OutboxEvent
from app.models.meetings import Meeting, MeetingType, RegistrationType
from app.models.spaces import Space, SpaceRoleName
from app.models.users import UserRole
from app.runtime import Runtime
from app.schemas.components import MeetingsSettings
from tests import builders
from tests.builders import ANONYMOUS, Actor, actor

API = "/api/v1"


@dataclass
class Cast:
    """A public space with a published meetings component, and who looks at it."""

    space: Space
    component: Component
    anonymous: Actor
    participant: Actor
    space_admin: Actor
    org_admin: Actor


@pytest.fixture
async def cast(session: AsyncSession, runtime: Runtime) -> Cast:
    space = await builders.space(session)
    return Cast(
        space=space,
        component=await meetings_component(session, space),
        anonymous=ANONYMOUS,
        participant=await actor(session, runtime),
        space_admin=await actor(
            session, runtime, space=space, space_role=SpaceRoleName.ADMIN
        ),
        org_admin=await actor(session, runtime, role=UserRole.ADMIN),
    )


async def meetings_component(
    session: AsyncSession,
    space: Space,
    *,
    published: bool = True,
    **settings: Any,
) -> Component:
    component = await builders.component(
        session, space, type=ComponentType.MEETINGS, published=published
    )
    component.settings = MeetingsSettings(**settings).model_dump(mode="json")
    await session.flush()
    return component


async def meeting(
    session: AsyncSession,
    component: Component,
    *,
    starts_at: datetime | None = None,
    duration: timedelta = timedelta(hours=2),
    published: bool = True,
    **fields: Any,
) -> Meeting:
    """A meeting a week from now, in person, unless told otherwise."""
    starts_at = (starts_at or utcnow() + timedelta(days=7)).replace(microsecond=0)
    values: dict[str, Any] = {
        "component_id": component.id,
        "title": {"pt-BR": "Reunião regional"},
        "type": MeetingType.IN_PERSON,
        "address": "Praça da Cemig, 100, Contagem",
        "starts_at": starts_at,
        "ends_at": starts_at + duration,
        "published_at": utcnow() if published else None,
    }
    values.update(fields)
    created = Meeting(**values)
    session.add(created)
    await session.flush()
    return created


async def open_meeting(
    session: AsyncSession, component: Component, **fields: Any
) -> Meeting:
    """A published meeting that takes registrations on the platform."""
    return await meeting(
        session, component, registration_type=RegistrationType.ON_PLATFORM, **fields
    )


def meeting_body(**overrides: Any) -> dict[str, Any]:
    starts_at = (utcnow() + timedelta(days=10)).replace(microsecond=0)
    body: dict[str, Any] = {
        "title": {"pt-BR": "Plenária do orçamento"},
        "type": "in_person",
        "address": "Rua Portugal, 20",
        "starts_at": starts_at.isoformat(),
        "ends_at": (starts_at + timedelta(hours=3)).isoformat(),
    }
    body.update(overrides)
    return body


async def events(session: AsyncSession, event_type: str) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(OutboxEvent.payload)
        .where(OutboxEvent.event_type == event_type)
        .order_by(OutboxEvent.id)
    )
    return list(rows)


def ids(body: dict[str, Any]) -> list[int]:
    return [item["id"] for item in body["items"]]
