"""Every admin endpoint of spaces, phases, members and roles, tried by everyone.

Anonymous clients get 401; participants, collaborators and admins of another
space get 403, and nothing changes; the right role succeeds.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.action_log import ActionLogEntry
from app.models.spaces import (
    Phase,
    Space,
    SpaceMember,
    SpaceRole,
    SpaceRoleName,
    SpaceStatus,
)
from app.models.users import User, UserRole
from app.runtime import Runtime
from tests import builders
from tests.api.problems import assert_problem, assert_unauthenticated
from tests.builders import ANONYMOUS, Actor, actor
from tests.structure.spaces.conftest import API, phase


@dataclass
class Stage:
    space: Space
    first: Phase
    second: Phase
    member: User
    collaborator_role_id: int
    outsider: User
    actors: dict[str, Actor]


@dataclass
class Endpoint:
    name: str
    method: str
    path: Callable[[Stage], str]
    body: Callable[[Stage], Any] = lambda stage: None
    status: SpaceStatus = SpaceStatus.PUBLISHED
    success: int = 200
    allowed: tuple[str, ...] = ("space_admin", "org_admin")


def space_path(suffix: str = "") -> Callable[[Stage], str]:
    return lambda stage: f"{API}/spaces/{stage.space.id}{suffix}"


ENDPOINTS = [
    Endpoint(
        "spaces:create",
        "POST",
        lambda stage: f"{API}/spaces",
        lambda stage: {"kind": "channel", "slug": "fale", "title": {"pt-BR": "Fale"}},
        success=201,
        allowed=("org_admin",),
    ),
    Endpoint(
        "spaces:update",
        "PATCH",
        space_path(),
        lambda stage: {"title": {"pt-BR": "Outro"}},
    ),
    Endpoint(
        "spaces:publish", "POST", space_path("/publish"), status=SpaceStatus.DRAFT
    ),
    Endpoint("spaces:unpublish", "POST", space_path("/unpublish")),
    Endpoint("spaces:archive", "POST", space_path("/archive")),
    Endpoint("space_members:list", "GET", space_path("/members")),
    Endpoint(
        "space_members:add",
        "POST",
        space_path("/members"),
        lambda stage: {"user_id": stage.outsider.id},
        success=201,
    ),
    Endpoint(
        "space_members:remove",
        "DELETE",
        lambda stage: f"{API}/spaces/{stage.space.id}/members/{stage.member.id}",
        success=204,
    ),
    Endpoint("space_roles:list", "GET", space_path("/roles")),
    Endpoint(
        "space_roles:grant",
        "POST",
        space_path("/roles"),
        lambda stage: {"user_id": stage.outsider.id, "role": "admin"},
        success=201,
    ),
    Endpoint(
        "space_roles:revoke",
        "DELETE",
        lambda stage: (
            f"{API}/spaces/{stage.space.id}/roles/{stage.collaborator_role_id}"
        ),
        success=204,
    ),
    Endpoint(
        "phases:create",
        "POST",
        space_path("/phases"),
        lambda stage: {"title": {"pt-BR": "Devolutiva"}},
        success=201,
    ),
    Endpoint(
        "phases:update",
        "PATCH",
        lambda stage: f"{API}/spaces/{stage.space.id}/phases/{stage.first.id}",
        lambda stage: {"title": {"pt-BR": "Escuta"}},
    ),
    Endpoint(
        "phases:delete",
        "DELETE",
        lambda stage: f"{API}/spaces/{stage.space.id}/phases/{stage.second.id}",
        success=204,
    ),
    Endpoint(
        "phases:reorder",
        "PUT",
        space_path("/phases/order"),
        lambda stage: {"phase_ids": [stage.second.id, stage.first.id]},
    ),
    Endpoint(
        "phases:activate",
        "POST",
        lambda stage: (
            f"{API}/spaces/{stage.space.id}/phases/{stage.second.id}/activate"
        ),
    ),
]
REFUSED = [
    ("anonymous", 401),
    ("participant", 403),
    ("collaborator", 403),
    ("other_space_admin", 403),
]


async def arrange(
    session: AsyncSession, runtime: Runtime, status: SpaceStatus
) -> Stage:
    space = await builders.space(session, status=status)
    first = await phase(session, space, 0, active=True)
    second = await phase(session, space, 1)
    member = await builders.user(session, runtime)
    await builders.member(session, space, member)
    collaborator = await actor(session, runtime)
    await builders.grant(session, space, collaborator.user, SpaceRoleName.COLLABORATOR)
    space_admin = await actor(session, runtime)
    await builders.grant(session, space, space_admin.user, SpaceRoleName.ADMIN)
    other_space_admin = await actor(session, runtime)
    other_space = await builders.space(session)
    await builders.grant(
        session, other_space, other_space_admin.user, SpaceRoleName.ADMIN
    )
    collaborator_role_id = await session.scalar(
        select(SpaceRole.id).where(SpaceRole.user_id == collaborator.user.id)
    )
    return Stage(
        space=space,
        first=first,
        second=second,
        member=member,
        collaborator_role_id=collaborator_role_id,
        outsider=await builders.user(session, runtime),
        actors={
            "anonymous": ANONYMOUS,
            "participant": await actor(session, runtime),
            "collaborator": collaborator,
            "other_space_admin": other_space_admin,
            "space_admin": space_admin,
            "org_admin": await actor(session, runtime, UserRole.ADMIN),
        },
    )


async def snapshot(session: AsyncSession) -> dict[str, Any]:
    """Everything an admin endpoint of this domain could change."""

    async def rows(*columns: Any) -> list[tuple[Any, ...]]:
        query = (
            select(*columns)
            .order_by(*columns)
            .execution_options(populate_existing=True)
        )
        return [tuple(row) for row in await session.execute(query)]

    return {
        "spaces": await rows(
            Space.id, Space.slug, Space.title, Space.status, Space.published_at
        ),
        "phases": await rows(Phase.id, Phase.position, Phase.active, Phase.title),
        "members": await rows(SpaceMember.space_id, SpaceMember.user_id),
        "roles": await rows(SpaceRole.id, SpaceRole.user_id, SpaceRole.role),
        "log": await rows(ActionLogEntry.id),
    }


async def call(client: AsyncClient, endpoint: Endpoint, stage: Stage, who: str):
    return await client.request(
        endpoint.method,
        endpoint.path(stage),
        json=endpoint.body(stage),
        headers=stage.actors[who].headers,
    )


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.name)
async def test_refused_callers_change_nothing(
    client: AsyncClient, session: AsyncSession, runtime: Runtime, endpoint: Endpoint
):
    stage = await arrange(session, runtime, endpoint.status)
    before = await snapshot(session)

    responses = {who: await call(client, endpoint, stage, who) for who, _ in REFUSED}

    for who, status in REFUSED:
        if status == 401:
            assert_unauthenticated(responses[who])
        else:
            assert_problem(responses[who], 403, "forbidden")
    assert await snapshot(session) == before


ALLOWED = [(endpoint, who) for endpoint in ENDPOINTS for who in endpoint.allowed]


@pytest.mark.parametrize(
    ("endpoint", "who"),
    ALLOWED,
    ids=[f"{endpoint.name}-{who}" for endpoint, who in ALLOWED],
)
async def test_the_right_role_succeeds(
    client: AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    endpoint: Endpoint,
    who: str,
):
    stage = await arrange(session, runtime, endpoint.status)
    before = await snapshot(session)

    response = await call(client, endpoint, stage, who)

    assert response.status_code == endpoint.success, response.text
    if endpoint.method != "GET":
        assert await snapshot(session) != before
