"""Ballots, council activity and demand handling, as the figures report them."""

from datetime import date, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.budgets import Ballot
from app.models.councils import CouncilSeat, SeatKind, SeatStatus
from app.models.meetings import AttendanceStatus, MeetingAttendance
from app.models.proposals import AnswerState
from app.models.spaces import SpaceKind
from app.runtime import Runtime
from tests import builders
from tests.budgets.conftest import budgets_component, make_budget, set_switches
from tests.meetings.conftest import meeting, meetings_component
from tests.stats.conftest import entry, figures, one_proposal_each, people, proposals_in


class TestBallots:
    async def test_ballots_count_once_their_votes_are_shown(
        self, client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
    ) -> None:
        space = await builders.space(session)
        component = await budgets_component(session, space, show_votes=True)
        budget = await make_budget(session, component)
        for voter in await people(session, runtime, 11):
            session.add(
                Ballot(budget_id=budget.id, user_id=voter.id, checked_out_at=utcnow())
            )
        await session.flush()

        voting = await figures(client, session, runtime)
        await set_switches(session, component, votes_enabled=False)
        closed = await figures(client, session, runtime)

        assert voting["totals"]["figures"]["ballots"] == 0
        assert closed["totals"]["figures"]["ballots"] == 11
        assert entry(closed["spaces"], id=space.id)["figures"]["participants"] == 11


class TestCouncils:
    async def test_meetings_held_quorum_and_vacant_seats(
        self, client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
    ) -> None:
        council = await builders.space(
            session, kind=SpaceKind.ASSEMBLY, is_council=True
        )
        seats = [
            CouncilSeat(
                space_id=council.id,
                sector="governo",
                kind=SeatKind.TITULAR,
                holder_name=f"Conselheira {n}",
                term_start=date(2020, 1, 1),
                status=SeatStatus.ACTIVE,
            )
            for n in range(4)
        ]
        seats.append(CouncilSeat(space_id=council.id, sector="sociedade"))
        session.add_all(seats)
        hall = await meetings_component(session, council)
        quorate = await meeting(session, hall, starts_at=utcnow() - timedelta(days=9))
        thin = await meeting(session, hall, starts_at=utcnow() - timedelta(days=2))
        await meeting(session, hall)  # not held yet
        await session.flush()
        for seat in seats[:3]:
            session.add(
                MeetingAttendance(
                    meeting_id=quorate.id,
                    seat_id=seat.id,
                    status=AttendanceStatus.PRESENT,
                )
            )
        session.add(
            MeetingAttendance(
                meeting_id=thin.id, seat_id=seats[0].id, status=AttendanceStatus.PRESENT
            )
        )
        await session.flush()

        body = await figures(client, session, runtime)

        assert entry(body["councils"], space_id=council.id) == {
            "space_id": council.id,
            "slug": council.slug,
            "title": council.title,
            "scope_id": None,
            "area_id": None,
            "meetings_held": 2,
            "quorum_reached": 1,
            "seats": 5,
            "vacant_seats": 1,
        }


class TestDemands:
    async def test_a_channel_reports_answers_deadlines_and_satisfaction(
        self, client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
    ) -> None:
        channel = await builders.space(session, kind=SpaceKind.CHANNEL)
        component = await proposals_in(session, channel)
        now = utcnow()
        asked = now - timedelta(days=20)
        made = await one_proposal_each(
            session,
            component,
            await people(session, runtime, 10),
            published_at=asked,
            due_at=asked + timedelta(days=10),
        )
        for n, demand in enumerate(made[:4]):
            demand.answer_state = AnswerState.ACCEPTED
            demand.answer_published_at = asked + timedelta(days=4 + n * 3)
            demand.satisfaction = 3 + n % 2
        await session.flush()

        body = await figures(client, session, runtime)

        assert entry(body["channels"], space_id=channel.id)["demands"] == {
            "received": 10,
            "answered": 4,
            "answered_within_deadline": 3,
            "overdue": 6,
            "median_days_to_answer": 8.5,
            "satisfaction_average": 3.5,
        }

    async def test_a_channel_of_few_people_is_suppressed(
        self, client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
    ) -> None:
        channel = await builders.space(session, kind=SpaceKind.CHANNEL)
        component = await proposals_in(session, channel)
        await one_proposal_each(session, component, await people(session, runtime, 3))

        body = await figures(client, session, runtime)

        found = entry(body["channels"], space_id=channel.id)
        assert found["suppressed"] is True
        assert set(found["demands"].values()) == {None}
