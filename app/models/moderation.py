"""Moderation: reports of content or people, and the decision each one awaits."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, IdMixin, TimestampMixin


class ReportReason(StrEnum):
    SPAM = "spam"
    OFFENSIVE = "offensive"
    DOES_NOT_BELONG = "does_not_belong"


class Moderation(IdMixin, TimestampMixin, Base):
    """The reports on one reportable (``resource_type``, ``resource_id``).

    Its row is the lock that reports racing to the threshold take in turn:
    ``reports_count`` moves by atomic updates, so exactly one report reaches the
    threshold and hides the content once.
    """

    __tablename__ = "moderations"
    __table_args__ = (
        UniqueConstraint("resource_type", "resource_id"),
        Index("ix_moderations_space", "space_id", "id"),
    )

    resource_type: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[int] = mapped_column(BigInteger)
    space_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("spaces.id", ondelete="CASCADE")
    )
    """The space whose moderators decide; None for reports of people."""
    author_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    """Whom the report is about: the content's author, or the reported person."""
    reports_count: Mapped[int] = mapped_column(default=0, server_default="0")
    hidden_at: Mapped[datetime | None]
    dismissed_at: Mapped[datetime | None]
    """A moderator kept the content: new reports no longer hide it by themselves."""


class Report(IdMixin, TimestampMixin, Base):
    """One person's report of one reportable; one per person and reportable."""

    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("moderation_id", "user_id"),)

    moderation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("moderations.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[ReportReason] = mapped_column(String(20))
    details: Mapped[str] = mapped_column(Text, default="")
