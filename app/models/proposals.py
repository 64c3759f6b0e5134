"""Proposals of a proposals component, their supports, co-authors and evaluators.

In a channel space (Talk to the Mayor) a proposal is a demand: it carries an
answer deadline and, once answered, its author's satisfaction.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, IdMixin, JsonDocument, TimestampMixin, Tracked


class ProposalStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class AuthorKind(StrEnum):
    USER = "user"
    OFFICIAL = "official"
    MEETING = "meeting"


class AnswerState(StrEnum):
    """The built-in answer states; a component may add custom ones by token."""

    NOT_ANSWERED = "not_answered"
    EVALUATING = "evaluating"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Proposal(IdMixin, TimestampMixin, Tracked, Base):
    """A participant's (or the organisation's, or a meeting's) proposal.

    The answer is written by the space's team and becomes public at
    ``answer_published_at``; until then readers see ``not_answered``.
    The counters count rows of other tables and change in their transaction.
    """

    __tablename__ = "proposals"
    __change_type__ = "proposal"
    __change_ignore__ = frozenset(
        {"supports_count", "comments_count", "endorsements_count", "updated_at"}
    )
    __table_args__ = (
        # One index per sort key, ending in the id tie-breaker, so that a page
        # of any sort is an index range scan on PostgreSQL.
        Index("ix_proposals_recent", "component_id", "published_at", "id"),
        Index("ix_proposals_supported", "component_id", "supports_count", "id"),
        Index("ix_proposals_commented", "component_id", "comments_count", "id"),
        Index("ix_proposals_answered", "component_id", "answer_published_at", "id"),
        Index("ix_proposals_author", "author_id", "component_id"),
        Index("ix_proposals_due", "component_id", "due_at", "id"),
        CheckConstraint("supports_count >= 0", name="supports_count_not_negative"),
        CheckConstraint(
            "satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5",
            name="satisfaction_range",
        ),
    )

    component_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("components.id", ondelete="CASCADE")
    )
    reference: Mapped[str | None] = mapped_column(String(40), unique=True)
    author_kind: Mapped[AuthorKind] = mapped_column(String(16))
    author_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL")
    )
    """Who wrote it; for official and meeting proposals, the staff member."""
    meeting_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("meetings.id", ondelete="SET NULL"), index=True
    )
    """The meeting it came from; no foreign key until meetings exist."""
    title: Mapped[dict[str, str]] = mapped_column(JsonDocument)
    body: Mapped[dict[str, str]] = mapped_column(JsonDocument)
    search_text: Mapped[str] = mapped_column(Text, default="")
    """Title and body as lower-case plain text, for the text filter."""
    scope_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("scopes.id", ondelete="RESTRICT"), index=True
    )
    area_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("areas.id", ondelete="RESTRICT"), index=True
    )
    address: Mapped[str | None] = mapped_column(String(300))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    status: Mapped[ProposalStatus] = mapped_column(
        String(16), default=ProposalStatus.DRAFT
    )
    published_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]
    """Hidden by moderation: gone from every list until a moderator decides."""

    answer_state: Mapped[str] = mapped_column(
        String(40), default=AnswerState.NOT_ANSWERED
    )
    answer: Mapped[dict[str, str]] = mapped_column(JsonDocument, default=dict)
    answered_at: Mapped[datetime | None]
    answer_published_at: Mapped[datetime | None]
    cost_cents: Mapped[int | None] = mapped_column(BigInteger)
    cost_report: Mapped[dict[str, str]] = mapped_column(JsonDocument, default=dict)
    execution_period: Mapped[dict[str, str]] = mapped_column(JsonDocument, default=dict)

    due_at: Mapped[datetime | None]
    """A demand's answer deadline: the end of its last day, in local time."""
    satisfaction: Mapped[int | None] = mapped_column(SmallInteger)
    satisfaction_at: Mapped[datetime | None]

    supports_count: Mapped[int] = mapped_column(default=0, server_default="0")
    comments_count: Mapped[int] = mapped_column(default=0, server_default="0")
    endorsements_count: Mapped[int] = mapped_column(default=0, server_default="0")


class ProposalInterestGroup(Base):
    __tablename__ = "proposal_interest_groups"

    proposal_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True
    )
    interest_group_id: Mapped[int] = mapped_column(
        BigId,
        ForeignKey("interest_groups.id", ondelete="RESTRICT"),
        primary_key=True,
        index=True,
    )


class ProposalCoauthor(TimestampMixin, Base):
    __tablename__ = "proposal_coauthors"

    proposal_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ProposalEvaluator(TimestampMixin, Base):
    """A space evaluator assigned to answer this proposal."""

    __tablename__ = "proposal_evaluators"

    proposal_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ProposalSupport(IdMixin, TimestampMixin, Base):
    """One participant's support of one proposal."""

    __tablename__ = "proposal_supports"
    __table_args__ = (
        UniqueConstraint("proposal_id", "user_id"),
        Index("ix_proposal_supports_user", "user_id", "component_id"),
    )

    proposal_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("proposals.id", ondelete="CASCADE")
    )
    component_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("components.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE")
    )


class ProposalParticipant(TimestampMixin, Base):
    """A participant's standing in one component: the row their limits lock.

    ``supports_given`` counts their support rows in the component; their
    supports count on the proposals once it reaches the component's minimum.
    """

    __tablename__ = "proposal_participants"
    __table_args__ = (
        CheckConstraint("supports_given >= 0", name="supports_given_not_negative"),
    )

    component_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("components.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    supports_given: Mapped[int] = mapped_column(default=0, server_default="0")
