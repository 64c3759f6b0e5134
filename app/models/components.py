"""Typed features inside a space, and the two built here in full: posts, pages."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, IdMixin, JsonDocument, TimestampMixin, Tracked


class ComponentType(StrEnum):
    PROPOSALS = "proposals"
    MEETINGS = "meetings"
    DEBATES = "debates"
    SURVEYS = "surveys"
    BUDGETS = "budgets"
    ACCOUNTABILITY = "accountability"
    POSTS = "posts"
    PAGES = "pages"


class Component(IdMixin, TimestampMixin, Tracked, Base):
    """A feature of a space with settings validated per type.

    ``phase_switches`` maps a phase id to that phase's switches (creation,
    supports, comments, votes enabled); ``default_switches`` apply when the
    space has no active phase or the active one has none.
    """

    __tablename__ = "components"
    __change_type__ = "component"
    __table_args__ = (Index("ix_components_space_position", "space_id", "position"),)

    space_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("spaces.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[ComponentType] = mapped_column(String(20))
    name: Mapped[dict[str, str]] = mapped_column(JsonDocument)
    position: Mapped[int] = mapped_column(default=0)
    published_at: Mapped[datetime | None]
    settings: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    default_switches: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    phase_switches: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)


class Post(IdMixin, TimestampMixin, Tracked, Base):
    """A news item of a posts component, public from ``published_at`` on."""

    __tablename__ = "posts"
    __change_type__ = "post"
    __table_args__ = (Index("ix_posts_listing", "component_id", "published_at"),)

    component_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("components.id", ondelete="CASCADE")
    )
    title: Mapped[dict[str, str]] = mapped_column(JsonDocument)
    body: Mapped[dict[str, str]] = mapped_column(JsonDocument)
    published_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]


class Page(IdMixin, TimestampMixin, Tracked, Base):
    """A static text of a pages component (a council's statute, say)."""

    __tablename__ = "pages"
    __change_type__ = "page"
    __table_args__ = (
        Index("ix_pages_component_position", "component_id", "position"),
        Index(
            "uq_pages_component_slug",
            "component_id",
            "slug",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )
    """A deleted page frees its slug; a live one holds it within its component."""

    component_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("components.id", ondelete="CASCADE")
    )
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[dict[str, str]] = mapped_column(JsonDocument)
    body: Mapped[dict[str, str]] = mapped_column(JsonDocument)
    position: Mapped[int] = mapped_column(default=0)
    deleted_at: Mapped[datetime | None]
