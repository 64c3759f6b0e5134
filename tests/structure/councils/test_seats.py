"""Seats: creation, life cycle, pairing, terms, ceasing and its history."""

from datetime import date

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.councils import SeatKind, SeatRole, SeatStatus
from app.models.spaces import Space, SpaceKind
from app.runtime import Runtime
from tests import builders
from tests.api.problems import assert_problem, failing_fields
from tests.builders import Actor
from tests.structure.councils.conftest import (
    log_entries,
    make_council,
    make_seat,
    seats_url,
    snapshot,
)


async def test_a_new_seat_is_vacant_by_default(
    client: httpx.AsyncClient, council: Space, council_admin: Actor
):
    response = await client.post(
        seats_url(council), json={"sector": "government"}, headers=council_admin.headers
    )

    assert response.status_code == 201, response.text
    seat = response.json()
    assert seat["status"] == "vacant"
    assert seat["kind"] == "titular"
    assert seat["role"] == "member"
    assert seat["holder"] is None
    assert seat["space_id"] == council.id


async def test_a_seat_created_with_a_holder_is_nominated(
    client: httpx.AsyncClient, council: Space, council_admin: Actor
):
    body = {
        "sector": "civil_society",
        "holder_name": "Ana Souza",
        "organisation": "Associação do Bairro Eldorado",
        "term_start": "2026-03-01",
        "term_end": "2028-02-29",
    }

    response = await client.post(
        seats_url(council), json=body, headers=council_admin.headers
    )

    assert response.status_code == 201, response.text
    seat = response.json()
    assert seat["status"] == "nominated"
    assert seat["holder"] == "Ana Souza"
    assert seat["organisation"] == "Associação do Bairro Eldorado"
    assert (seat["term_start"], seat["term_end"]) == ("2026-03-01", "2028-02-29")


async def test_a_holder_with_an_account_shows_the_account_name(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    council: Space,
    council_admin: Actor,
):
    holder = await builders.user(session, runtime, name="Joana Pereira")

    response = await client.post(
        seats_url(council),
        json={"sector": "government", "holder_user_id": holder.id, "status": "active"},
        headers=council_admin.headers,
    )

    assert response.status_code == 201, response.text
    assert response.json()["holder"] == "Joana Pereira"
    assert response.json()["holder_user_id"] == holder.id


async def test_a_seat_goes_from_vacant_to_nominated_to_active_and_back_from_pending(
    client: httpx.AsyncClient,
    session: AsyncSession,
    council: Space,
    council_admin: Actor,
):
    seat = await make_seat(session, council, status=SeatStatus.VACANT)
    url = seats_url(council, seat.id)
    steps = [
        {"status": "nominated", "holder_name": "Carlos Lima"},
        {"status": "active"},
        {"status": "pending_regularisation"},
        {"status": "active"},
    ]

    statuses = []
    for step in steps:
        response = await client.patch(url, json=step, headers=council_admin.headers)
        assert response.status_code == 200, response.text
        statuses.append(response.json()["status"])

    assert statuses == ["nominated", "active", "pending_regularisation", "active"]
    entries = await log_entries(session, council)
    assert [entry.action for entry in entries] == [
        "council_seat.updated",
        "council_seat.updated",
        "council_seat.filled",
        "council_seat.updated",
        "council_seat.updated",
    ]
    assert entries[0].changes["holder_name"] == [None, "Carlos Lima"]


async def test_filling_a_seat_is_public_with_the_public_name_only(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    council: Space,
    council_admin: Actor,
):
    holder = await builders.user(session, runtime, name="Joana Pereira")
    seat = await make_seat(session, council, status=SeatStatus.VACANT)

    await client.patch(
        seats_url(council, seat.id),
        json={
            "status": "active",
            "holder_user_id": holder.id,
            "organisation": "Secretaria de Saúde",
        },
        headers=council_admin.headers,
    )

    public = [e for e in await log_entries(session, council) if e.public]
    assert [(e.action, e.object_type, e.object_id) for e in public] == [
        ("council_seat.filled", "council_seat", seat.id)
    ]
    assert public[0].changes == {
        "holder": "Joana Pereira",
        "sector": "government",
        "kind": "titular",
        "role": "member",
    }


async def test_an_active_seat_cannot_become_vacant(
    client: httpx.AsyncClient,
    session: AsyncSession,
    council: Space,
    council_admin: Actor,
):
    seat = await make_seat(session, council)
    before = await snapshot(session, council)

    response = await client.patch(
        seats_url(council, seat.id),
        json={"status": "vacant", "holder_name": None},
        headers=council_admin.headers,
    )

    body = assert_problem(response, 409, "conflict")
    assert "cease it" in body["detail"]
    assert await snapshot(session, council) == before


async def test_a_vacant_seat_cannot_jump_to_pending_regularisation(
    client: httpx.AsyncClient,
    session: AsyncSession,
    council: Space,
    council_admin: Actor,
):
    seat = await make_seat(session, council, status=SeatStatus.VACANT)

    response = await client.patch(
        seats_url(council, seat.id),
        json={"status": "pending_regularisation", "holder_name": "Ana"},
        headers=council_admin.headers,
    )

    assert_problem(response, 409, "conflict")


async def test_a_seat_ceases_only_through_its_cease_endpoint(
    client: httpx.AsyncClient,
    session: AsyncSession,
    council: Space,
    council_admin: Actor,
):
    seat = await make_seat(session, council)

    patched = await client.patch(
        seats_url(council, seat.id),
        json={"status": "ceased"},
        headers=council_admin.headers,
    )
    created = await client.post(
        seats_url(council),
        json={"sector": "government", "status": "ceased"},
        headers=council_admin.headers,
    )

    assert failing_fields(assert_problem(patched, 422, "validation-error")) == {
        "status"
    }
    assert failing_fields(assert_problem(created, 422, "validation-error")) == {
        "status"
    }


async def test_a_vacant_seat_has_no_holder_and_a_held_seat_has_one(
    client: httpx.AsyncClient, council: Space, council_admin: Actor
):
    vacant_with_holder = {
        "sector": "government",
        "status": "vacant",
        "holder_name": "A",
    }
    active_without_holder = {"sector": "government", "status": "active"}
    both_holders = {"sector": "government", "holder_name": "A", "holder_user_id": 1}

    responses = [
        await client.post(seats_url(council), json=body, headers=council_admin.headers)
        for body in (vacant_with_holder, active_without_holder, both_holders)
    ]

    assert [
        failing_fields(assert_problem(response, 422, "validation-error"))
        for response in responses
    ] == [{"status"}, {"holder_user_id"}, {"holder_name"}]


async def test_an_unknown_holder_account_is_refused(
    client: httpx.AsyncClient, council: Space, council_admin: Actor
):
    response = await client.post(
        seats_url(council),
        json={"sector": "government", "holder_user_id": 999999},
        headers=council_admin.headers,
    )

    body = assert_problem(response, 422, "validation-error")
    assert failing_fields(body) == {"holder_user_id"}


async def test_a_term_cannot_end_before_it_starts(
    client: httpx.AsyncClient, council: Space, council_admin: Actor
):
    body = {
        "sector": "government",
        "term_start": "2026-03-01",
        "term_end": "2026-02-28",
    }

    response = await client.post(
        seats_url(council), json=body, headers=council_admin.headers
    )

    assert failing_fields(assert_problem(response, 422, "validation-error")) == {
        "term_end"
    }


async def test_a_term_change_is_checked_against_the_stored_start(
    client: httpx.AsyncClient,
    session: AsyncSession,
    council: Space,
    council_admin: Actor,
):
    seat = await make_seat(session, council, term_start=date(2026, 3, 1))
    before = await snapshot(session, council)

    response = await client.patch(
        seats_url(council, seat.id),
        json={"term_end": "2026-01-31"},
        headers=council_admin.headers,
    )

    assert failing_fields(assert_problem(response, 422, "validation-error")) == {
        "term_end"
    }
    assert await snapshot(session, council) == before


async def test_a_term_of_one_day_is_accepted(
    client: httpx.AsyncClient, council: Space, council_admin: Actor
):
    body = {
        "sector": "government",
        "term_start": "2026-03-01",
        "term_end": "2026-03-01",
    }

    response = await client.post(
        seats_url(council), json=body, headers=council_admin.headers
    )

    assert response.status_code == 201, response.text


async def test_a_seat_must_belong_to_a_sector_of_the_composition(
    client: httpx.AsyncClient, council: Space, council_admin: Actor
):
    response = await client.post(
        seats_url(council), json={"sector": "goverment"}, headers=council_admin.headers
    )

    body = assert_problem(response, 422, "validation-error")
    assert failing_fields(body) == {"sector"}


async def test_a_sector_holds_no_more_seats_than_the_composition_gives(
    client: httpx.AsyncClient,
    session: AsyncSession,
    council: Space,
    council_admin: Actor,
):
    await make_seat(session, council, sector="government")
    await make_seat(session, council, sector="government", status=SeatStatus.VACANT)
    await make_seat(session, council, sector="government", status=SeatStatus.CEASED)

    response = await client.post(
        seats_url(council), json={"sector": "government"}, headers=council_admin.headers
    )

    body = assert_problem(response, 409, "conflict")
    assert "gives government 2 titular seat(s)" in body["detail"]


async def test_an_alternate_pairs_with_a_titular_of_its_sector(
    client: httpx.AsyncClient,
    session: AsyncSession,
    council: Space,
    council_admin: Actor,
):
    titular = await make_seat(session, council, sector="civil_society")

    response = await client.post(
        seats_url(council),
        json={
            "sector": "civil_society",
            "kind": "alternate",
            "titular_seat_id": titular.id,
        },
        headers=council_admin.headers,
    )

    assert response.status_code == 201, response.text
    assert response.json()["titular_seat_id"] == titular.id


async def test_an_alternate_with_a_wrong_titular_is_refused(
    client: httpx.AsyncClient,
    session: AsyncSession,
    council: Space,
    council_admin: Actor,
):
    government = await make_seat(session, council, sector="government")
    other_council = await make_council(session)
    foreign = await make_seat(session, other_council, sector="civil_society")
    titular = await make_seat(session, council, sector="civil_society")
    alternate = await make_seat(
        session,
        council,
        sector="civil_society",
        kind=SeatKind.ALTERNATE,
        titular_seat_id=titular.id,
    )
    ceased = await make_seat(session, council, status=SeatStatus.CEASED)
    wrong = {
        "missing": None,
        "other sector": government.id,
        "other council": foreign.id,
        "an alternate": alternate.id,
        "a ceased titular": ceased.id,
        "unknown": 999999,
    }

    refused = {}
    for case, titular_seat_id in wrong.items():
        response = await client.post(
            seats_url(council),
            json={
                "sector": "civil_society",
                "kind": "alternate",
                "titular_seat_id": titular_seat_id,
            },
            headers=council_admin.headers,
        )
        refused[case] = (response.status_code, failing_fields(response.json()))

    assert refused == {case: (422, {"titular_seat_id"}) for case in wrong}


async def test_a_titular_does_not_pair_with_another_titular(
    client: httpx.AsyncClient,
    session: AsyncSession,
    council: Space,
    council_admin: Actor,
):
    titular = await make_seat(session, council)

    response = await client.post(
        seats_url(council),
        json={"sector": "government", "titular_seat_id": titular.id},
        headers=council_admin.headers,
    )

    body = assert_problem(response, 422, "validation-error")
    assert failing_fields(body) == {"titular_seat_id"}


async def test_a_titular_has_one_alternate_at_most(
    client: httpx.AsyncClient,
    session: AsyncSession,
    council: Space,
    council_admin: Actor,
):
    titular = await make_seat(session, council)
    await make_seat(
        session, council, kind=SeatKind.ALTERNATE, titular_seat_id=titular.id
    )

    response = await client.post(
        seats_url(council),
        json={
            "sector": "government",
            "kind": "alternate",
            "titular_seat_id": titular.id,
        },
        headers=council_admin.headers,
    )

    body = assert_problem(response, 409, "conflict")
    assert "already has an alternate" in body["detail"]


async def test_moving_an_alternate_to_another_sector_must_keep_the_pairing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    council: Space,
    council_admin: Actor,
):
    titular = await make_seat(session, council)
    alternate = await make_seat(
        session, council, kind=SeatKind.ALTERNATE, titular_seat_id=titular.id
    )

    response = await client.patch(
        seats_url(council, alternate.id),
        json={"sector": "civil_society"},
        headers=council_admin.headers,
    )

    body = assert_problem(response, 422, "validation-error")
    assert failing_fields(body) == {"titular_seat_id"}


async def test_a_titular_with_an_alternate_keeps_its_sector(
    client: httpx.AsyncClient,
    session: AsyncSession,
    council: Space,
    council_admin: Actor,
):
    titular = await make_seat(session, council)
    await make_seat(
        session, council, kind=SeatKind.ALTERNATE, titular_seat_id=titular.id
    )

    response = await client.patch(
        seats_url(council, titular.id),
        json={"sector": "civil_society"},
        headers=council_admin.headers,
    )

    assert_problem(response, 409, "conflict")


async def test_an_alternate_whose_titular_ceased_can_still_be_edited(
    client: httpx.AsyncClient,
    session: AsyncSession,
    council: Space,
    council_admin: Actor,
):
    titular = await make_seat(session, council, status=SeatStatus.CEASED)
    alternate = await make_seat(
        session, council, kind=SeatKind.ALTERNATE, titular_seat_id=titular.id
    )

    response = await client.patch(
        seats_url(council, alternate.id),
        json={"organisation": "Sindicato dos Servidores"},
        headers=council_admin.headers,
    )

    assert response.status_code == 200, response.text


async def test_cease_keeps_the_seat_as_history(
    client: httpx.AsyncClient,
    session: AsyncSession,
    council: Space,
    council_admin: Actor,
):
    seat = await make_seat(session, council, holder_name="Carlos Lima")

    response = await client.post(
        f"{seats_url(council, seat.id)}/cease",
        json={"reason": "Renúncia"},
        headers=council_admin.headers,
    )

    assert response.status_code == 200, response.text
    ceased = response.json()["ceased"]
    assert ceased["status"] == "ceased"
    assert ceased["ceased_reason"] == "Renúncia"
    assert ceased["ceased_at"] is not None
    assert ceased["holder"] == "Carlos Lima"
    assert response.json()["replacement"] is None
    listed = await client.get(seats_url(council), headers=council_admin.headers)
    assert [(s["id"], s["status"]) for s in listed.json()["items"]] == [
        (seat.id, "ceased")
    ]
    [entry] = await log_entries(session, council)
    assert entry.action == "council_seat.ceased"
    assert entry.changes["status"] == ["active", "ceased"]


async def test_cease_with_replace_opens_a_vacant_seat_in_the_same_slot(
    client: httpx.AsyncClient,
    session: AsyncSession,
    council: Space,
    council_admin: Actor,
):
    titular = await make_seat(
        session, council, role=SeatRole.PRESIDENT, organisation="Prefeitura"
    )
    alternate = await make_seat(
        session, council, kind=SeatKind.ALTERNATE, titular_seat_id=titular.id
    )

    response = await client.post(
        f"{seats_url(council, titular.id)}/cease",
        json={"reason": "Fim do vínculo", "replace": True},
        headers=council_admin.headers,
    )

    assert response.status_code == 200, response.text
    replacement = response.json()["replacement"]
    assert replacement["status"] == "vacant"
    assert replacement["holder"] is None
    assert (replacement["sector"], replacement["kind"], replacement["role"]) == (
        "government",
        "titular",
        "president",
    )
    assert replacement["organisation"] == "Prefeitura"
    seats = await client.get(seats_url(council), headers=council_admin.headers)
    by_id = {seat["id"]: seat for seat in seats.json()["items"]}
    assert by_id[alternate.id]["titular_seat_id"] == replacement["id"]
    assert by_id[titular.id]["status"] == "ceased"


async def test_a_ceased_seat_cannot_change_or_cease_again(
    client: httpx.AsyncClient,
    session: AsyncSession,
    council: Space,
    council_admin: Actor,
):
    seat = await make_seat(session, council, status=SeatStatus.CEASED)

    patched = await client.patch(
        seats_url(council, seat.id),
        json={"organisation": "Outra"},
        headers=council_admin.headers,
    )
    ceased = await client.post(
        f"{seats_url(council, seat.id)}/cease",
        json={"reason": "De novo"},
        headers=council_admin.headers,
    )

    assert_problem(patched, 409, "conflict")
    assert_problem(ceased, 409, "conflict")


async def test_a_seat_of_another_council_is_not_found(
    client: httpx.AsyncClient,
    session: AsyncSession,
    council: Space,
    council_admin: Actor,
):
    other = await make_council(session)
    seat = await make_seat(session, other)

    patched = await client.patch(
        seats_url(council, seat.id),
        json={"organisation": "Outra"},
        headers=council_admin.headers,
    )
    ceased = await client.post(
        f"{seats_url(council, seat.id)}/cease",
        json={"reason": "Engano"},
        headers=council_admin.headers,
    )

    assert_problem(patched, 404, "not-found")
    assert_problem(ceased, 404, "not-found")


async def test_an_assembly_that_is_not_a_council_has_no_seats(
    client: httpx.AsyncClient, session: AsyncSession, org_admin: Actor
):
    assembly = await builders.space(session, kind=SpaceKind.ASSEMBLY)

    listed = await client.get(seats_url(assembly), headers=org_admin.headers)
    created = await client.post(
        seats_url(assembly), json={"sector": "government"}, headers=org_admin.headers
    )

    assert_problem(listed, 404, "not-found")
    assert_problem(created, 404, "not-found")


async def test_the_admin_list_filters_by_status_and_sector(
    client: httpx.AsyncClient,
    session: AsyncSession,
    council: Space,
    council_admin: Actor,
):
    vacant = await make_seat(session, council, status=SeatStatus.VACANT)
    await make_seat(session, council)
    society = await make_seat(session, council, sector="civil_society")

    by_status = await client.get(
        seats_url(council), params={"status": "vacant"}, headers=council_admin.headers
    )
    by_sector = await client.get(
        seats_url(council),
        params={"sector": "civil_society"},
        headers=council_admin.headers,
    )

    assert [seat["id"] for seat in by_status.json()["items"]] == [vacant.id]
    assert [seat["id"] for seat in by_sector.json()["items"]] == [society.id]


async def test_creating_an_active_seat_is_logged_and_fills_it_publicly(
    client: httpx.AsyncClient,
    session: AsyncSession,
    council: Space,
    council_admin: Actor,
):
    body = {"sector": "government", "holder_name": "Ana Souza", "status": "active"}

    response = await client.post(
        seats_url(council), json=body, headers=council_admin.headers
    )

    entries = await log_entries(session, council)
    assert [(e.action, e.public) for e in entries] == [
        ("council_seat.created", False),
        ("council_seat.filled", True),
    ]
    assert entries[0].object_id == response.json()["id"]
    assert entries[0].changes["holder_name"] == [None, "Ana Souza"]


async def test_withdrawing_a_nomination_clears_the_holder(
    client: httpx.AsyncClient,
    session: AsyncSession,
    council: Space,
    council_admin: Actor,
):
    seat = await make_seat(session, council, status=SeatStatus.NOMINATED)
    url = seats_url(council, seat.id)

    kept = await client.patch(
        url, json={"status": "vacant"}, headers=council_admin.headers
    )
    cleared = await client.patch(
        url,
        json={"status": "vacant", "holder_name": None},
        headers=council_admin.headers,
    )

    assert failing_fields(assert_problem(kept, 422, "validation-error")) == {"status"}
    assert cleared.status_code == 200, cleared.text
    assert (cleared.json()["status"], cleared.json()["holder"]) == ("vacant", None)


async def test_a_sector_cannot_be_removed_from_a_seat(
    client: httpx.AsyncClient,
    session: AsyncSession,
    council: Space,
    council_admin: Actor,
):
    seat = await make_seat(session, council)

    response = await client.patch(
        seats_url(council, seat.id),
        json={"sector": None},
        headers=council_admin.headers,
    )

    assert failing_fields(assert_problem(response, 422, "validation-error")) == {
        "sector"
    }
