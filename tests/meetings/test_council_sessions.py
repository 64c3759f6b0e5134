"""Councils in session: expected seats, attendance per seat, quorum, minutes."""

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.components import Component
from app.models.councils import CouncilSeat, SeatKind, SeatStatus
from app.models.meetings import Meeting
from app.models.spaces import Space, SpaceKind
from tests import builders
from tests.api.problems import assert_problem, failing_fields
from tests.meetings.conftest import API, Cast, meeting, meetings_component


async def seat(session: AsyncSession, council: Space, **fields: Any) -> CouncilSeat:
    values: dict[str, Any] = {
        "space_id": council.id,
        "sector": "government",
        "kind": SeatKind.TITULAR,
        "status": SeatStatus.ACTIVE,
        "holder_name": "Conselheira",
    }
    values.update(fields)
    created = CouncilSeat(**values)
    session.add(created)
    await session.flush()
    return created


async def council_meeting(
    session: AsyncSession, **settings: Any
) -> tuple[Space, Component, Meeting]:
    council = await builders.space(session, kind=SpaceKind.ASSEMBLY, is_council=True)
    component = await meetings_component(session, council, **settings)
    held = await meeting(session, component, starts_at=utcnow() - timedelta(hours=1))
    return council, component, held


async def record(
    client: httpx.AsyncClient, meeting_id: int, headers: dict[str, str], **seats: str
) -> httpx.Response:
    return await client.put(
        f"{API}/meetings/{meeting_id}/council-session/attendance",
        json={
            "seats": [
                {"seat_id": int(seat_id.removeprefix("s")), "status": status}
                for seat_id, status in seats.items()
            ]
        },
        headers=headers,
    )


async def test_the_seats_expected_are_those_held_on_the_meeting_date(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    council, _, held = await council_meeting(session)
    today = held.starts_at.date()
    current = await seat(session, council, holder_name="Ana")
    ended = await seat(session, council, term_end=today - timedelta(days=30))
    await seat(session, council, status=SeatStatus.VACANT, holder_name=None)
    await seat(session, council, term_start=today + timedelta(days=30))
    ceased_since = await seat(
        session,
        council,
        status=SeatStatus.CEASED,
        ceased_at=utcnow() + timedelta(days=1),
        holder_name="Bia",
    )
    assert ended.id

    response = await client.get(f"{API}/meetings/{held.id}/council-session")

    assert response.status_code == 200, response.text
    body = response.json()
    assert [entry["seat_id"] for entry in body["seats"]] == [
        current.id,
        ceased_since.id,
    ]
    assert body["seats"][0]["holder"] == "Ana"
    assert body["seats"][0]["status"] is None
    assert body["titular_seats_expected"] == 2


async def test_quorum_counts_titulars_present_or_substituted(
    client: httpx.AsyncClient, session: AsyncSession, cast: Cast
) -> None:
    council, _, held = await council_meeting(session)
    admin = cast.org_admin.headers
    titulars = [await seat(session, council) for _ in range(4)]
    alternate = await seat(
        session, council, kind=SeatKind.ALTERNATE, titular_seat_id=titulars[1].id
    )

    two = await record(
        client,
        held.id,
        admin,
        **{f"s{titulars[0].id}": "present", f"s{titulars[1].id}": "absent"},
    )
    three = await record(client, held.id, admin, **{f"s{alternate.id}": "present"})
    four = await record(client, held.id, admin, **{f"s{titulars[2].id}": "present"})

    assert (two.json()["titular_seats_present"], two.json()["quorum_reached"]) == (
        1,
        False,
    )
    assert three.json()["titular_seats_present"] == 2
    assert three.json()["quorum_required"] == 3
    assert three.json()["quorum_reached"] is False
    assert four.json()["titular_seats_present"] == 3
    assert four.json()["quorum_reached"] is True
    statuses = {entry["seat_id"]: entry["status"] for entry in four.json()["seats"]}
    assert statuses[titulars[1].id] == "absent"
    assert statuses[titulars[3].id] is None


async def test_the_councils_rule_sets_the_quorum(
    client: httpx.AsyncClient, session: AsyncSession, cast: Cast
) -> None:
    council, _, held = await council_meeting(session, quorum_percent=20)
    titulars = [await seat(session, council) for _ in range(5)]

    response = await record(
        client, held.id, cast.org_admin.headers, **{f"s{titulars[0].id}": "present"}
    )

    assert response.json()["quorum_required"] == 2
    assert response.json()["quorum_reached"] is False


async def test_a_seat_not_expected_is_422(
    client: httpx.AsyncClient, session: AsyncSession, cast: Cast
) -> None:
    council, _, held = await council_meeting(session)
    vacant = await seat(session, council, status=SeatStatus.VACANT)

    response = await record(
        client, held.id, cast.org_admin.headers, **{f"s{vacant.id}": "present"}
    )

    assert failing_fields(assert_problem(response, 422, "validation-error")) == {
        "seats"
    }


async def test_only_the_team_records_attendance(
    client: httpx.AsyncClient, session: AsyncSession, cast: Cast
) -> None:
    council, _, held = await council_meeting(session)
    titular = await seat(session, council)

    response = await record(
        client, held.id, cast.participant.headers, **{f"s{titular.id}": "present"}
    )

    assert_problem(response, 403, "forbidden")


async def test_a_meeting_outside_a_council_has_no_session(
    client: httpx.AsyncClient, session: AsyncSession, cast: Cast
) -> None:
    held = await meeting(session, cast.component)

    response = await client.get(f"{API}/meetings/{held.id}/council-session")

    assert_problem(response, 404, "not-found")


async def test_approved_minutes_are_kept_and_frozen(
    client: httpx.AsyncClient, session: AsyncSession, cast: Cast
) -> None:
    _, _, held = await council_meeting(session)
    admin = cast.org_admin.headers
    minutes = {"closing_report": {"pt-BR": "<p>Ata</p>"}, "attendees_count": 9}
    too_early = await client.post(
        f"{API}/meetings/{held.id}/minutes/approve", headers=admin
    )
    await client.post(f"{API}/meetings/{held.id}/close", json=minutes, headers=admin)

    approved = await client.post(
        f"{API}/meetings/{held.id}/minutes/approve", headers=admin
    )
    edit = await client.post(
        f"{API}/meetings/{held.id}/close", json=minutes, headers=admin
    )

    assert_problem(too_early, 409, "conflict")
    assert approved.status_code == 200, approved.text
    assert approved.json()["minutes"]["approved_at"] is not None
    assert_problem(edit, 409, "conflict")
    session_read = await client.get(f"{API}/meetings/{held.id}/council-session")
    assert session_read.json()["minutes_approved_at"] is not None


async def test_attendance_is_frozen_with_approved_minutes(
    client: httpx.AsyncClient, session: AsyncSession, cast: Cast
) -> None:
    council, _, held = await council_meeting(session)
    titular = await seat(session, council)
    admin = cast.org_admin.headers
    minutes = {"closing_report": {"pt-BR": "<p>Ata</p>"}, "attendees_count": 1}
    before = await record(client, held.id, admin, **{f"s{titular.id}": "present"})
    await client.post(f"{API}/meetings/{held.id}/close", json=minutes, headers=admin)
    approved = await client.post(
        f"{API}/meetings/{held.id}/minutes/approve", headers=admin
    )
    assert approved.status_code == 200, approved.text

    after = await record(client, held.id, admin, **{f"s{titular.id}": "absent"})

    assert before.status_code == 200, before.text
    assert_problem(after, 409, "conflict")
    kept = await client.get(f"{API}/meetings/{held.id}/council-session")
    assert [entry["status"] for entry in kept.json()["seats"]] == ["present"]
