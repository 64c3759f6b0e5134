"""Comments on any commentable resource, threaded, with alignment and votes."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, IdMixin, TimestampMixin, Tracked

MAX_DEPTH = 3
"""A comment of this depth takes no replies."""


class Alignment(StrEnum):
    IN_FAVOUR = "in_favour"
    AGAINST = "against"
    NEUTRAL = "neutral"


class Comment(IdMixin, TimestampMixin, Tracked, Base):
    """A comment on (``resource_type``, ``resource_id``), a kind registered as
    commentable; a reply has a ``parent_id`` one level up.

    A deleted comment keeps its row (a tombstone) so that its replies keep
    their thread; its body is never shown again.
    """

    __tablename__ = "comments"
    __change_type__ = "comment"
    __change_ignore__ = frozenset({"up_votes", "down_votes", "replies_count"})
    __table_args__ = (
        Index("ix_comments_thread", "resource_type", "resource_id", "depth", "id"),
        CheckConstraint(f"depth BETWEEN 0 AND {MAX_DEPTH}", name="depth"),
    )

    resource_type: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[int] = mapped_column(BigInteger)
    parent_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    depth: Mapped[int] = mapped_column(SmallInteger, default=0)
    author_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    alignment: Mapped[Alignment] = mapped_column(String(10), default=Alignment.NEUTRAL)
    up_votes: Mapped[int] = mapped_column(default=0, server_default="0")
    down_votes: Mapped[int] = mapped_column(default=0, server_default="0")
    replies_count: Mapped[int] = mapped_column(default=0, server_default="0")
    """Direct replies, tombstones included: they are listed in the thread."""

    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]
    """Hidden by moderation: gone from every list until a moderator decides."""


class CommentVote(IdMixin, TimestampMixin, Base):
    """One user's up (+1) or down (-1) vote on a comment; one per user."""

    __tablename__ = "comment_votes"
    __table_args__ = (
        UniqueConstraint("comment_id", "user_id"),
        CheckConstraint("value IN (-1, 1)", name="value"),
    )

    comment_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("comments.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[int] = mapped_column(SmallInteger)
