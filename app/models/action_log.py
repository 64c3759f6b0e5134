"""The memory of every admin action, and the source of each space's timeline."""

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, IdMixin, JsonDocument, utcnow


class ActionLogEntry(IdMixin, Base):
    """Who did what to which object, with the fields that changed.

    ``public`` entries make the space's timeline; their ``changes`` are never
    shown there, only the action and the object.
    """

    __tablename__ = "action_log"
    __table_args__ = (Index("ix_action_log_timeline", "space_id", "public", "id"),)

    actor_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int]
    space_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("spaces.id", ondelete="CASCADE")
    )
    changes: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
