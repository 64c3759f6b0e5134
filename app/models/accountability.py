"""Accountability: what became of each decision, as a tree of results."""

from datetime import date
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, IdMixin, JsonDocument, TimestampMixin, Tracked

MAX_DEPTH = 3
"""Results nest up to three levels: a result, its children, their children."""


class ResultStatus(IdMixin, TimestampMixin, Base):
    """A status of a component's results; choosing it sets its default progress."""

    __tablename__ = "result_statuses"
    __table_args__ = (
        UniqueConstraint("component_id", "key"),
        CheckConstraint(
            "progress IS NULL OR (progress >= 0 AND progress <= 100)",
            name="progress_percent",
        ),
    )

    component_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("components.id", ondelete="CASCADE")
    )
    key: Mapped[str] = mapped_column(String(40))
    name: Mapped[dict[str, str]] = mapped_column(JsonDocument)
    description: Mapped[dict[str, str]] = mapped_column(JsonDocument, default=dict)
    progress: Mapped[float | None] = mapped_column(Float)


class Result(IdMixin, TimestampMixin, Tracked, Base):
    """A result; a parent's ``progress`` follows its children's.

    ``external_id`` is the id a Decidim export gave it, so that importing the
    same file twice changes nothing.
    """

    __tablename__ = "results"
    __change_type__ = "result"
    __change_ignore__ = frozenset({"comments_count", "children_count"})
    __table_args__ = (
        Index("ix_results_component_parent", "component_id", "parent_id", "id"),
        UniqueConstraint("component_id", "external_id"),
        CheckConstraint(
            "progress IS NULL OR (progress >= 0 AND progress <= 100)",
            name="progress_percent",
        ),
        CheckConstraint("weight >= 0", name="weight"),
        CheckConstraint(
            "end_date IS NULL OR start_date IS NULL OR end_date >= start_date",
            name="ends_after_start",
        ),
        CheckConstraint("depth >= 1 AND depth <= 3", name="depth"),
    )

    component_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("components.id", ondelete="CASCADE")
    )
    parent_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("results.id", ondelete="CASCADE"), index=True
    )
    depth: Mapped[int] = mapped_column(default=1, server_default="1")
    title: Mapped[dict[str, str]] = mapped_column(JsonDocument)
    description: Mapped[dict[str, str]] = mapped_column(JsonDocument, default=dict)
    status_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("result_statuses.id", ondelete="SET NULL"), index=True
    )
    progress: Mapped[float | None] = mapped_column(Float)
    weight: Mapped[float] = mapped_column(Float, default=1.0, server_default="1")
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    scope_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("scopes.id", ondelete="RESTRICT"), index=True
    )
    area_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("areas.id", ondelete="RESTRICT"), index=True
    )
    external_id: Mapped[str | None] = mapped_column(String(40))
    children_count: Mapped[int] = mapped_column(default=0, server_default="0")
    comments_count: Mapped[int] = mapped_column(default=0, server_default="0")


class ResultLink(IdMixin, TimestampMixin, Base):
    """A resource a result came from: a proposal, a budget project, a meeting."""

    __tablename__ = "result_links"
    __table_args__ = (
        UniqueConstraint("result_id", "resource_type", "resource_id"),
        Index("ix_result_links_resource", "resource_type", "resource_id"),
    )

    result_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("results.id", ondelete="CASCADE")
    )
    resource_type: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[int] = mapped_column(BigId)


class ResultUpdate(IdMixin, TimestampMixin, Base):
    """An entry of a result's timeline: a described update, or a recorded change."""

    __tablename__ = "result_updates"
    __table_args__ = (Index("ix_result_updates_result", "result_id", "id"),)

    result_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("results.id", ondelete="CASCADE")
    )
    entry_date: Mapped[date]
    description: Mapped[dict[str, str]] = mapped_column(JsonDocument, default=dict)
    progress: Mapped[float | None] = mapped_column(Float)
    status_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("result_statuses.id", ondelete="SET NULL")
    )
    changes: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    author_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL")
    )
