"""Meetings: announcement, agenda, cancellation, minutes, and who sees what."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, delete, exists, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from app.models.base import utcnow
from app.models.components import Component, ComponentType
from app.models.meetings import (
    LinkVisibility,
    Meeting,
    MeetingAgendaItem,
    MeetingRegistration,
    MeetingType,
    RegistrationStatus,
    RegistrationType,
)
from app.models.spaces import Space, SpaceInterestGroup
from app.models.taxonomies import Area, Scope
from app.models.users import User
from app.schemas.components import MeetingsSettings, stored_settings
from app.schemas.meetings import (
    AgendaItemRead,
    AgendaWrite,
    MeetingClose,
    MeetingCreate,
    MeetingDetail,
    MeetingPeriod,
    MeetingRead,
    MeetingState,
    MeetingUpdate,
    MinutesRead,
)
from app.services import action_log, outbox, search
from app.services.components import effective_switches, ensure_type
from app.services.permissions import Action, allowed, roles_in_space
from app.services.resources import ResourceKind, register
from app.services.richtext import sanitize_translations
from app.services.taxonomies import scope_filter
from app.services.visibility import (
    participable_spaces,
    previewable_spaces,
    readable_components,
)

CALENDAR_FIELDS = frozenset(
    {
        "title",
        "description",
        "type",
        "address",
        "location_hints",
        "latitude",
        "longitude",
        "online_url",
        "starts_at",
        "ends_at",
    }
)
"""Fields a calendar shows: changing one bumps the meeting's SEQUENCE."""

_NEW_MEETING: dict[str, Any] = {
    "description": {},
    "location_hints": {},
    "link_visibility": LinkVisibility.EVERYONE,
    "registration_type": RegistrationType.DISABLED,
    "capacity": 0,
    "reserved_slots": 0,
    "registration_terms": {},
    "waitlist_enabled": False,
    "registrations_count": 0,
    "waitlist_count": 0,
    "sequence": 0,
}


def readable_meetings(viewer: User | None) -> ColumnElement[bool]:
    """Meetings ``viewer`` may read; the query must join their Component and Space.

    A draft is its space team's and its organiser's until published.
    """
    own_draft: ColumnElement[bool] = false()
    if viewer is not None:
        own_draft = Meeting.organiser_user_id == viewer.id
    return and_(
        readable_components(viewer),
        or_(Meeting.published_at.is_not(None), previewable_spaces(viewer), own_draft),
        Meeting.hidden_at.is_(None),
    )


AnySelect = TypeVar("AnySelect", bound=Select[*tuple[Any, ...]])


def joined(query: AnySelect) -> AnySelect:
    """The query joined to each meeting's component and space."""
    return query.join(Component, Component.id == Meeting.component_id).join(
        Space, Space.id == Component.space_id
    )


def _restrict(query: Select[Any], viewer: User | None, _now: datetime) -> Select[Any]:
    return joined(query).where(readable_meetings(viewer))


def accepts_comments(meeting: Meeting, _now: datetime) -> bool:
    """Published meetings take comments until withdrawn; a cancelled one too,
    since people ask about what replaces it."""
    return meeting.published_at is not None and meeting.withdrawn_at is None


register(
    ResourceKind(
        "meeting",
        Meeting,
        _restrict,
        component_column=Meeting.component_id,
        commentable=True,
        comments_count=Meeting.comments_count,
        accepts_comments=accepts_comments,
    )
)


@dataclass(frozen=True, slots=True)
class MeetingFilters:
    space_id: int | None = None
    component_id: int | None = None
    scope_id: int | None = None
    area_id: int | None = None
    interest_group_id: int | None = None
    type: MeetingType | None = None
    period: MeetingPeriod | None = None
    starts_from: datetime | None = None
    starts_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class MeetingView:
    """A meeting as one reader sees it: whether they are on its team or registered."""

    meeting: Meeting
    component: Component
    team: bool
    registered: bool
    signed_in: bool

    @property
    def settings(self) -> MeetingsSettings:
        settings = stored_settings(self.component)
        assert isinstance(settings, MeetingsSettings)
        return settings


def organiser_view(meeting: Meeting, component: Component) -> MeetingView:
    """The meeting as those who manage it see it: link and minutes included."""
    return MeetingView(meeting, component, True, False, True)


def state_of(meeting: Meeting) -> MeetingState:
    if meeting.cancelled_at is not None:
        return MeetingState.CANCELLED
    if meeting.withdrawn_at is not None:
        return MeetingState.WITHDRAWN
    if meeting.closed_at is not None:
        return MeetingState.CLOSED
    if meeting.published_at is not None:
        return MeetingState.PUBLISHED
    return MeetingState.DRAFT


def remaining_places(meeting: Meeting) -> int | None:
    """Places left for online registration; None when there is no limit."""
    if meeting.capacity == 0:
        return None
    usable = meeting.capacity - meeting.reserved_slots
    return max(usable - meeting.registrations_count, 0)


def closes_at(meeting: Meeting) -> datetime:
    return meeting.registrations_close_at or meeting.starts_at


def period_condition(period: MeetingPeriod, now: datetime) -> ColumnElement[bool]:
    """Decided by start and end: a meeting that runs for weeks is ongoing."""
    if period is MeetingPeriod.UPCOMING:
        return Meeting.starts_at > now
    if period is MeetingPeriod.PAST:
        return Meeting.ends_at <= now
    return and_(Meeting.starts_at <= now, Meeting.ends_at > now)


def filter_conditions(filters: MeetingFilters, now: datetime) -> list[Any]:
    conditions: list[Any] = []
    if filters.space_id is not None:
        conditions.append(Component.space_id == filters.space_id)
    if filters.component_id is not None:
        conditions.append(Meeting.component_id == filters.component_id)
    if filters.scope_id is not None:
        conditions.append(
            or_(
                scope_filter(Meeting.scope_id, filters.scope_id),
                and_(
                    Meeting.scope_id.is_(None),
                    scope_filter(Space.scope_id, filters.scope_id),
                ),
            )
        )
    if filters.area_id is not None:
        conditions.append(
            or_(
                Meeting.area_id == filters.area_id,
                and_(Meeting.area_id.is_(None), Space.area_id == filters.area_id),
            )
        )
    if filters.interest_group_id is not None:
        conditions.append(
            exists().where(
                SpaceInterestGroup.space_id == Space.id,
                SpaceInterestGroup.interest_group_id == filters.interest_group_id,
            )
        )
    if filters.type is not None:
        conditions.append(Meeting.type == filters.type)
    if filters.period is not None:
        conditions.append(period_condition(filters.period, now))
    if filters.starts_from is not None:
        conditions.append(Meeting.ends_at > filters.starts_from)
    if filters.starts_until is not None:
        conditions.append(Meeting.starts_at < filters.starts_until)
    return conditions


async def list_meetings(
    session: AsyncSession,
    viewer: User | None,
    filters: MeetingFilters,
    *,
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[MeetingView]:
    """Meetings by start (past ones latest first), ``limit + 1`` to tell if more.

    ``after`` is the (starts_at, id) of the last meeting of the previous page.
    """
    now = utcnow()
    descending = filters.period is MeetingPeriod.PAST
    query = (
        joined(select(Meeting, Component, previewable_spaces(viewer)))
        .where(readable_meetings(viewer), *filter_conditions(filters, now))
        .limit(limit + 1)
    )
    if descending:
        query = query.order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    else:
        query = query.order_by(Meeting.starts_at, Meeting.id)
    if after is not None:
        starts_at, last_id = after
        if descending:
            query = query.where(
                (Meeting.starts_at < starts_at)
                | ((Meeting.starts_at == starts_at) & (Meeting.id < last_id))
            )
        else:
            query = query.where(
                (Meeting.starts_at > starts_at)
                | ((Meeting.starts_at == starts_at) & (Meeting.id > last_id))
            )
    rows = list((await session.execute(query)).all())
    registered = await _registered_ids(session, viewer, [row[0].id for row in rows])
    return [
        MeetingView(
            meeting, component, bool(team), meeting.id in registered, viewer is not None
        )
        for meeting, component, team in rows
    ]


async def get_meeting_view(
    session: AsyncSession, viewer: User | None, meeting_id: int
) -> MeetingView:
    """The meeting, if ``viewer`` may read it; otherwise 404."""
    row = (
        await session.execute(
            joined(select(Meeting, Component, previewable_spaces(viewer))).where(
                Meeting.id == meeting_id, readable_meetings(viewer)
            )
        )
    ).first()
    if row is None:
        raise NotFoundError(f"There is no meeting {meeting_id}.")
    meeting, component, team = row
    registered = await _registered_ids(session, viewer, [meeting.id])
    return MeetingView(
        meeting, component, bool(team), meeting.id in registered, viewer is not None
    )


async def get_meeting(
    session: AsyncSession, viewer: User | None, meeting_id: int
) -> MeetingDetail:
    view = await get_meeting_view(session, viewer, meeting_id)
    return await detail(session, view)


async def detail(session: AsyncSession, view: MeetingView) -> MeetingDetail:
    agenda = await session.scalars(
        select(MeetingAgendaItem)
        .where(MeetingAgendaItem.meeting_id == view.meeting.id)
        .order_by(MeetingAgendaItem.position)
    )
    return MeetingDetail(
        **meeting_read(view).model_dump(),
        agenda=[AgendaItemRead.model_validate(item) for item in agenda],
    )


async def _registered_ids(
    session: AsyncSession, viewer: User | None, meeting_ids: list[int]
) -> set[int]:
    if viewer is None or not meeting_ids:
        return set()
    found = await session.scalars(
        select(MeetingRegistration.meeting_id).where(
            MeetingRegistration.user_id == viewer.id,
            MeetingRegistration.meeting_id.in_(meeting_ids),
            MeetingRegistration.status == RegistrationStatus.CONFIRMED,
        )
    )
    return set(found)


def meeting_read(view: MeetingView, now: datetime | None = None) -> MeetingRead:
    meeting = view.meeting
    now = now or utcnow()
    link_from = None
    if meeting.type != MeetingType.IN_PERSON:
        link_from = meeting.starts_at - timedelta(
            minutes=view.settings.online_link_minutes_before
        )
    return MeetingRead(
        id=meeting.id,
        component_id=meeting.component_id,
        space_id=view.component.space_id,
        title=meeting.title,
        description=meeting.description,
        type=meeting.type,
        state=state_of(meeting),
        address=meeting.address,
        location_hints=meeting.location_hints,
        latitude=meeting.latitude,
        longitude=meeting.longitude,
        online_url=meeting.online_url if _shows_link(view, link_from, now) else None,
        link_visibility=meeting.link_visibility,
        online_url_from=link_from,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        scope_id=meeting.scope_id,
        area_id=meeting.area_id,
        organiser_user_id=meeting.organiser_user_id,
        published_at=meeting.published_at,
        withdrawn_at=meeting.withdrawn_at,
        cancelled_at=meeting.cancelled_at,
        cancellation_reason=meeting.cancellation_reason,
        registration_type=meeting.registration_type,
        registration_url=meeting.registration_url,
        capacity=meeting.capacity,
        reserved_slots=meeting.reserved_slots,
        registrations_open_at=meeting.registrations_open_at,
        registrations_close_at=closes_at(meeting),
        registration_terms=terms_of(view),
        waitlist_enabled=meeting.waitlist_enabled,
        registrations_count=meeting.registrations_count,
        waitlist_count=meeting.waitlist_count,
        comments_count=meeting.comments_count,
        remaining_places=remaining_places(meeting),
        minutes=_minutes(view),
        sequence=meeting.sequence,
        created_at=meeting.created_at,
        updated_at=meeting.updated_at,
    )


def terms_of(view: MeetingView) -> dict[str, str]:
    """The meeting's own terms, else its component's."""
    return view.meeting.registration_terms or view.settings.registration_terms


def _shows_link(view: MeetingView, link_from: datetime | None, now: datetime) -> bool:
    meeting = view.meeting
    if link_from is None or meeting.online_url is None:
        return False
    if view.team:
        return True
    if now < link_from or meeting.cancelled_at or meeting.withdrawn_at:
        return False
    if meeting.link_visibility == LinkVisibility.REGISTERED:
        return view.registered
    if meeting.link_visibility == LinkVisibility.SIGNED_IN:
        return view.signed_in
    return True


def _minutes(view: MeetingView) -> MinutesRead | None:
    meeting = view.meeting
    if meeting.closed_at is None or not (meeting.minutes_visible or view.team):
        return None
    return MinutesRead(
        closed_at=meeting.closed_at,
        closing_report=meeting.closing_report,
        attendees_count=meeting.attendees_count,
        contributions_count=meeting.contributions_count,
        attending_organisations=meeting.attending_organisations,
        video_url=meeting.video_url,
        audio_url=meeting.audio_url,
        visible=meeting.minutes_visible,
        approved_at=meeting.minutes_approved_at,
    )


async def promote_waiting(
    session: AsyncSession, meeting: Meeting, component: Component
) -> list[MeetingRegistration]:
    """Give free places to the queue, first come first served.

    The caller holds the meeting's row lock, so counters and queue agree.
    """
    free = remaining_places(meeting)
    if meeting.waitlist_count == 0 or free == 0 or meeting.starts_at <= utcnow():
        return []
    query = (
        select(MeetingRegistration)
        .where(
            MeetingRegistration.meeting_id == meeting.id,
            MeetingRegistration.status == RegistrationStatus.WAITING,
        )
        .order_by(MeetingRegistration.id)
    )
    if free is not None:
        query = query.limit(free)
    promoted = list((await session.scalars(query)).all())
    for registration in promoted:
        registration.status = RegistrationStatus.CONFIRMED
        outbox.emit(
            session,
            "registration.promoted",
            registration_payload(meeting, component, registration),
        )
    meeting.registrations_count += len(promoted)
    meeting.waitlist_count -= len(promoted)
    await session.flush()
    return promoted


def registration_payload(
    meeting: Meeting, component: Component, registration: MeetingRegistration
) -> dict[str, Any]:
    return event_payload(meeting, component) | {
        "registration_id": registration.id,
        "user_id": registration.user_id,
    }


# Writing


async def create_meeting(
    session: AsyncSession, actor: User, component_id: int, data: MeetingCreate
) -> MeetingDetail:
    """A new, unpublished meeting, organised by the space or by ``actor``.

    The space's admins organise in the space's name; a participant may
    organise one where the component lets participants create meetings.
    """
    component = await session.get(Component, component_id)
    if component is None:
        raise NotFoundError(f"There is no component {component_id}.")
    ensure_type(component, ComponentType.MEETINGS)
    team = await _may_manage(session, actor, component)
    if not team:
        await _ensure_participant_may_create(session, actor, component)

    meeting = Meeting(
        component_id=component.id,
        organiser_user_id=None if team else actor.id,
        **(_NEW_MEETING | _stored_fields(data.model_dump(exclude_none=True))),
    )
    _ensure_consistent(meeting)
    await _ensure_references(session, meeting)
    session.add(meeting)
    await session.flush()

    _log(
        session,
        actor,
        "meeting.created",
        meeting,
        component,
        _created(meeting),
        public=False,
    )
    view = organiser_view(meeting, component)
    return await detail(session, view)


async def update_meeting(
    session: AsyncSession, actor: User, meeting_id: int, data: MeetingUpdate
) -> MeetingDetail:
    """Change a meeting; a change a calendar shows bumps its SEQUENCE."""
    meeting, component = await meeting_for(session, actor, meeting_id, lock=True)
    _ensure_open(meeting)
    fields = _stored_fields(data.model_dump(exclude_unset=True))

    changes = {}
    for field, value in fields.items():
        old = getattr(meeting, field)
        if old != value:
            changes[field] = [_plain(old), _plain(value)]
            setattr(meeting, field, value)
    _ensure_consistent(meeting)
    await _ensure_references(session, meeting)
    if changes.keys() & CALENDAR_FIELDS:
        meeting.sequence += 1
    await session.flush()

    if changes:
        # A place freed by a larger capacity goes to the queue, in order.
        await promote_waiting(session, meeting, component)
        _log(
            session, actor, "meeting.updated", meeting, component, changes, public=False
        )
    return await detail(session, organiser_view(meeting, component))


async def publish_meeting(
    session: AsyncSession, actor: User, meeting_id: int
) -> MeetingDetail:
    """Make a draft meeting public and announce it."""
    meeting, component = await meeting_for(session, actor, meeting_id)
    if meeting.published_at is not None:
        raise ConflictError(f"Meeting {meeting.id} is already published.")
    _ensure_open(meeting)

    meeting.published_at = utcnow()
    await session.flush()

    _log(session, actor, "meeting.published", meeting, component, {})
    outbox.emit(
        session,
        "meeting.published",
        event_payload(meeting, component) | {"actor_id": actor.id},
    )
    return await detail(session, organiser_view(meeting, component))


async def cancel_meeting(
    session: AsyncSession, actor: User, meeting_id: int, reason: str
) -> MeetingDetail:
    """Call a meeting off; it stays listed, marked cancelled, with the reason."""
    meeting, component = await meeting_for(session, actor, meeting_id)
    _ensure_open(meeting)
    if meeting.ends_at <= utcnow():
        raise ConflictError(f"Meeting {meeting.id} has already ended.")

    meeting.cancelled_at = utcnow()
    meeting.cancellation_reason = reason
    meeting.sequence += 1
    await session.flush()

    changes = {"reason": reason}
    _log(session, actor, "meeting.cancelled", meeting, component, changes)
    outbox.emit(
        session,
        "meeting.cancelled",
        event_payload(meeting, component) | {"reason": reason, "actor_id": actor.id},
    )
    return await detail(session, organiser_view(meeting, component))


async def withdraw_meeting(
    session: AsyncSession, actor: User, meeting_id: int, reason: str
) -> MeetingDetail:
    """The participant who organises a meeting takes it back, saying why."""
    meeting, component = await meeting_for(session, actor, meeting_id)
    if meeting.organiser_user_id != actor.id:
        raise PermissionDeniedError("Only the meeting's organiser may withdraw it.")
    _ensure_open(meeting)
    if meeting.starts_at <= utcnow():
        raise ConflictError(f"Meeting {meeting.id} has already started.")

    meeting.withdrawn_at = utcnow()
    meeting.cancellation_reason = reason
    meeting.sequence += 1
    await session.flush()

    _log(session, actor, "meeting.withdrawn", meeting, component, {"reason": reason})
    return await detail(session, organiser_view(meeting, component))


async def close_meeting(
    session: AsyncSession, actor: User, meeting_id: int, data: MeetingClose
) -> MeetingDetail:
    """Record a meeting's minutes once it has started; closing again edits them."""
    meeting, component = await meeting_for(session, actor, meeting_id)
    if meeting.cancelled_at or meeting.withdrawn_at:
        raise ConflictError(f"Meeting {meeting.id} was called off.")
    if meeting.published_at is None:
        raise ConflictError(f"Meeting {meeting.id} was never published.")
    if meeting.starts_at > utcnow():
        raise ConflictError(f"Meeting {meeting.id} has not started yet.")
    if meeting.minutes_approved_at is not None:
        raise ConflictError(f"The minutes of meeting {meeting.id} are approved.")
    first_close = meeting.closed_at is None

    minutes = data.model_dump()
    minutes["closing_report"] = sanitize_translations(data.closing_report)
    for field, value in minutes.items():
        setattr(meeting, field, value)
    if first_close:
        meeting.closed_at = utcnow()
    await session.flush()

    changes = {"attendees_count": data.attendees_count}
    _log(session, actor, "meeting.closed", meeting, component, changes)
    if first_close:
        outbox.emit(
            session,
            "meeting.closed",
            event_payload(meeting, component)
            | {"attendees_count": data.attendees_count, "actor_id": actor.id},
        )
    return await detail(session, organiser_view(meeting, component))


async def approve_minutes(
    session: AsyncSession, actor: User, meeting_id: int
) -> MeetingDetail:
    """The space's admins approve a closed meeting's minutes; they freeze.

    The lock orders this against attendance being recorded at the same time.
    """
    meeting, component = await meeting_for(
        session, actor, meeting_id, lock=True, team_only=True
    )
    if meeting.closed_at is None:
        raise ConflictError(f"Meeting {meeting.id} is not closed.")
    if meeting.minutes_approved_at is not None:
        raise ConflictError(f"The minutes of meeting {meeting.id} are approved.")

    meeting.minutes_approved_at = utcnow()
    await session.flush()

    _log(session, actor, "meeting.minutes_approved", meeting, component, {})
    return await detail(session, organiser_view(meeting, component))


async def set_agenda(
    session: AsyncSession, actor: User, meeting_id: int, data: AgendaWrite
) -> MeetingDetail:
    """Replace the agenda; each item's times fall within the meeting."""
    meeting, component = await meeting_for(session, actor, meeting_id)
    _ensure_open(meeting)
    for index, item in enumerate(data.items):
        for moment in (item.starts_at, item.ends_at):
            if moment and not meeting.starts_at <= moment <= meeting.ends_at:
                raise _invalid(f"items.{index}", "times must fall within the meeting's")

    await session.execute(
        delete(MeetingAgendaItem).where(MeetingAgendaItem.meeting_id == meeting.id)
    )
    session.add_all(
        MeetingAgendaItem(
            meeting_id=meeting.id,
            position=position,
            title=item.title,
            description=sanitize_translations(item.description),
            starts_at=item.starts_at and _utc(item.starts_at),
            ends_at=item.ends_at and _utc(item.ends_at),
        )
        for position, item in enumerate(data.items)
    )
    await session.flush()

    changes = {"items": len(data.items)}
    _log(
        session, actor, "meeting.agenda_set", meeting, component, changes, public=False
    )
    return await detail(session, organiser_view(meeting, component))


async def meeting_for(
    session: AsyncSession,
    actor: User,
    meeting_id: int,
    *,
    lock: bool = False,
    team_only: bool = False,
) -> tuple[Meeting, Component]:
    """The meeting, once ``actor`` may manage it: its space's team or its organiser.

    With ``lock`` the meeting row is held until the transaction ends.
    """
    query = select(Meeting).where(Meeting.id == meeting_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    meeting = await session.scalar(query)
    if meeting is None:
        raise NotFoundError(f"There is no meeting {meeting_id}.")
    component = await session.get_one(Component, meeting.component_id)
    if await _may_manage(session, actor, component):
        return meeting, component
    if not team_only and meeting.organiser_user_id == actor.id:
        return meeting, component
    raise PermissionDeniedError("You are not allowed to do this.")


async def _may_manage(session: AsyncSession, actor: User, component: Component) -> bool:
    roles = await roles_in_space(session, actor, component.space_id)
    return allowed(actor, Action.MANAGE_SPACE, roles)


async def _ensure_participant_may_create(
    session: AsyncSession, actor: User, component: Component
) -> None:
    settings = stored_settings(component)
    assert isinstance(settings, MeetingsSettings)
    open_to_actor = await session.scalar(
        select(Space.id)
        .join(Component, Component.space_id == Space.id)
        .where(
            Component.id == component.id,
            participable_spaces(actor),
            readable_components(actor),
        )
    )
    if open_to_actor is None:
        raise NotFoundError(f"There is no component {component.id}.")
    switches = await effective_switches(session, component)
    if not settings.participants_can_create:
        raise PermissionDeniedError(
            "Participants may not create meetings here: the component's "
            "participants_can_create setting is off."
        )
    if not switches.creation_enabled:
        raise PermissionDeniedError(
            "Participants may not create meetings now: the component's "
            "creation_enabled switch is off (participants_can_create needs it on "
            "too, by default or in the active phase)."
        )


def _stored_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Fields as stored: sanitised text, times in UTC to the second.

    Calendars carry whole seconds; the JSON must show the same instants.
    """
    for field, value in fields.items():
        if isinstance(value, datetime):
            fields[field] = _utc(value)
    if "description" in fields:
        fields["description"] = sanitize_translations(fields["description"])
    return fields


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


def _ensure_open(meeting: Meeting) -> None:
    if meeting.cancelled_at is not None or meeting.withdrawn_at is not None:
        raise ConflictError(f"Meeting {meeting.id} was called off.")


def _ensure_consistent(meeting: Meeting) -> None:
    """Refuse with 422 a meeting that could not take place as described."""
    if meeting.ends_at <= meeting.starts_at:
        raise _invalid("ends_at", "must be after starts_at")
    if meeting.type != MeetingType.ONLINE and not meeting.address:
        raise _invalid("address", "an in-person or hybrid meeting needs one")
    if meeting.type != MeetingType.IN_PERSON and not meeting.online_url:
        raise _invalid("online_url", "an online or hybrid meeting needs one")
    if (meeting.latitude is None) != (meeting.longitude is None):
        raise _invalid("longitude", "give both coordinates or neither")
    external = meeting.registration_type == RegistrationType.EXTERNAL
    if external and not meeting.registration_url:
        raise _invalid("registration_url", "external registration needs one")
    if meeting.capacity and meeting.reserved_slots >= meeting.capacity:
        raise _invalid("reserved_slots", "must leave places below capacity")
    if not meeting.capacity and meeting.reserved_slots:
        raise _invalid("reserved_slots", "needs a capacity")
    opens, closes = meeting.registrations_open_at, closes_at(meeting)
    if closes > meeting.starts_at:
        raise _invalid("registrations_close_at", "must be at the start or before")
    if opens is not None and opens >= closes:
        raise _invalid("registrations_open_at", "must be before registrations close")
    usable = meeting.capacity - meeting.reserved_slots
    if meeting.capacity and meeting.registrations_count > usable:
        raise ConflictError(
            f"{meeting.registrations_count} participants are registered; "
            "the places cannot go below that."
        )


async def _ensure_references(session: AsyncSession, meeting: Meeting) -> None:
    if meeting.scope_id and await session.get(Scope, meeting.scope_id) is None:
        raise _invalid("scope_id", f"there is no scope {meeting.scope_id}")
    if meeting.area_id and await session.get(Area, meeting.area_id) is None:
        raise _invalid("area_id", f"there is no area {meeting.area_id}")


def _invalid(field: str, message: str) -> InvalidInputError:
    return InvalidInputError(
        f"{field}: {message}.",
        errors=[{"field": field, "location": "body", "message": message}],
    )


def _created(meeting: Meeting) -> dict[str, Any]:
    return {
        field: [None, _plain(getattr(meeting, field))]
        for field in ("title", "type", "starts_at", "ends_at")
    }


def event_payload(meeting: Meeting, component: Component) -> dict[str, Any]:
    return {
        "meeting_id": meeting.id,
        "component_id": component.id,
        "space_id": component.space_id,
        "starts_at": meeting.starts_at.isoformat(),
        "ends_at": meeting.ends_at.isoformat(),
    }


def _log(
    session: AsyncSession,
    actor: User,
    action: str,
    meeting: Meeting,
    component: Component,
    changes: dict[str, Any],
    *,
    public: bool | None = None,
) -> None:
    """Record ``action``; by default public once the meeting is."""
    action_log.record(
        session,
        actor,
        action,
        object_type="meeting",
        object_id=meeting.id,
        space_id=component.space_id,
        changes=changes,
        public=meeting.published_at is not None if public is None else public,
    )


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


search.register(
    search.Searchable(
        "meeting",
        Meeting,
        search.in_component(
            Meeting,
            title=Meeting.title,
            body=Meeting.description,
            occurred_at=Meeting.starts_at,
            scope_id=Meeting.scope_id,
            area_id=Meeting.area_id,
        ),
        watched=frozenset({"title", "description", "starts_at", "scope_id", "area_id"}),
        listed=lambda: Meeting.withdrawn_at.is_(None),
    )
)
