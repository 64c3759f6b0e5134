"""Who may call the councils' admin endpoints, and that refusals change nothing."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.councils import CouncilSeat
from app.models.spaces import Space
from app.models.users import UserRole
from app.runtime import Runtime
from tests.builders import ANONYMOUS, Actor, actor
from tests.structure.councils.conftest import (
    API,
    make_council,
    make_seat,
    seats_url,
    snapshot,
    space_admin,
)


@dataclass(frozen=True)
class Endpoint:
    method: str
    url: Callable[[Space, CouncilSeat], str]
    body: dict[str, Any] | None = None
    writes: bool = True
    space_admins_allowed: bool = True


ENDPOINTS = {
    "configure": Endpoint(
        "PUT",
        lambda council, _seat: f"{API}/spaces/{council.id}/council",
        {
            "legal_act": "Lei nº 1/2026",
            "composition": [{"sector": "government", "titular_seats": 3}],
        },
    ),
    "list_seats": Endpoint(
        "GET", lambda council, _seat: seats_url(council), writes=False
    ),
    "create_seat": Endpoint(
        "POST", lambda council, _seat: seats_url(council), {"sector": "government"}
    ),
    "update_seat": Endpoint(
        "PATCH",
        lambda council, seat: seats_url(council, seat.id),
        {"organisation": "Câmara Municipal"},
    ),
    "cease_seat": Endpoint(
        "POST",
        lambda council, seat: f"{seats_url(council, seat.id)}/cease",
        {"reason": "Renúncia", "replace": True},
    ),
    "composition_report": Endpoint(
        "GET",
        lambda _council, _seat: f"{API}/councils/composition-report",
        writes=False,
        space_admins_allowed=False,
    ),
}

ACTORS = ("anonymous", "participant", "other_space_admin", "space_admin", "org_admin")


def refusal(endpoint: Endpoint, who: str) -> int | None:
    """The status ``who`` gets from ``endpoint``, or None when allowed."""
    if who == "anonymous":
        return 401
    if who in ("participant", "other_space_admin"):
        return 403
    if who == "space_admin" and not endpoint.space_admins_allowed:
        return 403
    return None


async def make_actor(
    who: str, session: AsyncSession, runtime: Runtime, council: Space
) -> Actor:
    if who == "anonymous":
        return ANONYMOUS
    if who == "participant":
        return await actor(session, runtime)
    if who == "org_admin":
        return await actor(session, runtime, UserRole.ADMIN)
    if who == "space_admin":
        return await space_admin(session, runtime, council)
    return await space_admin(session, runtime, await make_council(session))


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize("name", ENDPOINTS)
async def test_admin_endpoint_answers_by_role(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    council: Space,
    name: str,
    who: str,
):
    endpoint = ENDPOINTS[name]
    seat = await make_seat(session, council)
    caller = await make_actor(who, session, runtime, council)
    before = await snapshot(session, council)

    response = await client.request(
        endpoint.method,
        endpoint.url(council, seat),
        json=endpoint.body,
        headers=caller.headers,
    )

    refused_with = refusal(endpoint, who)
    if refused_with is None:
        assert response.is_success, response.text
        changed = await snapshot(session, council) != before
        assert changed is endpoint.writes
    else:
        assert response.status_code == refused_with, response.text
        assert await snapshot(session, council) == before
