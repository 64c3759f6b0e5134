"""Composition limits hold when admins edit one council at the same time."""

import asyncio

import httpx

from app.models.councils import SeatKind
from app.models.users import UserRole
from app.runtime import Runtime
from tests.builders import actor
from tests.structure.councils.conftest import make_council, make_seat, seats_url


async def test_admins_racing_for_the_last_slot_of_a_sector_get_one_seat(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
):
    async with committed_runtime.sessionmaker() as session:
        council = await make_council(session, {"government": (1, 0)})
        admin = await actor(session, committed_runtime, UserRole.ADMIN)
        await session.commit()

    responses = await asyncio.gather(
        *(
            committed_client.post(
                seats_url(council), json={"sector": "government"}, headers=admin.headers
            )
            for _ in range(5)
        )
    )

    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409, 409]


async def test_admins_racing_to_pair_alternates_with_one_titular_get_one(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
):
    async with committed_runtime.sessionmaker() as session:
        council = await make_council(session, {"government": (2, 2)})
        titular = await make_seat(session, council)
        admin = await actor(session, committed_runtime, UserRole.ADMIN)
        await session.commit()
    body = {
        "sector": "government",
        "kind": SeatKind.ALTERNATE,
        "titular_seat_id": titular.id,
    }

    responses = await asyncio.gather(
        *(
            committed_client.post(seats_url(council), json=body, headers=admin.headers)
            for _ in range(2)
        )
    )

    assert sorted(r.status_code for r in responses) == [201, 409]
