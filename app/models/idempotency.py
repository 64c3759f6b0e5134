"""Stored answers to writes that carried an ``Idempotency-Key``."""

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, IdMixin, JsonDocument, utcnow


class IdempotencyRecord(IdMixin, Base):
    """The first answer to a key, written in the transaction of the write."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (Index("ix_idempotency_keys_expires_at", "expires_at"),)

    lookup: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 of user, method, path and key: one column to find it by."""
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE")
    )
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(2000))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the query and body: the same key with another body is refused."""
    status_code: Mapped[int]
    headers: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
