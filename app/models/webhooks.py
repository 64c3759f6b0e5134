"""Webhook subscriptions of integrators, and the log of deliveries to them."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, IdMixin, JsonDocument, TimestampMixin


class WebhookSubscription(IdMixin, TimestampMixin, Base):
    """An endpoint that receives the events of the types it names, signed."""

    __tablename__ = "webhook_subscriptions"

    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    event_types: Mapped[list[str]] = mapped_column(JsonDocument)
    # Kept readable: every delivery is signed with it (HMAC needs the key itself).
    secret: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL")
    )


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    RETRYING = "retrying"
    FAILED = "failed"
    """Gave up after the configured attempts; an admin may replay it."""
    CANCELLED = "cancelled"
    """The subscription was deactivated before the delivery went out."""


class WebhookDelivery(IdMixin, TimestampMixin, Base):
    """One event sent, or to send, to one subscription: the delivery log."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "subscription_id"),
        Index("ix_webhook_deliveries_subscription", "subscription_id", "id"),
    )

    subscription_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("webhook_subscriptions.id", ondelete="CASCADE")
    )
    event_id: Mapped[int] = mapped_column(BigInteger)
    event_type: Mapped[str] = mapped_column(String(80))
    occurred_at: Mapped[datetime]
    payload: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    status: Mapped[DeliveryStatus] = mapped_column(
        String(16), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_attempt_at: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_duration_ms: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None]

    @property
    def message_id(self) -> str:
        """The webhook-id of this event: the same for every subscription, retry
        and replay, so a consumer de-duplicates with it."""
        return f"evt_{self.event_id}"
