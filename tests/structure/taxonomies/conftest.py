"""Actors and helpers of the taxonomy and declaration tests."""

import json
from importlib.resources import files
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.spaces import SpaceRoleName
from app.models.taxonomies import (
    InterestGroup,
    InterestGroupKind,
    ResidentDeclaration,
    UserInterestGroup,
)
from app.models.users import User, UserRole
from app.runtime import Runtime
from tests import builders
from tests.builders import Actor, actor

API = "/api/v1"


@pytest.fixture
async def admin(session: AsyncSession, runtime: Runtime) -> Actor:
    """An organisation admin: the one who manages taxonomies."""
    return await actor(session, runtime, UserRole.ADMIN)


@pytest.fixture
async def participant(session: AsyncSession, runtime: Runtime) -> Actor:
    return await actor(session, runtime)


@pytest.fixture
async def space_admin(session: AsyncSession, runtime: Runtime) -> Actor:
    """The admin of some space, which gives no right over taxonomies."""
    held = await actor(session, runtime)
    space = await builders.space(session)
    await builders.grant(session, space, held.user, SpaceRoleName.ADMIN)
    return held


def municipality_feature() -> dict[str, Any]:
    """Contagem's real boundary, as the Feature the demo data ships."""
    text = files("app.demo").joinpath("municipality.geojson").read_text("utf-8")
    feature: dict[str, Any] = json.loads(text)["features"][0]
    return feature


async def interest_group(
    session: AsyncSession,
    code: str,
    kind: InterestGroupKind = InterestGroupKind.POPULATION,
) -> InterestGroup:
    group = InterestGroup(code=code, kind=kind, name={"pt-BR": code.title()})
    session.add(group)
    await session.flush()
    return group


async def declare(
    session: AsyncSession,
    user: User,
    scope_id: int | None,
    groups: tuple[InterestGroup, ...] = (),
) -> None:
    """A declaration stored directly, to arrange aggregates fast."""
    session.add(ResidentDeclaration(user_id=user.id, scope_id=scope_id))
    for group in groups:
        session.add(UserInterestGroup(user_id=user.id, interest_group_id=group.id))
    await session.flush()
