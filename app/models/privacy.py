"""Personal data: the archives people download of what the platform holds on them."""

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, IdMixin, TimestampMixin


class DataExport(IdMixin, TimestampMixin, Base):
    """A zip of one person's data, downloadable once by them before it expires.

    Only the download token's hash is stored; the archive is emptied once
    downloaded.
    """

    __tablename__ = "data_exports"

    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    archive: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime]
    downloaded_at: Mapped[datetime | None]
