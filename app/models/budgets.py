"""Participatory budgeting: budgets, their projects, ballots and outcomes."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, IdMixin, JsonDocument, TimestampMixin, Tracked

Amount = BigInteger()
"""Amounts in cents (hundredths of the currency's unit), exact on every database."""


class BallotType(StrEnum):
    """How a ballot expresses preference; online ballots are approval ballots."""

    APPROVAL = "approval"
    CUMULATIVE = "cumulative"
    SCORING = "scoring"
    ORDINAL = "ordinal"
    CHOOSE_ONE = "choose-1"


class BallotSource(StrEnum):
    ONLINE = "online"
    PAPER = "paper"
    """Cast in person and recorded by an admin; counted apart."""
    IMPORTED = "imported"
    """Read from a pabulib file; no account stands behind it."""


class OutcomeRule(StrEnum):
    GREEDY = "greedy"
    GREEDY_THRESHOLD = "greedy-threshold"
    GREEDY_NO_SKIP = "greedy-no-skip"
    EQUAL_SHARES_ADD1 = "equalshares/add1"
    EQUAL_SHARES_ADD1_COMPARISON = "equalshares/add1-comparison"


class Budget(IdMixin, TimestampMixin, Tracked, Base):
    """One pot of money of a budgets component, often one per regional.

    ``ballots_count`` and ``paper_ballots_count`` count the checked-out online
    (and imported) ballots and the paper ballots; they change atomically in the
    transaction of the checkout, cancellation or recording.
    """

    __tablename__ = "budgets"
    __change_type__ = "budget"
    __change_ignore__ = frozenset({"ballots_count", "paper_ballots_count"})
    __table_args__ = (
        Index("ix_budgets_component_position", "component_id", "position"),
        CheckConstraint("total > 0", name="total_positive"),
        CheckConstraint("ballots_count >= 0", name="ballots_count"),
        CheckConstraint("paper_ballots_count >= 0", name="paper_ballots_count"),
    )

    component_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("components.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[dict[str, str]] = mapped_column(JsonDocument)
    description: Mapped[dict[str, str]] = mapped_column(JsonDocument, default=dict)
    scope_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("scopes.id", ondelete="RESTRICT"), index=True
    )
    total: Mapped[int] = mapped_column(Amount)
    ballot_type: Mapped[BallotType] = mapped_column(
        String(16), default=BallotType.APPROVAL
    )
    pabulib_meta: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    """The META section of the file it was imported from, for a faithful export."""
    ballots_count: Mapped[int] = mapped_column(default=0, server_default="0")
    paper_ballots_count: Mapped[int] = mapped_column(default=0, server_default="0")

    outcome_rule: Mapped[OutcomeRule | None] = mapped_column(String(40))
    outcome_threshold: Mapped[int | None]
    outcome_computed_at: Mapped[datetime | None]
    outcome_published_at: Mapped[datetime | None]


class BudgetProject(IdMixin, TimestampMixin, Tracked, Base):
    """A project voters may choose; its counters change only atomically.

    ``component_id`` repeats its budget's, so that the generic features
    (comments, attachments, follows) find the component that governs them.
    """

    __tablename__ = "budget_projects"
    __change_type__ = "budget_project"
    __change_ignore__ = frozenset(
        {"votes_count", "paper_votes_count", "outcome_score", "outcome_position"}
    )
    __table_args__ = (
        Index("ix_budget_projects_budget", "budget_id", "position", "id"),
        UniqueConstraint("budget_id", "code"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("votes_count >= 0", name="votes_count"),
        CheckConstraint("paper_votes_count >= 0", name="paper_votes_count"),
    )

    budget_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("budgets.id", ondelete="CASCADE")
    )
    component_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("components.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    code: Mapped[str | None] = mapped_column(String(64))
    """The project's id in a pabulib file it came from (or goes to)."""
    pabulib_fields: Mapped[dict[str, str]] = mapped_column(JsonDocument, default=dict)
    """The other columns of the file it came from (category, district...)."""
    title: Mapped[dict[str, str]] = mapped_column(JsonDocument)
    description: Mapped[dict[str, str]] = mapped_column(JsonDocument, default=dict)
    amount: Mapped[int] = mapped_column(Amount)
    scope_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("scopes.id", ondelete="RESTRICT"), index=True
    )
    area_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("areas.id", ondelete="RESTRICT"), index=True
    )
    address: Mapped[str | None] = mapped_column(String(300))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    votes_count: Mapped[int] = mapped_column(default=0, server_default="0")
    paper_votes_count: Mapped[int] = mapped_column(default=0, server_default="0")
    comments_count: Mapped[int] = mapped_column(default=0, server_default="0")
    selected: Mapped[bool | None] = mapped_column(Boolean)
    """Whether the computed outcome funds it; None before an outcome."""
    selection_reason: Mapped[str | None] = mapped_column(String(40))
    outcome_score: Mapped[int | None]
    """The points the outcome's rule counted for it."""
    outcome_position: Mapped[int | None]
    """The order in which the rule selected it (1 first); None if not selected."""


class BudgetProjectProposal(Base):
    """A proposal a project comes from."""

    __tablename__ = "budget_project_proposals"

    project_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("budget_projects.id", ondelete="CASCADE"), primary_key=True
    )
    proposal_id: Mapped[int] = mapped_column(
        BigId,
        ForeignKey("proposals.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    )


class Ballot(IdMixin, TimestampMixin, Base):
    """A voter's choice of projects in one budget: one per user per budget.

    Online ballots are built project by project and count once checked out;
    paper and imported ballots have no user and count as they are recorded.
    ``total`` and ``projects_count`` follow the items, under the row's lock.
    """

    __tablename__ = "ballots"
    __table_args__ = (
        UniqueConstraint("budget_id", "user_id"),
        Index("ix_ballots_user", "user_id"),
        Index("ix_ballots_budget_checked_out", "budget_id", "checked_out_at"),
        CheckConstraint("total >= 0", name="total"),
        CheckConstraint("projects_count >= 0", name="projects_count"),
    )

    budget_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("budgets.id", ondelete="CASCADE")
    )
    user_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE")
    )
    source: Mapped[BallotSource] = mapped_column(
        String(12), default=BallotSource.ONLINE
    )
    voter_code: Mapped[str | None] = mapped_column(String(64))
    """The voter id of an imported ballot (pabulib); never a person's data."""
    total: Mapped[int] = mapped_column(Amount, default=0, server_default="0")
    projects_count: Mapped[int] = mapped_column(default=0, server_default="0")
    checked_out_at: Mapped[datetime | None]


class BallotItem(Base):
    """A project on a ballot, with its points (cumulative) or rank (ordinal)."""

    __tablename__ = "ballot_items"
    __table_args__ = (Index("ix_ballot_items_project", "project_id"),)

    ballot_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("ballots.id", ondelete="CASCADE"), primary_key=True
    )
    project_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("budget_projects.id", ondelete="CASCADE"), primary_key=True
    )
    points: Mapped[int] = mapped_column(default=1, server_default="1")
    rank: Mapped[int | None]
