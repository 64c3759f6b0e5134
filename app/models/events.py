"""The outbox of events that leave the system, and the change log for sync."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, IdMixin, JsonDocument, TimestampMixin, utcnow


class OutboxStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    PARKED = "parked"


class OutboxEvent(IdMixin, TimestampMixin, Base):
    """A domain event written in the transaction of the change that caused it."""

    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_due", "status", "available_at"),)

    event_type: Mapped[str] = mapped_column(String(80))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    status: Mapped[OutboxStatus] = mapped_column(
        String(16), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class ChangeOperation(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"


class ChangeLogEntry(Base):
    """One created, updated or deleted record, in commit order.

    ``txid`` is the writing transaction's id on PostgreSQL (0 on SQLite, where
    writers are serialised and ``id`` alone is commit order); readers only look
    at transactions older than every one still running.
    """

    __tablename__ = "change_log"
    __table_args__ = (
        Index("ix_change_log_order", "txid", "id"),
        Index("ix_change_log_record", "record_type", "record_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    txid: Mapped[int] = mapped_column(BigInteger, default=0)
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column(BigInteger)
    operation: Mapped[ChangeOperation] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
