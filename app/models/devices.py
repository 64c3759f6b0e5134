"""The phones that receive a user's pushes."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, IdMixin, TimestampMixin


class Platform(StrEnum):
    IOS = "ios"
    ANDROID = "android"


class PushDevice(IdMixin, TimestampMixin, Base):
    """One app install: its provider token, for one user at a time.

    A token belongs to the install, not to the person: registered again by
    another account (a shared phone), it moves to that account.
    """

    __tablename__ = "push_devices"

    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[Platform] = mapped_column(String(16))
    token: Mapped[str] = mapped_column(String(512), unique=True)
    locale: Mapped[str] = mapped_column(String(16))
    app_version: Mapped[str | None] = mapped_column(String(40))
    last_registered_at: Mapped[datetime]
