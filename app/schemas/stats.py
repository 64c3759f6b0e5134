"""Participation figures as ``GET /api/v1/stats`` serves them."""

from pydantic import BaseModel, Field

from app.schemas.base import Id, Timestamp

SUPPRESSED = (
    "Fewer than `min_people` people took part: every figure is null. Groups "
    "under one parent are suppressed together, so a subtraction from the "
    "parent never isolates one."
)


class Figures(BaseModel):
    """Counts of public activity; all null when the group is suppressed."""

    participants: int | None = Field(
        description="Distinct people who proposed, supported, commented, "
        "registered for a meeting or cast a ballot."
    )
    proposals: int | None
    supports: int | None
    comments: int | None
    meetings: int | None
    attendees: int | None = Field(description="Registrants checked in at meetings.")
    ballots: int | None = Field(description="Budget ballots checked out.")


class Grouped(BaseModel):
    figures: Figures
    suppressed: bool = Field(description=SUPPRESSED)


class SpaceFigures(Grouped):
    id: Id
    slug: str
    title: dict[str, str]
    kind: str
    scope_id: Id | None
    area_id: Id | None
    interest_group_ids: list[Id]


class ComponentFigures(Grouped):
    id: Id
    space_id: Id


class PerThousand(BaseModel):
    participants: float | None
    proposals: float | None
    supports: float | None
    comments: float | None
    ballots: float | None


class ScopeFigures(Grouped):
    """A scope counts its own content and its descendants' (a regional, its
    neighbourhoods)."""

    id: Id
    parent_id: Id | None
    code: str
    type: str
    name: dict[str, str]
    population: int | None
    per_1000_inhabitants: PerThousand | None = Field(
        description="Figures per 1,000 inhabitants, where the population is known."
    )


class NamedFigures(Grouped):
    id: Id
    name: dict[str, str]


class MonthFigures(Grouped):
    month: str = Field(description="YYYY-MM, in the city's time zone.")


class CouncilFigures(BaseModel):
    space_id: Id
    slug: str
    title: dict[str, str]
    scope_id: Id | None
    area_id: Id | None
    meetings_held: int = Field(description="Public meetings held, not cancelled.")
    quorum_reached: int = Field(description="Held meetings that had quorum.")
    seats: int = Field(description="Current seats (ceased ones left out).")
    vacant_seats: int


class DemandFigures(BaseModel):
    received: int | None
    answered: int | None = Field(description="With a published answer.")
    answered_within_deadline: int | None
    overdue: int | None = Field(description="Unanswered past their deadline.")
    median_days_to_answer: float | None
    satisfaction_average: float | None = Field(
        description="Mean of the authors' satisfaction ratings."
    )


class ChannelFigures(BaseModel):
    space_id: Id
    slug: str
    title: dict[str, str]
    scope_id: Id | None
    area_id: Id | None
    suppressed: bool = Field(description=SUPPRESSED)
    demands: DemandFigures


class StatsRead(BaseModel):
    computed_at: Timestamp = Field(description="When these figures were computed.")
    refresh_duration_ms: int
    min_people: int = Field(description="Groups with fewer people are suppressed.")
    totals: Grouped
    spaces: list[SpaceFigures]
    components: list[ComponentFigures]
    scopes: list[ScopeFigures]
    areas: list[NamedFigures]
    interest_groups: list[NamedFigures] = Field(
        description="Activity of the people who declared each group (aggregates only)."
    )
    months: list[MonthFigures]
    councils: list[CouncilFigures]
    channels: list[ChannelFigures] = Field(description="Demand handling per channel.")
