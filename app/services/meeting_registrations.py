"""Registrations for meetings: places, the waiting list, codes, check-in.

Every write locks the meeting's row first, so that its counters always equal
the registrations they count and its places never go below zero, whatever
the number of participants registering at once.
"""

import secrets

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from app.models.base import utcnow
from app.models.meetings import (
    Meeting,
    MeetingRegistration,
    RegistrationStatus,
    RegistrationType,
)
from app.models.users import User
from app.schemas.meetings import (
    AttendeeRead,
    CheckIn,
    RegistrationCreate,
    RegistrationRead,
    TeamRegistrationRead,
)
from app.services import outbox
from app.services.meetings import (
    MeetingView,
    closes_at,
    get_meeting_view,
    joined,
    meeting_for,
    promote_waiting,
    readable_meetings,
    registration_payload,
    remaining_places,
    terms_of,
)
from app.services.visibility import participable_spaces

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""No 0/O or 1/I: a code is read aloud at the door."""
CODE_LENGTH = 8


async def register(
    session: AsyncSession, user: User, meeting_id: int, data: RegistrationCreate
) -> MeetingRegistration:
    """A place for ``user``, or a place in the queue when the meeting is full."""
    view = await _view_for_participant(session, user, meeting_id)
    meeting = await _lock(session, view.meeting)
    _ensure_open_for_registration(meeting)
    if terms_of(view) and not data.accept_terms:
        raise InvalidInputError(
            "Accept the meeting's registration terms to register.",
            errors=[
                {"field": "accept_terms", "location": "body", "message": "must be true"}
            ],
        )
    if await _registration_of(session, meeting.id, user.id) is not None:
        raise ConflictError(f"You are already registered for meeting {meeting.id}.")

    status = _status_for_newcomer(meeting)
    registration = MeetingRegistration(
        meeting_id=meeting.id,
        user_id=user.id,
        status=status,
        code=await _new_code(session, meeting.id),
        public_participation=data.public_participation,
        terms_accepted_at=utcnow() if data.accept_terms else None,
    )
    session.add(registration)
    if status == RegistrationStatus.CONFIRMED:
        meeting.registrations_count += 1
    else:
        meeting.waitlist_count += 1
    await session.flush()

    if status == RegistrationStatus.CONFIRMED:
        outbox.emit(
            session,
            "registration.confirmed",
            registration_payload(meeting, view.component, registration),
        )
    return registration


async def cancel_registration(
    session: AsyncSession, user: User, meeting_id: int
) -> None:
    """``user`` gives up their place (or queue place); the queue moves up."""
    view = await get_meeting_view(session, user, meeting_id)
    meeting = await _lock(session, view.meeting)
    registration = await _registration_of(session, meeting.id, user.id)
    if registration is None:
        raise NotFoundError(f"You are not registered for meeting {meeting.id}.")
    if meeting.starts_at <= utcnow():
        raise ConflictError(f"Meeting {meeting.id} has already started.")

    if registration.status == RegistrationStatus.CONFIRMED:
        meeting.registrations_count -= 1
    else:
        meeting.waitlist_count -= 1
    await session.delete(registration)
    await session.flush()

    await promote_waiting(session, meeting, view.component)


async def own_registration(
    session: AsyncSession, user: User, meeting_id: int
) -> MeetingRegistration:
    view = await get_meeting_view(session, user, meeting_id)
    registration = await _registration_of(session, view.meeting.id, user.id)
    if registration is None:
        raise NotFoundError(f"You are not registered for meeting {meeting_id}.")
    return registration


async def check_in(
    session: AsyncSession, actor: User, meeting_id: int, data: CheckIn
) -> MeetingRegistration:
    """The space's team admits an attendee by code, once."""
    meeting, _ = await meeting_for(session, actor, meeting_id, team_only=True)
    registration = await session.scalar(
        select(MeetingRegistration).where(
            MeetingRegistration.meeting_id == meeting.id,
            MeetingRegistration.code == data.code.upper(),
        )
    )
    if registration is None:
        raise NotFoundError(f"Meeting {meeting.id} has no registration {data.code}.")
    if registration.status != RegistrationStatus.CONFIRMED:
        raise ConflictError("This registration is still on the waiting list.")

    # A conditional update: two admins scanning the same code admit it once.
    now = utcnow()
    admitted = await session.execute(
        update(MeetingRegistration)
        .where(
            MeetingRegistration.id == registration.id,
            MeetingRegistration.checked_in_at.is_(None),
        )
        .values(checked_in_at=now)
        .execution_options(synchronize_session=False)
    )
    if admitted.rowcount == 0:  # type: ignore[attr-defined]
        raise ConflictError(f"Registration {data.code} has already checked in.")
    await session.refresh(registration)
    return registration


async def list_registrations(
    session: AsyncSession,
    actor: User,
    meeting_id: int,
    *,
    after_id: int | None,
    limit: int,
) -> list[TeamRegistrationRead]:
    """Every registration, confirmed and waiting, in order, for the space's team."""
    meeting, _ = await meeting_for(session, actor, meeting_id, team_only=True)
    query = (
        select(MeetingRegistration, User.name)
        .join(User, User.id == MeetingRegistration.user_id)
        .where(MeetingRegistration.meeting_id == meeting.id)
        .order_by(MeetingRegistration.id)
        .limit(limit + 1)
    )
    if after_id is not None:
        query = query.where(MeetingRegistration.id > after_id)
    rows = await session.execute(query)
    return [
        TeamRegistrationRead(
            **RegistrationRead.model_validate(registration).model_dump(), name=name
        )
        for registration, name in rows
    ]


async def list_attendees(
    session: AsyncSession,
    viewer: User | None,
    meeting_id: int,
    *,
    after_id: int | None,
    limit: int,
) -> list[AttendeeRead]:
    """Confirmed attendees who chose to be listed, by registration order."""
    view = await get_meeting_view(session, viewer, meeting_id)
    query = (
        select(MeetingRegistration.id, User.id, User.name)
        .join(User, User.id == MeetingRegistration.user_id)
        .where(
            MeetingRegistration.meeting_id == view.meeting.id,
            MeetingRegistration.status == RegistrationStatus.CONFIRMED,
            MeetingRegistration.public_participation,
            User.deleted_at.is_(None),
        )
        .order_by(MeetingRegistration.id)
        .limit(limit + 1)
    )
    if after_id is not None:
        query = query.where(MeetingRegistration.id > after_id)
    rows = (await session.execute(query)).all()
    return [
        AttendeeRead(registration_id=registration_id, user_id=user_id, name=name)
        for registration_id, user_id, name in rows
    ]


async def _view_for_participant(
    session: AsyncSession, user: User, meeting_id: int
) -> MeetingView:
    view = await get_meeting_view(session, user, meeting_id)
    open_to_user = await session.scalar(
        joined(select(Meeting.id)).where(
            Meeting.id == meeting_id,
            readable_meetings(user),
            participable_spaces(user),
        )
    )
    if open_to_user is None:
        raise PermissionDeniedError(
            "Only the space's members may register for this meeting."
        )
    return view


async def _lock(session: AsyncSession, meeting: Meeting) -> Meeting:
    """The meeting's row, re-read and held until the transaction ends."""
    locked = await session.scalar(
        select(Meeting)
        .where(Meeting.id == meeting.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert locked is not None
    return locked


def _ensure_open_for_registration(meeting: Meeting) -> None:
    now = utcnow()
    if meeting.published_at is None:
        raise ConflictError(f"Meeting {meeting.id} is not published.")
    if meeting.cancelled_at or meeting.withdrawn_at or meeting.closed_at:
        raise ConflictError(f"Meeting {meeting.id} takes no registrations.")
    if meeting.registration_type != RegistrationType.ON_PLATFORM:
        raise ConflictError(f"Meeting {meeting.id} takes no registrations here.")
    if meeting.starts_at <= now:
        raise ConflictError(f"Meeting {meeting.id} has already started.")
    if meeting.registrations_open_at and now < meeting.registrations_open_at:
        raise ConflictError(f"Registrations for meeting {meeting.id} are not open.")
    if now >= closes_at(meeting):
        raise ConflictError(f"Registrations for meeting {meeting.id} are closed.")


def _status_for_newcomer(meeting: Meeting) -> RegistrationStatus:
    if remaining_places(meeting) != 0:
        return RegistrationStatus.CONFIRMED
    if meeting.waitlist_enabled:
        return RegistrationStatus.WAITING
    raise ConflictError(f"Meeting {meeting.id} is full.", error_code="meeting_full")


async def _registration_of(
    session: AsyncSession, meeting_id: int, user_id: int
) -> MeetingRegistration | None:
    registration: MeetingRegistration | None = await session.scalar(
        select(MeetingRegistration)
        .where(
            MeetingRegistration.meeting_id == meeting_id,
            MeetingRegistration.user_id == user_id,
        )
        .execution_options(populate_existing=True)
    )
    return registration


async def _new_code(session: AsyncSession, meeting_id: int) -> str:
    """A short code no other registration of the meeting holds."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        taken = await session.scalar(
            select(MeetingRegistration.id).where(
                MeetingRegistration.meeting_id == meeting_id,
                MeetingRegistration.code == code,
            )
        )
        if taken is None:
            return code
