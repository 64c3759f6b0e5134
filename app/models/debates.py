"""Debates: open conversations of a debates component, closed with conclusions."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, false
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, IdMixin, JsonDocument, TimestampMixin, Tracked


class Debate(IdMixin, TimestampMixin, Tracked, Base):
    """A debate opened by the space's team (official) or by a participant.

    Comments are taken between ``starts_at`` and ``ends_at`` when they are set,
    and never once the debate is closed.
    """

    __tablename__ = "debates"
    __change_type__ = "debate"
    __change_ignore__ = frozenset({"comments_count", "endorsements_count"})
    __table_args__ = (Index("ix_debates_component", "component_id", "id"),)

    component_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("components.id", ondelete="CASCADE")
    )
    author_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    official: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    """Opened by the space's team in the organisation's name."""

    title: Mapped[dict[str, str]] = mapped_column(JsonDocument)
    description: Mapped[dict[str, str]] = mapped_column(JsonDocument)
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]
    """Hidden by moderation: gone from every list until a moderator decides."""
    conclusions: Mapped[dict[str, str]] = mapped_column(JsonDocument, default=dict)
    comments_count: Mapped[int] = mapped_column(default=0, server_default="0")
    endorsements_count: Mapped[int] = mapped_column(default=0, server_default="0")
