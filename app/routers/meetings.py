"""Endpoints of the meetings domain: meetings, registrations, councils, calendars."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status

from app.deps import (
    CurrentUser,
    FilterId,
    OptionalUser,
    PathId,
    RuntimeDep,
    SessionDep,
)
from app.models.meetings import MeetingType
from app.models.users import User
from app.routers.links import page_of
from app.schemas.base import Timestamp
from app.schemas.meetings import (
    AgendaWrite,
    AttendanceWrite,
    AttendeeRead,
    CalendarTokenRead,
    CheckIn,
    CouncilSessionRead,
    MeetingClose,
    MeetingCreate,
    MeetingDetail,
    MeetingPeriod,
    MeetingRead,
    MeetingUpdate,
    Reason,
    RegistrationCreate,
    RegistrationRead,
    TeamRegistrationRead,
)
from app.schemas.pagination import Cursor, Limit, Page, decode_cursor
from app.services import calendars, council_sessions, meeting_registrations, meetings
from app.services.calendars import FeedOptions
from app.services.meetings import MeetingFilters, meeting_read

router = APIRouter(tags=["meetings"])

ICALENDAR = "text/calendar; charset=utf-8"
PUBLIC_FEED_CACHE = "public, no-cache"
SIGNED_IN_FEED_CACHE = "private, no-cache"
PERSONAL_FEED_CACHE = "private, no-store"
"""The private address is a secret and lists one person's registrations."""
_ICS_RESPONSE: dict[int | str, dict[str, object]] = {
    200: {"content": {"text/calendar": {"schema": {"type": "string"}}}}
}
CalendarTokenPath = Annotated[str, Path(min_length=20, max_length=100)]


@router.get("/meetings", name="list")
async def list_meetings(
    viewer: OptionalUser,
    session: SessionDep,
    request: Request,
    response: Response,
    space_id: FilterId = None,
    component_id: FilterId = None,
    scope_id: FilterId = None,
    area_id: FilterId = None,
    interest_group_id: FilterId = None,
    type: MeetingType | None = None,
    period: Annotated[
        MeetingPeriod | None,
        Query(description="upcoming, ongoing or past, from the start and end."),
    ] = None,
    starts_from: Annotated[
        Timestamp | None,
        Query(description="Meetings still running at or after this time."),
    ] = None,
    starts_until: Annotated[
        Timestamp | None, Query(description="Meetings starting before this time.")
    ] = None,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[MeetingRead]:
    """Meetings by start time (past ones latest first), filtered."""
    filters = MeetingFilters(
        space_id=space_id,
        component_id=component_id,
        scope_id=scope_id,
        area_id=area_id,
        interest_group_id=interest_group_id,
        type=type,
        period=period,
        starts_from=starts_from,
        starts_until=starts_until,
    )
    found = await meetings.list_meetings(
        session, viewer, filters, after=_after(cursor), limit=limit
    )
    return page_of(
        request,
        response,
        [meeting_read(view) for view in found],
        limit,
        lambda last: [last.starts_at.isoformat(), last.id],
    )


@router.post(
    "/components/{component_id}/meetings",
    name="create",
    status_code=status.HTTP_201_CREATED,
)
async def create_meeting(
    component_id: PathId, body: MeetingCreate, user: CurrentUser, session: SessionDep
) -> MeetingDetail:
    """A new, unpublished meeting; participants organise where the component allows."""
    return await meetings.create_meeting(session, user, component_id, body)


@router.get("/meetings/{meeting_id}", name="get")
async def get_meeting(
    meeting_id: PathId, viewer: OptionalUser, session: SessionDep
) -> MeetingDetail:
    """A meeting with its agenda; the online link only to whom it is meant for."""
    return await meetings.get_meeting(session, viewer, meeting_id)


@router.patch("/meetings/{meeting_id}", name="update")
async def update_meeting(
    meeting_id: PathId, body: MeetingUpdate, user: CurrentUser, session: SessionDep
) -> MeetingDetail:
    """Change a meeting; calendars see the change through its SEQUENCE."""
    return await meetings.update_meeting(session, user, meeting_id, body)


@router.post("/meetings/{meeting_id}/publish", name="publish")
async def publish_meeting(
    meeting_id: PathId, user: CurrentUser, session: SessionDep
) -> MeetingDetail:
    """Make a draft meeting public."""
    return await meetings.publish_meeting(session, user, meeting_id)


@router.post("/meetings/{meeting_id}/cancel", name="cancel")
async def cancel_meeting(
    meeting_id: PathId, body: Reason, user: CurrentUser, session: SessionDep
) -> MeetingDetail:
    """Call a meeting off, saying why; it stays listed as cancelled."""
    return await meetings.cancel_meeting(session, user, meeting_id, body.reason)


@router.post("/meetings/{meeting_id}/withdraw", name="withdraw")
async def withdraw_meeting(
    meeting_id: PathId, body: Reason, user: CurrentUser, session: SessionDep
) -> MeetingDetail:
    """The participant who organises a meeting withdraws it, saying why."""
    return await meetings.withdraw_meeting(session, user, meeting_id, body.reason)


@router.post("/meetings/{meeting_id}/close", name="close")
async def close_meeting(
    meeting_id: PathId, body: MeetingClose, user: CurrentUser, session: SessionDep
) -> MeetingDetail:
    """Record the minutes of a meeting that has started; again to edit them."""
    return await meetings.close_meeting(session, user, meeting_id, body)


@router.put("/meetings/{meeting_id}/agenda", name="set_agenda")
async def set_agenda(
    meeting_id: PathId, body: AgendaWrite, user: CurrentUser, session: SessionDep
) -> MeetingDetail:
    """Replace a meeting's agenda."""
    return await meetings.set_agenda(session, user, meeting_id, body)


@router.post(
    "/meetings/{meeting_id}/registration",
    name="register",
    status_code=status.HTTP_201_CREATED,
)
async def register(
    meeting_id: PathId,
    body: RegistrationCreate,
    user: CurrentUser,
    session: SessionDep,
) -> RegistrationRead:
    """Register; when the meeting is full, join its waiting list if it has one."""
    registration = await meeting_registrations.register(session, user, meeting_id, body)
    return RegistrationRead.model_validate(registration)


@router.get("/meetings/{meeting_id}/registration", name="get_registration")
async def get_registration(
    meeting_id: PathId, user: CurrentUser, session: SessionDep
) -> RegistrationRead:
    """Your registration for a meeting, with its check-in code."""
    registration = await meeting_registrations.own_registration(
        session, user, meeting_id
    )
    return RegistrationRead.model_validate(registration)


@router.delete(
    "/meetings/{meeting_id}/registration",
    name="unregister",
    status_code=status.HTTP_204_NO_CONTENT,
)
async def unregister(
    meeting_id: PathId, user: CurrentUser, session: SessionDep
) -> None:
    """Give up your place; the first on the waiting list takes it."""
    await meeting_registrations.cancel_registration(session, user, meeting_id)


@router.post("/meetings/{meeting_id}/check-ins", name="check_in")
async def check_in(
    meeting_id: PathId, body: CheckIn, user: CurrentUser, session: SessionDep
) -> RegistrationRead:
    """Admit an attendee by their registration code, once."""
    registration = await meeting_registrations.check_in(session, user, meeting_id, body)
    return RegistrationRead.model_validate(registration)


@router.get("/meetings/{meeting_id}/registrations", name="list_registrations")
async def list_registrations(
    meeting_id: PathId,
    user: CurrentUser,
    session: SessionDep,
    request: Request,
    response: Response,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[TeamRegistrationRead]:
    """Every registration of a meeting, in order, for its space's team."""
    after_id = None if cursor is None else decode_cursor(cursor, (int,))[0]
    found = await meeting_registrations.list_registrations(
        session, user, meeting_id, after_id=after_id, limit=limit
    )
    return page_of(request, response, found, limit, lambda last: [last.id])


@router.get("/meetings/{meeting_id}/attendees", name="list_attendees")
async def list_attendees(
    meeting_id: PathId,
    viewer: OptionalUser,
    session: SessionDep,
    request: Request,
    response: Response,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[AttendeeRead]:
    """Confirmed attendees who chose to be listed by name."""
    after_id = None if cursor is None else decode_cursor(cursor, (int,))[0]
    found = await meeting_registrations.list_attendees(
        session, viewer, meeting_id, after_id=after_id, limit=limit
    )
    return page_of(request, response, found, limit, lambda last: [last.registration_id])


@router.get("/meetings/{meeting_id}/council-session", name="get_council_session")
async def get_council_session(
    meeting_id: PathId, viewer: OptionalUser, session: SessionDep, runtime: RuntimeDep
) -> CouncilSessionRead:
    """A council meeting's expected seats, their attendance and its quorum."""
    return await council_sessions.get_council_session(
        session, viewer, meeting_id, runtime.settings.time_zone
    )


@router.put(
    "/meetings/{meeting_id}/council-session/attendance", name="record_attendance"
)
async def record_attendance(
    meeting_id: PathId,
    body: AttendanceWrite,
    user: CurrentUser,
    session: SessionDep,
    runtime: RuntimeDep,
) -> CouncilSessionRead:
    """Record the attendance of the seats sent; the others keep theirs."""
    return await council_sessions.record_attendance(
        session, user, meeting_id, body, runtime.settings.time_zone
    )


@router.post("/meetings/{meeting_id}/minutes/approve", name="approve_minutes")
async def approve_minutes(
    meeting_id: PathId, user: CurrentUser, session: SessionDep
) -> MeetingDetail:
    """Approve a closed meeting's minutes; they can no longer change."""
    return await meetings.approve_minutes(session, user, meeting_id)


@router.get(
    "/meetings/{meeting_id}/calendar.ics",
    name="meeting_calendar",
    response_class=Response,
    responses=_ICS_RESPONSE,
)
async def meeting_calendar(
    meeting_id: PathId, viewer: OptionalUser, session: SessionDep, runtime: RuntimeDep
) -> Response:
    """One published meeting as an iCalendar file."""
    body = await calendars.meeting_feed(
        session, viewer, meeting_id, _feed_options(runtime)
    )
    return _public_feed(body, viewer)


@router.get(
    "/spaces/{space_id}/meetings.ics",
    name="space_calendar",
    response_class=Response,
    responses=_ICS_RESPONSE,
)
async def space_calendar(
    space_id: PathId, viewer: OptionalUser, session: SessionDep, runtime: RuntimeDep
) -> Response:
    """A space's published meetings as an iCalendar feed."""
    body = await calendars.space_feed(session, viewer, space_id, _feed_options(runtime))
    return _public_feed(body, viewer)


@router.get(
    "/meetings.ics",
    name="organisation_calendar",
    response_class=Response,
    responses=_ICS_RESPONSE,
)
async def organisation_calendar(
    viewer: OptionalUser, session: SessionDep, runtime: RuntimeDep
) -> Response:
    """Every published meeting the reader may see, as an iCalendar feed."""
    body = await calendars.organisation_feed(session, viewer, _feed_options(runtime))
    return _public_feed(body, viewer)


@router.get(
    "/calendars/{token}.ics",
    name="personal_calendar",
    response_class=Response,
    responses=_ICS_RESPONSE,
)
async def personal_calendar(
    token: CalendarTokenPath, session: SessionDep, runtime: RuntimeDep
) -> Response:
    """The meetings a user registered for, at their private address."""
    body = await calendars.personal_feed(session, token, _feed_options(runtime))
    return Response(
        body, media_type=ICALENDAR, headers={"Cache-Control": PERSONAL_FEED_CACHE}
    )


@router.post(
    "/me/calendar-token",
    name="issue_calendar_token",
    status_code=status.HTTP_201_CREATED,
)
async def issue_calendar_token(
    user: CurrentUser, session: SessionDep, runtime: RuntimeDep
) -> CalendarTokenRead:
    """A new private address of your registrations' feed; the old one stops."""
    token = await calendars.issue_token(session, user)
    base = runtime.settings.public_url.rstrip("/")
    return CalendarTokenRead(url=f"{base}/api/v1/calendars/{token}.ics")


@router.delete(
    "/me/calendar-token",
    name="revoke_calendar_token",
    status_code=status.HTTP_204_NO_CONTENT,
)
async def revoke_calendar_token(user: CurrentUser, session: SessionDep) -> None:
    """Your feed's private address stops working."""
    await calendars.revoke_token(session, user)


def _feed_options(runtime: RuntimeDep) -> FeedOptions:
    settings = runtime.settings
    return FeedOptions(
        public_url=settings.public_url,
        zone=settings.time_zone,
        locale=settings.default_locale,
    )


def _public_feed(body: bytes, viewer: User | None) -> Response:
    """A feed anyone may fetch: caches revalidate it, so a meeting hidden or
    cancelled drops out at once; one read with credentials may hold more, so it
    stays with that reader."""
    cache = PUBLIC_FEED_CACHE if viewer is None else SIGNED_IN_FEED_CACHE
    return Response(
        body,
        media_type=ICALENDAR,
        headers={"Cache-Control": cache, "Vary": "Authorization"},
    )


def _after(cursor: str | None) -> tuple[datetime, int] | None:
    if cursor is None:
        return None
    starts_at, meeting_id = decode_cursor(cursor, (datetime, int))
    return starts_at, meeting_id
