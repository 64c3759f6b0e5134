"""Council composition: the seats required per sector, and the seats themselves."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, IdMixin, TimestampMixin, Tracked


class SeatRole(StrEnum):
    PRESIDENT = "president"
    VICE_PRESIDENT = "vice_president"
    SECRETARY = "secretary"
    MEMBER = "member"


class SeatKind(StrEnum):
    TITULAR = "titular"
    ALTERNATE = "alternate"


class SeatStatus(StrEnum):
    VACANT = "vacant"
    NOMINATED = "nominated"
    ACTIVE = "active"
    PENDING_REGULARISATION = "pending_regularisation"
    CEASED = "ceased"


class CouncilSectorRequirement(IdMixin, TimestampMixin, Base):
    """How many titular seats a council's law gives a sector (or segment)."""

    __tablename__ = "council_sector_requirements"
    __table_args__ = (UniqueConstraint("space_id", "sector"),)

    space_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("spaces.id", ondelete="CASCADE"), index=True
    )
    sector: Mapped[str] = mapped_column(String(60))
    titular_seats: Mapped[int]
    alternate_seats: Mapped[int] = mapped_column(default=0, server_default="0")


class CouncilSeat(IdMixin, TimestampMixin, Tracked, Base):
    """A seat and who holds it; a ceased seat stays as history."""

    __tablename__ = "council_seats"
    __change_type__ = "council_seat"

    space_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("spaces.id", ondelete="CASCADE"), index=True
    )
    sector: Mapped[str] = mapped_column(String(60))
    role: Mapped[SeatRole] = mapped_column(String(20), default=SeatRole.MEMBER)
    kind: Mapped[SeatKind] = mapped_column(String(12), default=SeatKind.TITULAR)
    titular_seat_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("council_seats.id", ondelete="SET NULL"), index=True
    )
    """For an alternate: the titular seat it substitutes."""

    holder_user_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    holder_name: Mapped[str | None] = mapped_column(String(150))
    organisation: Mapped[str | None] = mapped_column(String(150))
    term_start: Mapped[date | None]
    term_end: Mapped[date | None]
    status: Mapped[SeatStatus] = mapped_column(String(24), default=SeatStatus.VACANT)
    ceased_at: Mapped[datetime | None]
    ceased_reason: Mapped[str | None] = mapped_column(Text)
