"""Making an assembly a council: legal basis, purpose, frequency, composition."""

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.councils import SeatStatus
from app.models.spaces import Space, SpaceKind, SpaceStatus, Visibility
from app.runtime import Runtime
from tests import builders
from tests.api.problems import assert_problem, failing_fields
from tests.builders import ANONYMOUS, Actor
from tests.structure.councils.conftest import (
    API,
    log_entries,
    make_council,
    make_seat,
    space_admin,
)


def council_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "legal_act": "Lei Municipal nº 3.412/2001",
        "legal_act_date": "2001-05-10",
        "purpose": {"pt-BR": "<p>Fiscalizar a política de saúde.</p>"},
        "meeting_frequency": "mensal",
        "composition": [
            {"sector": "users", "titular_seats": 4, "alternate_seats": 4},
            {"sector": "workers", "titular_seats": 2, "alternate_seats": 2},
            {"sector": "government", "titular_seats": 2},
        ],
    }
    body.update(overrides)
    return body


def council_url(space: Space) -> str:
    return f"{API}/spaces/{space.id}/council"


async def test_space_admin_makes_an_assembly_a_council(
    client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
):
    assembly = await builders.space(session, kind=SpaceKind.ASSEMBLY)
    admin = await space_admin(session, runtime, assembly)

    response = await client.put(
        council_url(assembly), json=council_body(), headers=admin.headers
    )

    assert response.status_code == 200, response.text
    public = await client.get(council_url(assembly))
    assert public.status_code == 200, public.text
    assert public.json() == response.json()
    council = public.json()
    assert council["space_id"] == assembly.id
    assert council["legal_act"] == "Lei Municipal nº 3.412/2001"
    assert council["legal_act_date"] == "2001-05-10"
    assert council["meeting_frequency"] == "mensal"
    assert council["composition"] == [
        {"sector": "users", "titular_seats": 4, "alternate_seats": 4},
        {"sector": "workers", "titular_seats": 2, "alternate_seats": 2},
        {"sector": "government", "titular_seats": 2, "alternate_seats": 0},
    ]


async def test_configuring_a_council_is_logged_with_its_changes(
    client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
):
    assembly = await builders.space(session, kind=SpaceKind.ASSEMBLY)
    admin = await space_admin(session, runtime, assembly)

    await client.put(council_url(assembly), json=council_body(), headers=admin.headers)

    [entry] = await log_entries(session, assembly)
    assert entry.action == "council.configured"
    assert entry.public is False
    assert entry.changes["is_council"] == [False, True]
    assert entry.changes["legal_act"] == [None, "Lei Municipal nº 3.412/2001"]
    assert [r["sector"] for r in entry.changes["composition"][1]] == [
        "users",
        "workers",
        "government",
    ]


async def test_a_second_put_replaces_the_whole_council(
    client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
):
    assembly = await builders.space(session, kind=SpaceKind.ASSEMBLY)
    admin = await space_admin(session, runtime, assembly)
    await client.put(council_url(assembly), json=council_body(), headers=admin.headers)

    response = await client.put(
        council_url(assembly),
        json={
            "composition": [
                {"sector": "juventude", "titular_seats": 1, "alternate_seats": 1}
            ]
        },
        headers=admin.headers,
    )

    assert response.status_code == 200, response.text
    council = response.json()
    assert council["legal_act"] is None
    assert council["purpose"] == {}
    assert council["composition"] == [
        {"sector": "juventude", "titular_seats": 1, "alternate_seats": 1}
    ]


async def test_the_purpose_is_sanitised(
    client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
):
    assembly = await builders.space(session, kind=SpaceKind.ASSEMBLY)
    admin = await space_admin(session, runtime, assembly)
    purpose = {"pt-BR": "<p>Fiscalizar</p><script>alert(1)</script>"}

    response = await client.put(
        council_url(assembly),
        json=council_body(purpose=purpose),
        headers=admin.headers,
    )

    assert response.json()["purpose"] == {"pt-BR": "<p>Fiscalizar</p>"}


async def test_only_an_assembly_can_be_a_council(
    client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
):
    process = await builders.space(session, kind=SpaceKind.PROCESS)
    admin = await space_admin(session, runtime, process)

    response = await client.put(
        council_url(process), json=council_body(), headers=admin.headers
    )

    assert_problem(response, 422, "validation-error")
    assert (await client.get(council_url(process))).status_code == 404


async def test_a_sector_listed_twice_is_refused(
    client: httpx.AsyncClient, council: Space, council_admin: Actor
):
    composition = [
        {"sector": "users", "titular_seats": 2},
        {"sector": "users", "titular_seats": 1},
    ]

    response = await client.put(
        council_url(council),
        json=council_body(composition=composition),
        headers=council_admin.headers,
    )

    body = assert_problem(response, 422, "validation-error")
    assert failing_fields(body) == {"composition"}


async def test_more_alternates_than_titulars_are_refused(
    client: httpx.AsyncClient, council: Space, council_admin: Actor
):
    composition = [{"sector": "users", "titular_seats": 1, "alternate_seats": 2}]

    response = await client.put(
        council_url(council),
        json=council_body(composition=composition),
        headers=council_admin.headers,
    )

    assert_problem(response, 422, "validation-error")


async def test_a_sector_code_must_be_a_code(
    client: httpx.AsyncClient, council: Space, council_admin: Actor
):
    composition = [{"sector": "Sociedade Civil", "titular_seats": 1}]

    response = await client.put(
        council_url(council),
        json=council_body(composition=composition),
        headers=council_admin.headers,
    )

    body = assert_problem(response, 422, "validation-error")
    assert failing_fields(body) == {"composition.0.sector"}


async def test_the_composition_cannot_drop_seats_in_use(
    client: httpx.AsyncClient,
    session: AsyncSession,
    council: Space,
    council_admin: Actor,
):
    await make_seat(session, council, sector="government")
    await make_seat(session, council, sector="government", status=SeatStatus.VACANT)
    await make_seat(session, council, sector="civil_society")
    composition = [{"sector": "government", "titular_seats": 1}]

    response = await client.put(
        council_url(council),
        json=council_body(composition=composition),
        headers=council_admin.headers,
    )

    body = assert_problem(response, 409, "conflict")
    assert "civil_society (titular: 1 seats, 0 given)" in body["detail"]
    assert "government (titular: 2 seats, 1 given)" in body["detail"]


async def test_ceased_seats_do_not_hold_the_composition(
    client: httpx.AsyncClient,
    session: AsyncSession,
    council: Space,
    council_admin: Actor,
):
    await make_seat(session, council, sector="civil_society", status=SeatStatus.CEASED)
    composition = [{"sector": "government", "titular_seats": 1}]

    response = await client.put(
        council_url(council),
        json=council_body(composition=composition),
        headers=council_admin.headers,
    )

    assert response.status_code == 200, response.text


async def test_an_assembly_that_is_not_a_council_has_no_council(
    client: httpx.AsyncClient, session: AsyncSession
):
    assembly = await builders.space(session, kind=SpaceKind.ASSEMBLY)

    response = await client.get(council_url(assembly))

    assert_problem(response, 404, "not-found")


async def test_a_private_council_is_invisible_to_the_anonymous(
    client: httpx.AsyncClient, session: AsyncSession
):
    council = await make_council(session, visibility=Visibility.PRIVATE)

    response = await client.get(council_url(council), headers=ANONYMOUS.headers)

    assert_problem(response, 404, "not-found")


async def test_a_draft_council_is_invisible_to_participants_but_not_its_admin(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    participant: Actor,
):
    council = await make_council(session, status=SpaceStatus.DRAFT)
    admin = await space_admin(session, runtime, council)

    hidden = await client.get(council_url(council), headers=participant.headers)
    shown = await client.get(council_url(council), headers=admin.headers)

    assert_problem(hidden, 404, "not-found")
    assert shown.status_code == 200, shown.text


async def test_the_council_of_an_unknown_space_is_404(
    client: httpx.AsyncClient, org_admin: Actor
):
    url = f"{API}/spaces/999999/council"

    read = await client.get(url)
    write = await client.put(url, json=council_body(), headers=org_admin.headers)

    assert_problem(read, 404, "not-found")
    assert_problem(write, 404, "not-found")
