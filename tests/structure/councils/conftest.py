"""Actors, councils and seats for the councils tests, built in the test's session."""

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.routing import Mount

from app.deps import local_today
from app.main import API_PREFIX
from app.models.action_log import ActionLogEntry
from app.models.councils import (
    CouncilSeat,
    CouncilSectorRequirement,
    SeatKind,
    SeatStatus,
)
from app.models.spaces import Space, SpaceKind, SpaceRoleName, SpaceStatus, Visibility
from app.models.users import UserRole
from app.runtime import Runtime
from tests import builders
from tests.builders import Actor, actor

API = "/api/v1"
TODAY = date(2026, 6, 15)
"""The fixed "today" of the report tests."""

COMPOSITION = {"government": (2, 2), "civil_society": (2, 1)}
"""Sector: (titular seats, alternate seats) of the default council."""


async def space_admin(session: AsyncSession, runtime: Runtime, space: Space) -> Actor:
    held = await actor(session, runtime)
    assert held.user is not None
    await builders.grant(session, space, held.user, SpaceRoleName.ADMIN)
    return held


async def make_council(
    session: AsyncSession,
    composition: dict[str, tuple[int, int]] | None = None,
    *,
    status: SpaceStatus = SpaceStatus.PUBLISHED,
    visibility: Visibility = Visibility.PUBLIC,
    title: str | None = None,
) -> Space:
    """A council (an assembly) with its sector requirements, in the given order."""
    space = await builders.space(
        session,
        kind=SpaceKind.ASSEMBLY,
        status=status,
        visibility=visibility,
        is_council=True,
        title=title,
    )
    for sector, (titulars, alternates) in (composition or COMPOSITION).items():
        session.add(
            CouncilSectorRequirement(
                space_id=space.id,
                sector=sector,
                titular_seats=titulars,
                alternate_seats=alternates,
            )
        )
    await session.flush()
    return space


async def make_seat(
    session: AsyncSession,
    council: Space,
    *,
    sector: str = "government",
    status: SeatStatus = SeatStatus.ACTIVE,
    kind: SeatKind = SeatKind.TITULAR,
    **fields: Any,
) -> CouncilSeat:
    """A seat; held ones get a holder_name unless told otherwise."""
    if (
        status not in (SeatStatus.VACANT,)
        and not {
            "holder_name",
            "holder_user_id",
        }
        & fields.keys()
    ):
        fields["holder_name"] = "Maria da Silva"
    seat = CouncilSeat(
        space_id=council.id, sector=sector, status=status, kind=kind, **fields
    )
    session.add(seat)
    await session.flush()
    return seat


async def snapshot(session: AsyncSession, council: Space) -> dict[str, Any]:
    """What the database holds about a council, read afresh, to compare."""
    space = (
        await session.execute(
            select(
                Space.is_council,
                Space.legal_act,
                Space.meeting_frequency,
                Space.purpose,
            ).where(Space.id == council.id)
        )
    ).one()
    requirements = (
        await session.execute(
            select(
                CouncilSectorRequirement.sector,
                CouncilSectorRequirement.titular_seats,
                CouncilSectorRequirement.alternate_seats,
            )
            .where(CouncilSectorRequirement.space_id == council.id)
            .order_by(CouncilSectorRequirement.id)
        )
    ).all()
    seats = (
        await session.execute(
            select(CouncilSeat.__table__)
            .where(CouncilSeat.space_id == council.id)
            .order_by(CouncilSeat.id)
        )
    ).all()
    logged = await session.scalar(select(func.count()).select_from(ActionLogEntry))
    return {
        "space": tuple(space),
        "requirements": [tuple(row) for row in requirements],
        "seats": [tuple(row) for row in seats],
        "logged": logged,
    }


async def log_entries(session: AsyncSession, council: Space) -> list[ActionLogEntry]:
    rows = await session.scalars(
        select(ActionLogEntry)
        .where(ActionLogEntry.space_id == council.id)
        .order_by(ActionLogEntry.id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


@pytest.fixture
async def council(session: AsyncSession) -> Space:
    return await make_council(session)


@pytest.fixture
async def org_admin(session: AsyncSession, runtime: Runtime) -> Actor:
    return await actor(session, runtime, UserRole.ADMIN)


@pytest.fixture
async def participant(session: AsyncSession, runtime: Runtime) -> Actor:
    return await actor(session, runtime)


@pytest.fixture
async def council_admin(
    session: AsyncSession, runtime: Runtime, council: Space
) -> Actor:
    return await space_admin(session, runtime, council)


@pytest.fixture
def fixed_today(app: FastAPI) -> Iterator[date]:
    """Pins the councils endpoints' "today" to ``TODAY``."""
    api = next(
        route.app
        for route in app.routes
        if isinstance(route, Mount) and route.path == API_PREFIX
    )
    assert isinstance(api, FastAPI)
    api.dependency_overrides[local_today] = lambda: TODAY
    yield TODAY
    api.dependency_overrides.pop(local_today)


def seats_url(council: Space, seat_id: int | None = None) -> str:
    url = f"{API}/spaces/{council.id}/council/seats"
    return url if seat_id is None else f"{url}/{seat_id}"
