"""The three approaches: territory (scopes), theme (areas), interest groups."""

from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, IdMixin, JsonDocument, TimestampMixin, Tracked


class ScopeType(StrEnum):
    MUNICIPALITY = "municipality"
    REGIONAL = "regional"
    MICROREGION = "microregion"
    NEIGHBOURHOOD = "neighbourhood"


class Scope(IdMixin, TimestampMixin, Tracked, Base):
    """A node of the territorial tree.

    ``path`` lists the ids from the root down to this scope (``/1/4/17/``), so
    a filter on a scope includes its descendants with one prefix comparison.
    """

    __tablename__ = "scopes"
    __change_type__ = "scope"
    __table_args__ = (Index("ix_scopes_path", "path"),)

    parent_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("scopes.id", ondelete="RESTRICT"), index=True
    )
    path: Mapped[str] = mapped_column(String(255), default="")
    type: Mapped[ScopeType] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[dict[str, str]] = mapped_column(JsonDocument)
    population: Mapped[int | None]
    boundary: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)


class AreaType(IdMixin, TimestampMixin, Tracked, Base):
    __tablename__ = "area_types"
    __change_type__ = "area_type"

    name: Mapped[dict[str, str]] = mapped_column(JsonDocument)


class Area(IdMixin, TimestampMixin, Tracked, Base):
    """A theme (health, education, mobility...)."""

    __tablename__ = "areas"
    __change_type__ = "area"

    area_type_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("area_types.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[dict[str, str]] = mapped_column(JsonDocument)


class InterestGroupKind(StrEnum):
    POPULATION = "population"
    SECTOR = "sector"
    SEGMENT = "segment"


class InterestGroup(IdMixin, TimestampMixin, Tracked, Base):
    """A population group or sector (women, youth, commerce...)."""

    __tablename__ = "interest_groups"
    __change_type__ = "interest_group"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[InterestGroupKind] = mapped_column(String(20))
    name: Mapped[dict[str, str]] = mapped_column(JsonDocument)


class ResidentDeclaration(TimestampMixin, Base):
    """Where a participant lives, declared privately; read only in aggregate."""

    __tablename__ = "resident_declarations"

    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    scope_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("scopes.id", ondelete="RESTRICT"), index=True
    )


class UserInterestGroup(Base):
    """An interest group a participant declared belonging to (private)."""

    __tablename__ = "user_interest_groups"

    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    interest_group_id: Mapped[int] = mapped_column(
        BigId,
        ForeignKey("interest_groups.id", ondelete="RESTRICT"),
        primary_key=True,
        index=True,
    )
