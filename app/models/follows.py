"""Follows: what a user wants to hear about (a space, a debate, a proposal...)."""

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, IdMixin, TimestampMixin


class Follow(IdMixin, TimestampMixin, Base):
    __tablename__ = "follows"
    __table_args__ = (
        UniqueConstraint("user_id", "resource_type", "resource_id"),
        Index("ix_follows_resource", "resource_type", "resource_id"),
    )
    """The unique key lists a user's follows; the index finds a resource's
    followers, whom the notifications reach."""

    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE")
    )
    resource_type: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[int] = mapped_column(BigInteger)
