"""Meetings of a meetings component: registrations, agenda, council attendance."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, IdMixin, JsonDocument, TimestampMixin, Tracked


class MeetingType(StrEnum):
    IN_PERSON = "in_person"
    ONLINE = "online"
    HYBRID = "hybrid"


class LinkVisibility(StrEnum):
    EVERYONE = "everyone"
    SIGNED_IN = "signed_in"
    REGISTERED = "registered"


class RegistrationType(StrEnum):
    DISABLED = "disabled"
    ON_PLATFORM = "on_platform"
    EXTERNAL = "external"


class RegistrationStatus(StrEnum):
    CONFIRMED = "confirmed"
    WAITING = "waiting"


class AttendanceStatus(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    EXCUSED = "excused"


class Meeting(IdMixin, TimestampMixin, Tracked, Base):
    """A meeting, from announcement to minutes.

    ``registrations_count`` and ``waitlist_count`` count the confirmed and the
    waiting registrations; they change only with the meeting row locked.
    """

    __tablename__ = "meetings"
    __change_type__ = "meeting"
    __table_args__ = (
        Index("ix_meetings_component_start", "component_id", "starts_at"),
        Index("ix_meetings_start", "starts_at", "id"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("registrations_count >= 0", name="registrations_count"),
        CheckConstraint("waitlist_count >= 0", name="waitlist_count"),
        CheckConstraint(
            "capacity = 0 OR registrations_count <= capacity", name="capacity_held"
        ),
    )

    component_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("components.id", ondelete="CASCADE")
    )
    title: Mapped[dict[str, str]] = mapped_column(JsonDocument)
    description: Mapped[dict[str, str]] = mapped_column(JsonDocument, default=dict)
    type: Mapped[MeetingType] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(String(300))
    location_hints: Mapped[dict[str, str]] = mapped_column(JsonDocument, default=dict)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    online_url: Mapped[str | None] = mapped_column(String(500))
    link_visibility: Mapped[LinkVisibility] = mapped_column(
        String(16), default=LinkVisibility.EVERYONE
    )
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    scope_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("scopes.id", ondelete="RESTRICT"), index=True
    )
    area_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("areas.id", ondelete="RESTRICT"), index=True
    )
    organiser_user_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    """The participant who organises it; none when the space does."""

    published_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]
    """Hidden by moderation: gone from every list until a moderator decides."""
    cancelled_at: Mapped[datetime | None]
    cancellation_reason: Mapped[str | None] = mapped_column(Text)
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    """The iCalendar SEQUENCE: bumped whenever what a calendar shows changes."""

    registration_type: Mapped[RegistrationType] = mapped_column(
        String(16), default=RegistrationType.DISABLED
    )
    registration_url: Mapped[str | None] = mapped_column(String(500))
    capacity: Mapped[int] = mapped_column(default=0, server_default="0")
    reserved_slots: Mapped[int] = mapped_column(default=0, server_default="0")
    registrations_open_at: Mapped[datetime | None]
    registrations_close_at: Mapped[datetime | None]
    registration_terms: Mapped[dict[str, str]] = mapped_column(
        JsonDocument, default=dict
    )
    waitlist_enabled: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    registrations_count: Mapped[int] = mapped_column(default=0, server_default="0")
    waitlist_count: Mapped[int] = mapped_column(default=0, server_default="0")
    comments_count: Mapped[int] = mapped_column(default=0, server_default="0")

    closed_at: Mapped[datetime | None]
    closing_report: Mapped[dict[str, str]] = mapped_column(JsonDocument, default=dict)
    attendees_count: Mapped[int | None]
    contributions_count: Mapped[int | None]
    attending_organisations: Mapped[str | None] = mapped_column(Text)
    video_url: Mapped[str | None] = mapped_column(String(500))
    audio_url: Mapped[str | None] = mapped_column(String(500))
    minutes_visible: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    minutes_approved_at: Mapped[datetime | None]


class MeetingAgendaItem(IdMixin, TimestampMixin, Base):
    __tablename__ = "meeting_agenda_items"
    __table_args__ = (UniqueConstraint("meeting_id", "position"),)

    meeting_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("meetings.id", ondelete="CASCADE")
    )
    position: Mapped[int]
    title: Mapped[dict[str, str]] = mapped_column(JsonDocument)
    description: Mapped[dict[str, str]] = mapped_column(JsonDocument, default=dict)
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]


class MeetingRegistration(IdMixin, TimestampMixin, Base):
    """A participant's place (or place in the queue); cancelling deletes it."""

    __tablename__ = "meeting_registrations"
    __table_args__ = (
        UniqueConstraint("meeting_id", "user_id"),
        UniqueConstraint("meeting_id", "code"),
        Index("ix_meeting_registrations_user", "user_id"),
    )

    meeting_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("meetings.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE")
    )
    status: Mapped[RegistrationStatus] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(12))
    public_participation: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    terms_accepted_at: Mapped[datetime | None]
    checked_in_at: Mapped[datetime | None]


class MeetingAttendance(IdMixin, TimestampMixin, Base):
    """A council seat's attendance at a meeting in session."""

    __tablename__ = "meeting_attendances"
    __table_args__ = (UniqueConstraint("meeting_id", "seat_id"),)

    meeting_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("meetings.id", ondelete="CASCADE")
    )
    seat_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("council_seats.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[AttendanceStatus] = mapped_column(String(12))


class CalendarToken(TimestampMixin, Base):
    """The secret of a user's private feed of their registrations; one per user."""

    __tablename__ = "calendar_tokens"

    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
