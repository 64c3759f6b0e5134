"""Who may change taxonomies and read declaration figures: org admins only."""

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import ActionLogEntry, Area, AreaType, InterestGroup, Scope
from app.models.taxonomies import InterestGroupKind
from tests import builders
from tests.api.problems import assert_problem, assert_unauthenticated
from tests.builders import Actor
from tests.structure.taxonomies.conftest import API


@dataclass
class World:
    scope: Scope
    area_type: AreaType
    area: Area
    group: InterestGroup


@dataclass
class Call:
    method: str
    path: str
    body: dict[str, Any] | None = None

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def calls() -> list[Call]:
    name = {"pt-BR": "Novo nome"}
    return [
        Call("POST", "/scopes", {"type": "regional", "code": "NEW", "name": name}),
        Call("PATCH", "/scopes/{scope}", {"name": name}),
        Call("DELETE", "/scopes/{scope}"),
        Call("POST", "/area-types", {"name": name}),
        Call("PATCH", "/area-types/{area_type}", {"name": name}),
        Call("DELETE", "/area-types/{area_type}"),
        Call("POST", "/areas", {"name": name}),
        Call("PATCH", "/areas/{area}", {"name": name}),
        Call("DELETE", "/areas/{area}"),
        Call(
            "POST", "/interest-groups", {"code": "new", "kind": "sector", "name": name}
        ),
        Call("PATCH", "/interest-groups/{group}", {"name": name}),
        Call("DELETE", "/interest-groups/{group}"),
        Call("GET", "/declarations/summary"),
    ]


@pytest.fixture
async def world(session: AsyncSession) -> World:
    """One unused row of each kind, so that every admin call can succeed."""
    area_type = AreaType(name={"pt-BR": "Tipo"})
    group = InterestGroup(code="g", kind=InterestGroupKind.SEGMENT, name={"pt-BR": "G"})
    session.add_all([area_type, group])
    await session.flush()
    area = Area(name={"pt-BR": "Tema"})
    session.add(area)
    await session.flush()
    return World(await builders.scope(session), area_type, area, group)


async def send(
    client: httpx.AsyncClient, call: Call, world: World, headers: dict[str, str]
) -> httpx.Response:
    path = call.path.format(
        scope=world.scope.id,
        area_type=world.area_type.id,
        area=world.area.id,
        group=world.group.id,
    )
    return await client.request(
        call.method, f"{API}{path}", json=call.body, headers=headers
    )


async def snapshot(session: AsyncSession) -> list[list[Any]]:
    """Every row a refused call could have touched, read afresh."""
    tables = [model.__table__ for model in (Scope, AreaType, Area, InterestGroup)]
    rows = [
        list((await session.execute(select(table).order_by(table.c.id))).all())
        for table in tables
    ]
    log = await session.execute(select(ActionLogEntry.__table__))
    return [*rows, list(log.all())]


@pytest.mark.parametrize("call", calls(), ids=str)
async def test_only_organisation_admins_may_call(
    call: Call,
    client: httpx.AsyncClient,
    session: AsyncSession,
    world: World,
    participant: Actor,
    space_admin: Actor,
    admin: Actor,
) -> None:
    before = await snapshot(session)

    anonymous = await send(client, call, world, {})
    as_participant = await send(client, call, world, participant.headers)
    as_space_admin = await send(client, call, world, space_admin.headers)
    unchanged = await snapshot(session)
    as_admin = await send(client, call, world, admin.headers)

    assert_unauthenticated(anonymous)
    assert_problem(as_participant, 403, "forbidden")
    assert_problem(as_space_admin, 403, "forbidden")
    assert unchanged == before
    assert as_admin.status_code in {200, 201, 204}, as_admin.text


READS = [
    "/scopes",
    "/scopes/{scope}",
    "/area-types",
    "/area-types/{area_type}",
    "/areas",
    "/areas/{area}",
    "/interest-groups",
    "/interest-groups/{group}",
]


def _read_url(path: str, world: World) -> str:
    return API + path.format(
        scope=world.scope.id,
        area_type=world.area_type.id,
        area=world.area.id,
        group=world.group.id,
    )


@pytest.mark.parametrize("path", READS)
async def test_public_reads_refuse_a_bad_token(
    client: httpx.AsyncClient, world: World, path: str
) -> None:
    response = await client.get(
        _read_url(path, world), headers={"Authorization": "Bearer not-a-token"}
    )

    assert_unauthenticated(response)


@pytest.mark.parametrize("path", READS)
async def test_public_reads_serve_anonymous_and_signed_in_readers(
    client: httpx.AsyncClient, world: World, participant: Actor, path: str
) -> None:
    anonymous = await client.get(_read_url(path, world))
    signed_in = await client.get(_read_url(path, world), headers=participant.headers)

    assert (anonymous.status_code, signed_in.status_code) == (200, 200)
    assert anonymous.json() == signed_in.json()
