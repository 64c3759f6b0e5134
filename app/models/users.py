"""Accounts, their refresh-token families and their one-time tokens."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, IdMixin, TimestampMixin, Tracked


class UserRole(StrEnum):
    PARTICIPANT = "participant"
    ADMIN = "admin"


class User(IdMixin, TimestampMixin, Tracked, Base):
    __tablename__ = "users"
    __change_type__ = "user"
    __change_ignore__ = frozenset(
        {"last_sign_in_at", "password_hash", "updated_at", "token_version"}
    )

    email: Mapped[str] = mapped_column(String(254))
    email_normalized: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    nickname: Mapped[str] = mapped_column(String(40), unique=True)
    locale: Mapped[str] = mapped_column(String(16), default="pt-BR")
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[UserRole] = mapped_column(
        String(20), default=UserRole.PARTICIPANT, server_default="participant"
    )
    confirmed_at: Mapped[datetime | None]
    tos_accepted_at: Mapped[datetime | None]
    terms_version: Mapped[str | None] = mapped_column(String(40))
    """The version of the terms and privacy notice last accepted."""
    blocked_at: Mapped[datetime | None]
    blocked_reason: Mapped[str | None] = mapped_column(Text)
    deleted_at: Mapped[datetime | None]
    last_sign_in_at: Mapped[datetime | None]
    token_version: Mapped[int] = mapped_column(default=0, server_default="0")
    """Raised to invalidate every access token issued before (sign-out everywhere)."""

    @property
    def is_admin(self) -> bool:
        return self.role == UserRole.ADMIN


class RefreshToken(IdMixin, TimestampMixin, Base):
    """One link of a rotating refresh-token family; only its hash is stored."""

    __tablename__ = "refresh_tokens"

    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    family: Mapped[str] = mapped_column(String(36), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    device_id: Mapped[str | None] = mapped_column(String(128))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class TokenPurpose(StrEnum):
    CONFIRM_EMAIL = "confirm_email"
    RESET_PASSWORD = "reset_password"  # noqa: S105


class UserToken(IdMixin, TimestampMixin, Base):
    """A single-use token mailed to a user (confirmation, password reset)."""

    __tablename__ = "user_tokens"

    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[TokenPurpose] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
