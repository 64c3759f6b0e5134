"""The composition report: which councils have vacant, ending or expired seats."""

from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.councils import CouncilSeat, SeatKind, SeatStatus
from app.models.spaces import Space, SpaceKind, SpaceStatus, Visibility
from tests import builders
from tests.builders import Actor
from tests.conftest import QueryCounter
from tests.structure.councils.conftest import API, make_council, make_seat

REPORT = f"{API}/councils/composition-report"


def figures(**values: int) -> dict[str, int]:
    """Seat figures, zero unless given."""
    names = (
        "required",
        "occupied",
        "unfilled",
        "vacant",
        "nominated",
        "active",
        "pending_regularisation",
        "ending_soon",
        "expired",
    )
    return {name: values.get(name, 0) for name in names}


@dataclass
class Scenario:
    health: Space
    regional: Space
    ending_today: CouncilSeat
    ending_soon: CouncilSeat
    ending_last_day: CouncilSeat
    expired: CouncilSeat
    pending: CouncilSeat


async def build_scenario(session: AsyncSession) -> Scenario:
    """A health council with every kind of trouble, and a regional one with none.

    Today is 2026-06-15; with 60 days, terms ending up to 2026-08-14 are flagged.
    """
    health = await make_council(
        session,
        {"users": (4, 2), "government": (2, 0)},
        title="Conselho Municipal de Saúde",
    )
    settled = date(2027, 2, 28)
    first = await make_seat(session, health, sector="users", term_end=settled)
    ending_soon = await make_seat(
        session, health, sector="users", term_end=date(2026, 7, 1)
    )
    expired = await make_seat(
        session,
        health,
        sector="users",
        term_end=date(2026, 6, 14),
        holder_name="Paulo Mendes",
    )
    await make_seat(session, health, sector="users", status=SeatStatus.VACANT)
    pending = await make_seat(
        session,
        health,
        sector="users",
        kind=SeatKind.ALTERNATE,
        titular_seat_id=first.id,
        status=SeatStatus.PENDING_REGULARISATION,
        term_end=settled,
    )
    ending_last_day = await make_seat(
        session,
        health,
        sector="users",
        kind=SeatKind.ALTERNATE,
        titular_seat_id=ending_soon.id,
        status=SeatStatus.NOMINATED,
        term_end=date(2026, 8, 14),
    )
    ending_today = await make_seat(
        session, health, sector="government", term_end=date(2026, 6, 15)
    )
    await make_seat(
        session,
        health,
        sector="government",
        status=SeatStatus.CEASED,
        term_end=date(2026, 1, 1),
    )

    regional = await make_council(
        session,
        {"juventude": (1, 1)},
        status=SpaceStatus.DRAFT,
        visibility=Visibility.PRIVATE,
    )
    youth = await make_seat(session, regional, sector="juventude", term_end=settled)
    await make_seat(
        session,
        regional,
        sector="juventude",
        kind=SeatKind.ALTERNATE,
        titular_seat_id=youth.id,
        term_end=settled,
    )
    await builders.space(session, kind=SpaceKind.ASSEMBLY)
    return Scenario(
        health, regional, ending_today, ending_soon, ending_last_day, expired, pending
    )


def by_sector(council: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {sector.pop("sector"): sector for sector in council["sectors"]}


async def test_the_report_counts_required_held_vacant_ending_and_expired_seats(
    client: httpx.AsyncClient,
    session: AsyncSession,
    org_admin: Actor,
    fixed_today: date,
):
    scenario = await build_scenario(session)

    response = await client.get(REPORT, headers=org_admin.headers)

    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["today"], report["ending_by"]) == ("2026-06-15", "2026-08-14")
    assert [c["space_id"] for c in report["councils"]] == [
        scenario.health.id,
        scenario.regional.id,
    ]
    health = report["councils"][0]
    assert by_sector(health) == {
        "users": {
            "titular": figures(
                required=4,
                occupied=3,
                unfilled=1,
                vacant=1,
                active=3,
                ending_soon=1,
                expired=1,
            ),
            "alternate": figures(
                required=2,
                occupied=2,
                nominated=1,
                pending_regularisation=1,
                ending_soon=1,
            ),
        },
        "government": {
            "titular": figures(
                required=2, occupied=1, unfilled=1, active=1, ending_soon=1
            ),
            "alternate": figures(),
        },
    }
    assert health["totals"] == figures(
        required=8,
        occupied=6,
        unfilled=2,
        vacant=1,
        nominated=1,
        active=4,
        pending_regularisation=1,
        ending_soon=3,
        expired=1,
    )


async def test_the_report_lists_the_seats_to_act_on_and_flags_each_council(
    client: httpx.AsyncClient,
    session: AsyncSession,
    org_admin: Actor,
    fixed_today: date,
):
    scenario = await build_scenario(session)

    response = await client.get(REPORT, headers=org_admin.headers)

    report = response.json()
    health, regional = report["councils"]
    assert health["flags"] == {
        "has_vacancies": True,
        "has_expired": True,
        "has_terms_ending": True,
        "has_pending_regularisation": True,
    }
    assert regional["flags"] == dict.fromkeys(health["flags"], False)
    assert [s["id"] for s in health["ending_soon_seats"]] == [
        scenario.ending_today.id,
        scenario.ending_soon.id,
        scenario.ending_last_day.id,
    ]
    assert health["expired_seats"] == [
        {
            "id": scenario.expired.id,
            "sector": "users",
            "kind": "titular",
            "role": "member",
            "holder": "Paulo Mendes",
            "status": "active",
            "term_end": "2026-06-14",
        }
    ]
    assert [s["id"] for s in health["pending_seats"]] == [scenario.pending.id]
    assert (report["councils_with_vacancies"], report["councils_with_expired"]) == (
        1,
        1,
    )


async def test_the_report_covers_councils_of_every_status_and_visibility(
    client: httpx.AsyncClient,
    session: AsyncSession,
    org_admin: Actor,
    fixed_today: date,
):
    scenario = await build_scenario(session)

    response = await client.get(REPORT, headers=org_admin.headers)

    regional = response.json()["councils"][1]
    assert regional["space_id"] == scenario.regional.id
    assert (regional["status"], regional["visibility"]) == ("draft", "private")
    assert regional["totals"]["required"] == 2


async def test_the_horizon_follows_ending_within_days(
    client: httpx.AsyncClient,
    session: AsyncSession,
    org_admin: Actor,
    fixed_today: date,
):
    scenario = await build_scenario(session)

    response = await client.get(
        REPORT, params={"ending_within_days": 0}, headers=org_admin.headers
    )

    health = response.json()["councils"][0]
    assert response.json()["ending_by"] == "2026-06-15"
    assert [s["id"] for s in health["ending_soon_seats"]] == [scenario.ending_today.id]
    assert health["totals"]["ending_soon"] == 1
    assert health["totals"]["expired"] == 1


async def test_a_negative_horizon_is_refused(
    client: httpx.AsyncClient, org_admin: Actor
):
    response = await client.get(
        REPORT, params={"ending_within_days": -1}, headers=org_admin.headers
    )

    assert response.status_code == 422


async def test_a_sector_with_seats_but_no_requirement_is_still_reported(
    client: httpx.AsyncClient,
    session: AsyncSession,
    org_admin: Actor,
    fixed_today: date,
):
    council = await make_council(session, {"users": (1, 0)})
    await make_seat(session, council, sector="legacy")

    response = await client.get(REPORT, headers=org_admin.headers)

    [reported] = response.json()["councils"]
    assert [s["sector"] for s in reported["sectors"]] == ["users", "legacy"]
    assert reported["sectors"][1]["titular"]["required"] == 0
    assert reported["sectors"][1]["titular"]["occupied"] == 1
    assert reported["flags"]["has_vacancies"] is True


async def test_the_report_runs_a_constant_number_of_queries(
    client: httpx.AsyncClient,
    session: AsyncSession,
    org_admin: Actor,
    fixed_today: date,
    queries: QueryCounter,
):
    async def councils(count: int) -> None:
        for _ in range(count):
            council = await make_council(session)
            await make_seat(session, council, term_end=date(2026, 7, 1))
            await make_seat(session, council, sector="civil_society")
            await make_seat(session, council, status=SeatStatus.VACANT)

    await councils(2)
    before = queries.count
    small = await client.get(REPORT, headers=org_admin.headers)
    small_count = queries.count - before
    await councils(10)
    before = queries.count
    large = await client.get(REPORT, headers=org_admin.headers)
    large_count = queries.count - before

    assert (len(small.json()["councils"]), len(large.json()["councils"])) == (2, 12)
    assert small_count == large_count
