"""Councils in session: the seats a meeting expects, their attendance, quorum."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import ConflictError, InvalidInputError, NotFoundError
from app.models.councils import CouncilSeat, SeatKind, SeatStatus
from app.models.meetings import AttendanceStatus, Meeting, MeetingAttendance
from app.models.spaces import Space
from app.models.users import User
from app.schemas.components import MeetingsSettings, stored_settings
from app.schemas.meetings import AttendanceWrite, CouncilSessionRead, SeatInSession
from app.services import action_log
from app.services.meetings import (
    MeetingView,
    get_meeting_view,
    meeting_for,
    organiser_view,
)

_HOLDER = func.coalesce(
    case((User.deleted_at.is_(None), User.name)), CouncilSeat.holder_name
)
_SEATED = (SeatStatus.ACTIVE, SeatStatus.PENDING_REGULARISATION)


async def get_council_session(
    session: AsyncSession, viewer: User | None, meeting_id: int, zone: str
) -> CouncilSessionRead:
    """The seats a council meeting expects, who attended, and whether it had quorum."""
    view = await get_meeting_view(session, viewer, meeting_id)
    await _ensure_council(session, view)
    return await _session_read(session, view, zone)


async def record_attendance(
    session: AsyncSession,
    actor: User,
    meeting_id: int,
    data: AttendanceWrite,
    zone: str,
) -> CouncilSessionRead:
    """Record each sent seat's attendance; seats not sent keep theirs.

    Approved minutes freeze the attendance with them (409). The meeting row is
    locked so an approval running alongside waits for this, or this for it.
    """
    meeting, component = await meeting_for(
        session, actor, meeting_id, lock=True, team_only=True
    )
    view = organiser_view(meeting, component)
    await _ensure_council(session, view)
    if meeting.minutes_approved_at is not None:
        raise ConflictError(
            f"The minutes of meeting {meeting.id} are approved; its attendance "
            "is frozen with them."
        )
    expected = {seat.id for seat, _ in await _expected_seats(session, view, zone)}
    sent = [entry.seat_id for entry in data.seats]
    if len(sent) != len(set(sent)):
        raise _invalid("each seat at most once")
    if unknown := sorted(set(sent) - expected):
        raise _invalid(f"seats {unknown} are not expected at this meeting")

    recorded = {
        attendance.seat_id: attendance
        for attendance in await session.scalars(
            select(MeetingAttendance).where(MeetingAttendance.meeting_id == meeting.id)
        )
    }
    for entry in data.seats:
        if entry.seat_id in recorded:
            recorded[entry.seat_id].status = entry.status
        else:
            session.add(
                MeetingAttendance(
                    meeting_id=meeting.id, seat_id=entry.seat_id, status=entry.status
                )
            )
    await session.flush()

    action_log.record(
        session,
        actor,
        "meeting.attendance_recorded",
        object_type="meeting",
        object_id=meeting.id,
        space_id=component.space_id,
        changes={"seats": len(data.seats)},
    )
    return await _session_read(session, view, zone)


def meeting_date(meeting: Meeting, zone: str) -> date:
    return meeting.starts_at.astimezone(ZoneInfo(zone)).date()


async def _ensure_council(session: AsyncSession, view: MeetingView) -> None:
    space = await session.get_one(Space, view.component.space_id)
    if not space.is_council:
        raise NotFoundError(f"Meeting {view.meeting.id} is not a council's.")


def _active_on(day: date, day_start: datetime) -> ColumnElement[bool]:
    """Seats held on ``day``: seated now, or ceased only after that day."""
    return and_(
        or_(
            CouncilSeat.status.in_(_SEATED),
            and_(
                CouncilSeat.status == SeatStatus.CEASED,
                CouncilSeat.ceased_at > day_start,
            ),
        ),
        or_(CouncilSeat.term_start.is_(None), CouncilSeat.term_start <= day),
        or_(CouncilSeat.term_end.is_(None), CouncilSeat.term_end >= day),
    )


async def _expected_seats(
    session: AsyncSession, view: MeetingView, zone: str
) -> list[tuple[CouncilSeat, str | None]]:
    day = meeting_date(view.meeting, zone)
    day_start = datetime.combine(day, datetime.min.time(), ZoneInfo(zone))
    rows = await session.execute(
        select(CouncilSeat, _HOLDER)
        .outerjoin(User, User.id == CouncilSeat.holder_user_id)
        .where(
            CouncilSeat.space_id == view.component.space_id,
            _active_on(day, day_start),
        )
        .order_by(
            CouncilSeat.sector,
            case((CouncilSeat.kind == SeatKind.TITULAR, 0), else_=1),
            CouncilSeat.id,
        )
    )
    return [(seat, holder) for seat, holder in rows]


async def _session_read(
    session: AsyncSession, view: MeetingView, zone: str
) -> CouncilSessionRead:
    seats = await _expected_seats(session, view, zone)
    attendance = {
        row.seat_id: row.status
        for row in await session.scalars(
            select(MeetingAttendance).where(
                MeetingAttendance.meeting_id == view.meeting.id
            )
        )
    }
    titulars = [seat for seat, _ in seats if seat.kind == SeatKind.TITULAR]
    present = {
        seat.titular_seat_id if seat.kind == SeatKind.ALTERNATE else seat.id
        for seat, _ in seats
        if attendance.get(seat.id) == AttendanceStatus.PRESENT
    }
    present_titulars = sum(1 for seat in titulars if seat.id in present)
    required = _quorum(len(titulars), view)
    return CouncilSessionRead(
        meeting_id=view.meeting.id,
        space_id=view.component.space_id,
        date=meeting_date(view.meeting, zone).isoformat(),
        seats=[
            SeatInSession(
                seat_id=seat.id,
                sector=seat.sector,
                role=seat.role,
                kind=seat.kind,
                titular_seat_id=seat.titular_seat_id,
                holder=holder,
                organisation=seat.organisation,
                status=attendance.get(seat.id),
            )
            for seat, holder in seats
        ],
        titular_seats_expected=len(titulars),
        titular_seats_present=present_titulars,
        quorum_required=required,
        quorum_reached=bool(titulars) and present_titulars >= required,
        minutes_approved_at=view.meeting.minutes_approved_at,
    )


def _quorum(expected: int, view: MeetingView) -> int:
    """More than the rule's percentage of the titular seats expected."""
    settings = stored_settings(view.component)
    assert isinstance(settings, MeetingsSettings)
    return min(expected * settings.quorum_percent // 100 + 1, expected)


def _invalid(message: str) -> InvalidInputError:
    return InvalidInputError(
        f"seats: {message}.",
        errors=[{"field": "seats", "location": "body", "message": message}],
    )
