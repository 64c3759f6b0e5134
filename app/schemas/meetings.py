"""Bodies of the meetings endpoints: meetings, registrations, minutes, councils."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, Field, field_validator, model_validator

from app.models.councils import SeatKind, SeatRole
from app.models.meetings import (
    AttendanceStatus,
    LinkVisibility,
    MeetingType,
    RegistrationStatus,
    RegistrationType,
)
from app.schemas.base import Id, ReadModel, RequestModel, Timestamp
from app.schemas.translations import LongText, ShortText, Title

Url = Annotated[
    str,
    Field(
        max_length=500,
        pattern=r"^https?://\S+$",
        description="An http(s) address, at most 500 characters.",
    ),
]
Count = Annotated[int, Field(ge=0, le=1_000_000)]
_NAIVE = "With its UTC offset; a time without one is refused."


class MeetingPeriod(StrEnum):
    """Where a meeting stands now: not started, running, or ended."""

    UPCOMING = "upcoming"
    ONGOING = "ongoing"
    PAST = "past"


class MeetingState(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"
    CLOSED = "closed"


class AgendaItem(RequestModel):
    title: Title
    description: LongText = Field(default_factory=dict)
    starts_at: Timestamp | None = Field(None, description=_NAIVE)
    ends_at: Timestamp | None = Field(None, description=_NAIVE)

    @model_validator(mode="after")
    def _ends_after_start(self) -> Self:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class AgendaWrite(RequestModel):
    items: list[AgendaItem] = Field(
        max_length=100, description="The whole agenda, in order; it replaces the old."
    )


class _MeetingFields(RequestModel):
    description: LongText | None = Field(
        None, description="Rich text per locale, sanitised to a small allowlist."
    )
    address: str | None = Field(
        None, min_length=1, max_length=300, description="At most 300 characters."
    )
    location_hints: ShortText | None = Field(
        None, description="How to find the room: floor, entrance, landmarks."
    )
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    online_url: Url | None = Field(None, description="The video call's address.")
    link_visibility: LinkVisibility | None = Field(
        None,
        description=(
            "Who sees online_url (from online_link_minutes_before the start): "
            "everyone, signed-in users, or registered participants."
        ),
    )
    scope_id: Id | None = Field(None, description="Its territory; else the space's.")
    area_id: Id | None = Field(None, description="Its theme; else the space's.")
    registration_type: RegistrationType | None = None
    registration_url: Url | None = Field(
        None, description="Where to register when registration_type is external."
    )
    capacity: Count | None = Field(None, description="Places; 0 for unlimited.")
    reserved_slots: Count | None = Field(
        None, description="Places kept out of online registration (guests, staff)."
    )
    registrations_open_at: Timestamp | None = Field(
        None, description="Registrations open then (none: at once). " + _NAIVE
    )
    registrations_close_at: Timestamp | None = Field(
        None, description="Registrations close then (none: at the start). " + _NAIVE
    )
    registration_terms: ShortText | None = Field(
        None,
        description="Terms to accept; empty: the component's registration_terms.",
    )
    waitlist_enabled: bool | None = Field(
        None, description="When full, queue registrations instead of refusing them."
    )


class MeetingCreate(_MeetingFields):
    title: Title
    type: MeetingType
    starts_at: Timestamp = Field(description=_NAIVE)
    ends_at: Timestamp = Field(description="After starts_at. " + _NAIVE)


class MeetingUpdate(_MeetingFields):
    title: Title | None = None
    type: MeetingType | None = None
    starts_at: Timestamp | None = Field(None, description=_NAIVE)
    ends_at: Timestamp | None = Field(None, description=_NAIVE)

    @field_validator(
        "title",
        "type",
        "starts_at",
        "ends_at",
        "description",
        "link_visibility",
        "registration_type",
        "capacity",
        "reserved_slots",
        "location_hints",
        "registration_terms",
        "waitlist_enabled",
    )
    @classmethod
    def _not_null(cls, value: object) -> object:
        # Validators of defaults do not run, so only an explicit null lands here.
        if value is None:
            raise ValueError("may be left out, not set to null")
        return value


class Reason(RequestModel):
    reason: str = Field(
        min_length=1, max_length=2_000, description="At most 2,000 characters."
    )


class MeetingClose(RequestModel):
    closing_report: LongText = Field(
        description="The minutes: what was discussed and decided, per locale."
    )
    attendees_count: Count
    contributions_count: Count = 0
    attending_organisations: str | None = Field(
        None, max_length=5_000, description="At most 5,000 characters."
    )
    video_url: Url | None = None
    audio_url: Url | None = None
    minutes_visible: bool = Field(
        True, description="Everyone may read the minutes; else only the team."
    )


class RegistrationCreate(RequestModel):
    accept_terms: bool = Field(
        False, description="Must be true when the meeting has registration terms."
    )
    public_participation: bool = Field(
        False, description="List me by name among the meeting's attendees."
    )


class CheckIn(RequestModel):
    code: str = Field(
        min_length=1, max_length=12, description="The attendee's registration code."
    )


class SeatAttendance(RequestModel):
    seat_id: Id
    status: AttendanceStatus


class AttendanceWrite(RequestModel):
    seats: list[SeatAttendance] = Field(
        max_length=500, description="Attendance of expected seats, each at most once."
    )


class AgendaItemRead(ReadModel):
    position: int
    title: dict[str, str]
    description: dict[str, str]
    starts_at: datetime | None
    ends_at: datetime | None


class MinutesRead(BaseModel):
    closed_at: datetime
    closing_report: dict[str, str]
    attendees_count: int | None
    contributions_count: int | None
    attending_organisations: str | None
    video_url: str | None
    audio_url: str | None
    visible: bool
    approved_at: datetime | None


class MeetingRead(BaseModel):
    id: int
    component_id: int
    space_id: int
    title: dict[str, str]
    description: dict[str, str]
    type: MeetingType
    state: MeetingState
    address: str | None
    location_hints: dict[str, str]
    latitude: float | None
    longitude: float | None
    online_url: str | None = Field(
        description="Shown to whom link_visibility allows, once online_url_from."
    )
    link_visibility: LinkVisibility
    online_url_from: datetime | None = Field(
        description="When the online link is shown (for online and hybrid meetings)."
    )
    starts_at: datetime
    ends_at: datetime
    scope_id: int | None
    area_id: int | None
    organiser_user_id: int | None = Field(
        description="The participant who organises it; null when the space does."
    )
    published_at: datetime | None
    withdrawn_at: datetime | None
    cancelled_at: datetime | None
    cancellation_reason: str | None
    registration_type: RegistrationType
    registration_url: str | None
    capacity: int
    reserved_slots: int
    registrations_open_at: datetime | None
    registrations_close_at: datetime = Field(
        description="When registrations close: the stored time, else the start."
    )
    registration_terms: dict[str, str]
    waitlist_enabled: bool
    registrations_count: int
    waitlist_count: int
    comments_count: int
    remaining_places: int | None = Field(
        description="Places left for online registration; null when unlimited."
    )
    minutes: MinutesRead | None = Field(
        description="Once closed, if the minutes are visible to the reader."
    )
    sequence: int
    created_at: datetime
    updated_at: datetime


class MeetingDetail(MeetingRead):
    agenda: list[AgendaItemRead]


class RegistrationRead(ReadModel):
    id: int
    meeting_id: int
    user_id: int
    status: RegistrationStatus
    code: str = Field(description="Shown at the door to check in.")
    public_participation: bool
    checked_in_at: datetime | None
    created_at: datetime


class TeamRegistrationRead(RegistrationRead):
    """A registration as the space's team sees it at the door."""

    name: str = Field(description="The participant's public name.")


class AttendeeRead(BaseModel):
    registration_id: int
    user_id: int
    name: str


class SeatInSession(BaseModel):
    seat_id: int
    sector: str
    role: SeatRole
    kind: SeatKind
    titular_seat_id: int | None
    holder: str | None
    organisation: str | None
    status: AttendanceStatus | None = Field(
        description="Recorded attendance; null while not recorded."
    )


class CouncilSessionRead(BaseModel):
    meeting_id: int
    space_id: int
    date: str = Field(description="The meeting's date in the organisation's zone.")
    seats: list[SeatInSession] = Field(
        description="The seats expected: active on the meeting's date."
    )
    titular_seats_expected: int
    titular_seats_present: int = Field(
        description="Titular seats present in person or through their alternate."
    )
    quorum_required: int
    quorum_reached: bool
    minutes_approved_at: datetime | None


class CalendarTokenRead(BaseModel):
    url: str = Field(
        description="The private feed of your registrations; keep it secret."
    )
