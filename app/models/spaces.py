"""Spaces (processes, assemblies, channels), their phases, members and roles."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, IdMixin, JsonDocument, TimestampMixin, Tracked


class SpaceKind(StrEnum):
    PROCESS = "process"
    ASSEMBLY = "assembly"
    CHANNEL = "channel"


class SpaceStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class Visibility(StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"


class Space(IdMixin, TimestampMixin, Tracked, Base):
    """The unit of participation. Council details live on the same row."""

    __tablename__ = "spaces"
    __change_type__ = "space"
    __table_args__ = (Index("ix_spaces_listing", "status", "kind", "start_date"),)

    kind: Mapped[SpaceKind] = mapped_column(String(16))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[dict[str, str]] = mapped_column(JsonDocument)
    subtitle: Mapped[dict[str, str]] = mapped_column(JsonDocument, default=dict)
    short_description: Mapped[dict[str, str]] = mapped_column(
        JsonDocument, default=dict
    )
    description: Mapped[dict[str, str]] = mapped_column(JsonDocument, default=dict)
    scope_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("scopes.id", ondelete="RESTRICT"), index=True
    )
    area_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("areas.id", ondelete="RESTRICT"), index=True
    )
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    hero_image_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[SpaceStatus] = mapped_column(String(16), default=SpaceStatus.DRAFT)
    published_at: Mapped[datetime | None]
    visibility: Mapped[Visibility] = mapped_column(
        String(16), default=Visibility.PUBLIC
    )
    transparent: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    """A private space that everyone may read; only members may take part."""

    is_council: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    legal_act: Mapped[str | None] = mapped_column(String(200))
    legal_act_date: Mapped[date | None]
    purpose: Mapped[dict[str, str]] = mapped_column(JsonDocument, default=dict)
    meeting_frequency: Mapped[str | None] = mapped_column(String(100))


class SpaceInterestGroup(Base):
    __tablename__ = "space_interest_groups"

    space_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("spaces.id", ondelete="CASCADE"), primary_key=True
    )
    interest_group_id: Mapped[int] = mapped_column(
        BigId,
        ForeignKey("interest_groups.id", ondelete="RESTRICT"),
        primary_key=True,
        index=True,
    )


class SpaceRoleName(StrEnum):
    ADMIN = "admin"
    COLLABORATOR = "collaborator"
    MODERATOR = "moderator"
    EVALUATOR = "evaluator"


class SpaceRole(IdMixin, TimestampMixin, Base):
    __tablename__ = "space_roles"
    __table_args__ = (UniqueConstraint("space_id", "user_id", "role"),)

    space_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("spaces.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[SpaceRoleName] = mapped_column(String(16))


class SpaceMember(TimestampMixin, Base):
    """A participant admitted to a private space."""

    __tablename__ = "space_members"

    space_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("spaces.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Phase(IdMixin, TimestampMixin, Tracked, Base):
    """An ordered step of a process; at most one per space is active."""

    __tablename__ = "phases"
    __change_type__ = "phase"
    __table_args__ = (
        UniqueConstraint("space_id", "position"),
        Index(
            "uq_phases_one_active",
            "space_id",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    space_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("spaces.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    title: Mapped[dict[str, str]] = mapped_column(JsonDocument)
    description: Mapped[dict[str, str]] = mapped_column(JsonDocument, default=dict)
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    active: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
