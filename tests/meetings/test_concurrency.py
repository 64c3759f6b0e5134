"""Races on PostgreSQL (real commits, separate connections): registrations for
places, attendance against the approval of the minutes."""

import asyncio
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from app.models.action_log import ActionLogEntry
from app.models.base import utcnow
from app.models.councils import CouncilSeat, SeatKind, SeatStatus
from app.models.meetings import (
    Meeting,
    MeetingRegistration,
    RegistrationStatus,
    RegistrationType,
)
from app.models.spaces import SpaceKind
from app.models.users import User, UserRole
from app.runtime import Runtime
from tests import builders
from tests.meetings.conftest import API, meeting, meetings_component

RACERS = 30
PLACES = 5


async def arrange(
    runtime: Runtime, *, waitlist: bool, racers: int = RACERS
) -> tuple[int, list[User]]:
    async with runtime.sessionmaker() as session:
        space = await builders.space(session)
        component = await meetings_component(session, space)
        shown = await meeting(
            session,
            component,
            registration_type=RegistrationType.ON_PLATFORM,
            capacity=PLACES + 2,
            reserved_slots=2,
            waitlist_enabled=waitlist,
        )
        users = [await builders.user(session, runtime) for _ in range(racers)]
        await session.commit()
    return shown.id, users


async def tally(runtime: Runtime, meeting_id: int) -> dict[str, int]:
    async with runtime.sessionmaker() as session:
        rows = await session.execute(
            select(MeetingRegistration.status, func.count())
            .where(MeetingRegistration.meeting_id == meeting_id)
            .group_by(MeetingRegistration.status)
        )
        counted: dict[str, int] = {str(status): count for status, count in rows}
        shown = await session.get_one(Meeting, meeting_id)
        counted["registrations_count"] = shown.registrations_count
        counted["waitlist_count"] = shown.waitlist_count
    return counted


async def race(
    client: httpx.AsyncClient, runtime: Runtime, meeting_id: int, users: list[User]
) -> list[int]:
    answers = await asyncio.gather(
        *(
            client.post(
                f"{API}/meetings/{meeting_id}/registration",
                json={},
                headers=builders.bearer(runtime, user),
            )
            for user in users
        )
    )
    return [answer.status_code for answer in answers]


@pytest.mark.parametrize("waitlist", [False, True], ids=["refuse", "queue"])
async def test_thirty_racing_for_five_places_confirm_exactly_five(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime, waitlist: bool
) -> None:
    meeting_id, users = await arrange(committed_runtime, waitlist=waitlist)

    statuses = await race(committed_client, committed_runtime, meeting_id, users)

    counted = await tally(committed_runtime, meeting_id)
    assert counted[RegistrationStatus.CONFIRMED] == PLACES
    assert counted["registrations_count"] == PLACES
    if waitlist:
        assert statuses.count(201) == RACERS
        assert counted[RegistrationStatus.WAITING] == RACERS - PLACES
        assert counted["waitlist_count"] == RACERS - PLACES
    else:
        assert sorted(statuses) == [201] * PLACES + [409] * (RACERS - PLACES)
        assert RegistrationStatus.WAITING not in counted
        assert counted["waitlist_count"] == 0


async def test_the_same_user_registering_twice_at_once_gets_one_registration(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    meeting_id, [user] = await arrange(committed_runtime, waitlist=False, racers=1)

    statuses = await race(committed_client, committed_runtime, meeting_id, [user] * 4)

    assert sorted(statuses) == [201, 409, 409, 409]
    counted = await tally(committed_runtime, meeting_id)
    assert counted[RegistrationStatus.CONFIRMED] == 1
    assert counted["registrations_count"] == 1


async def test_places_never_go_below_zero_while_people_come_and_go(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    meeting_id, users = await arrange(committed_runtime, waitlist=True, racers=12)
    await race(committed_client, committed_runtime, meeting_id, users[:6])

    leaving = [
        committed_client.delete(
            f"{API}/meetings/{meeting_id}/registration",
            headers=builders.bearer(committed_runtime, user),
        )
        for user in users[:3]
    ]
    coming = [
        committed_client.post(
            f"{API}/meetings/{meeting_id}/registration",
            json={},
            headers=builders.bearer(committed_runtime, user),
        )
        for user in users[6:]
    ]
    answers = await asyncio.gather(*leaving, *coming)
    seen = await committed_client.get(f"{API}/meetings/{meeting_id}")

    assert [answer.status_code for answer in answers[:3]] == [204, 204, 204]
    counted = await tally(committed_runtime, meeting_id)
    assert counted[RegistrationStatus.CONFIRMED] == PLACES
    assert counted["registrations_count"] == PLACES
    assert counted[RegistrationStatus.WAITING] == 12 - 3 - PLACES
    assert counted["waitlist_count"] == 12 - 3 - PLACES
    assert seen.json()["remaining_places"] == 0


async def test_two_admins_scanning_one_code_at_once_admit_it_once(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    meeting_id, [user] = await arrange(committed_runtime, waitlist=False, racers=1)
    async with committed_runtime.sessionmaker() as session:
        admin = await builders.user(session, committed_runtime, role=UserRole.ADMIN)
        await session.commit()
    registered = await committed_client.post(
        f"{API}/meetings/{meeting_id}/registration",
        json={},
        headers=builders.bearer(committed_runtime, user),
    )
    code = registered.json()["code"]

    answers = await asyncio.gather(
        *(
            committed_client.post(
                f"{API}/meetings/{meeting_id}/check-ins",
                json={"code": code},
                headers=builders.bearer(committed_runtime, admin),
            )
            for _ in range(4)
        )
    )

    assert sorted(answer.status_code for answer in answers) == [200, 409, 409, 409]


async def test_attendance_racing_an_approval_lands_before_it_or_is_refused(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    async with committed_runtime.sessionmaker() as session:
        council = await builders.space(
            session, kind=SpaceKind.ASSEMBLY, is_council=True
        )
        component = await meetings_component(session, council)
        held = await meeting(
            session,
            component,
            starts_at=utcnow() - timedelta(hours=1),
            closed_at=utcnow(),
        )
        titular = CouncilSeat(
            space_id=council.id,
            sector="government",
            kind=SeatKind.TITULAR,
            status=SeatStatus.ACTIVE,
            holder_name="Conselheira",
        )
        session.add(titular)
        admin = await builders.user(session, committed_runtime, role=UserRole.ADMIN)
        await session.commit()
    headers = builders.bearer(committed_runtime, admin)

    def attendance(status: str) -> dict[str, object]:
        return {"seats": [{"seat_id": titular.id, "status": status}]}

    answers = await asyncio.gather(
        *(
            committed_client.put(
                f"{API}/meetings/{held.id}/council-session/attendance",
                json=attendance("present" if n % 2 else "absent"),
                headers=headers,
            )
            for n in range(6)
        ),
        committed_client.post(
            f"{API}/meetings/{held.id}/minutes/approve", headers=headers
        ),
        *(
            committed_client.put(
                f"{API}/meetings/{held.id}/council-session/attendance",
                json=attendance("present" if n % 2 else "absent"),
                headers=headers,
            )
            for n in range(6)
        ),
    )

    approval = answers[6]
    recorded = [answer for answer in answers if answer is not approval]
    assert approval.status_code == 200, approval.text
    assert {answer.status_code for answer in recorded} <= {200, 409}
    async with committed_runtime.sessionmaker() as session:
        entries = list(
            await session.execute(
                select(ActionLogEntry.action, ActionLogEntry.id)
                .where(
                    ActionLogEntry.object_type == "meeting",
                    ActionLogEntry.object_id == held.id,
                )
                .order_by(ActionLogEntry.id)
            )
        )
    actions = [action for action, _ in entries]
    accepted = sum(answer.status_code == 200 for answer in recorded)
    assert actions == ["meeting.attendance_recorded"] * accepted + [
        "meeting.minutes_approved"
    ]
