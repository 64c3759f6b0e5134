"""Endorsements: a user's public backing of a resource, one per user."""

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, IdMixin, TimestampMixin


class Endorsement(IdMixin, TimestampMixin, Base):
    __tablename__ = "endorsements"
    __table_args__ = (UniqueConstraint("resource_type", "resource_id", "user_id"),)

    resource_type: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
