"""Notifications: what a person is told, what they want to be told, what was sent."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, IdMixin, JsonDocument, TimestampMixin


class Notification(IdMixin, TimestampMixin, Base):
    """One event told to one person; unique per (event, recipient), so that an
    event delivered twice by the outbox never notifies anyone twice."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id"),
        Index("ix_notifications_inbox", "user_id", "id"),
        Index("ix_notifications_user_created", "user_id", "created_at"),
        Index(
            "ix_notifications_unread",
            "user_id",
            postgresql_where=text("read_at IS NULL"),
            sqlite_where=text("read_at IS NULL"),
        ),
    )
    """The inbox pages by id; digests read a period; the unread count reads
    only the unread rows."""

    event_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE")
    )
    event_type: Mapped[str] = mapped_column(String(80))
    resource_type: Mapped[str | None] = mapped_column(String(40))
    resource_id: Mapped[int | None] = mapped_column(BigInteger)
    space_id: Mapped[int | None] = mapped_column(BigInteger)
    title: Mapped[dict[str, str]] = mapped_column(JsonDocument)
    body: Mapped[dict[str, str]] = mapped_column(JsonDocument, default=dict)
    url: Mapped[str | None] = mapped_column(String(500))
    in_inbox: Mapped[bool] = mapped_column(default=True)
    """False when the person asked for no in-app notice of this type: the row
    still feeds their e-mail digest and names the push sent for it."""
    read_at: Mapped[datetime | None]


class NotificationPreference(IdMixin, TimestampMixin, Base):
    """How one person wants to hear of one event type; absent means the default."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "event_type"),)

    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE")
    )
    event_type: Mapped[str] = mapped_column(String(80))
    in_app: Mapped[bool]
    email: Mapped[bool]
    push: Mapped[bool]


class DigestFrequency(StrEnum):
    OFF = "off"
    DAILY = "daily"
    WEEKLY = "weekly"


class NotificationSettings(TimestampMixin, Base):
    """A person's settings across event types: how often a digest is mailed."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    email_digest: Mapped[DigestFrequency] = mapped_column(
        String(16), default=DigestFrequency.OFF
    )


class ScheduledSend(IdMixin, TimestampMixin, Base):
    """The mark that a scheduled job sent one thing to one person.

    Written in the transaction that queues the mail; its unique key makes a
    second worker (or a second run) skip what the first already sent.
    """

    __tablename__ = "scheduled_sends"
    __table_args__ = (UniqueConstraint("job", "user_id", "key"),)

    job: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE")
    )
    key: Mapped[str] = mapped_column(String(80))
