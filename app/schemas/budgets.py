"""Bodies of the budgets endpoints: budgets, projects, ballots, outcomes."""

from datetime import datetime
from typing import Annotated, Self

from pydantic import BaseModel, Field, field_validator, model_validator

from app.models.budgets import BallotType, OutcomeRule
from app.schemas.base import Id, RequestModel
from app.schemas.translations import LongText, Title

MAX_AMOUNT = 10**15
Amount = Annotated[
    int,
    Field(
        ge=1,
        le=MAX_AMOUNT,
        description="In cents: hundredths of the currency's unit (centavos).",
    ),
]
_HIDDEN = "Null while the component hides vote counts."


class BudgetCreate(RequestModel):
    title: Title
    description: LongText = Field(
        default_factory=dict, description="Rich text per locale, sanitised."
    )
    scope_id: Id | None = Field(
        None, description="The territory whose residents it serves; none: everyone."
    )
    total: Amount


class BudgetUpdate(RequestModel):
    title: Title | None = None
    description: LongText | None = None
    scope_id: Id | None = None
    total: Amount | None = Field(
        None, description="Refused with 409 once the budget has ballots."
    )

    @field_validator("title", "description", "total")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may be left out, not set to null")
        return value


class BudgetRead(BaseModel):
    id: int
    component_id: int
    space_id: int
    position: int
    title: dict[str, str]
    description: dict[str, str]
    scope_id: int | None
    total: int
    ballot_type: BallotType
    ballots_count: int | None = Field(
        description="Checked-out online (and imported) ballots. " + _HIDDEN
    )
    paper_ballots_count: int | None = Field(
        description="Paper ballots recorded by the city. " + _HIDDEN
    )
    outcome_rule: OutcomeRule | None = Field(
        description="The rule of the published outcome (the team sees a draft's)."
    )
    outcome_published_at: datetime | None
    created_at: datetime
    updated_at: datetime


class _ProjectFields(RequestModel):
    description: LongText | None = Field(
        None, description="Rich text per locale, sanitised."
    )
    scope_id: Id | None = None
    area_id: Id | None = None
    address: str | None = Field(None, min_length=1, max_length=300)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    proposal_ids: list[Id] | None = Field(
        None,
        max_length=100,
        description="Proposals of the same space it comes from; replaces the list.",
    )


class BudgetProjectCreate(_ProjectFields):
    title: Title
    amount: Amount


class BudgetProjectUpdate(_ProjectFields):
    title: Title | None = None
    amount: Amount | None = Field(
        None, description="Refused with 409 once the budget has ballots."
    )

    @field_validator("title", "amount", "description", "proposal_ids")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may be left out, not set to null")
        return value


class BudgetProjectRead(BaseModel):
    id: int
    budget_id: int
    component_id: int
    position: int
    title: dict[str, str]
    description: dict[str, str]
    amount: int
    scope_id: int | None
    area_id: int | None
    address: str | None
    latitude: float | None
    longitude: float | None
    proposal_ids: list[int] = Field(description="The linked proposals one may read.")
    votes_count: int | None = Field(
        description="Checked-out online (and imported) ballots choosing it. " + _HIDDEN
    )
    paper_votes_count: int | None = Field(
        description="Paper ballots choosing it. " + _HIDDEN
    )
    comments_count: int
    selected: bool | None = Field(
        description="Whether the published outcome funds it; null before one."
    )
    selection_reason: str | None = Field(
        description="Why it was or was not selected, by the outcome's rule."
    )
    created_at: datetime
    updated_at: datetime


class BallotRead(BaseModel):
    """The signed-in voter's ballot in one budget."""

    budget_id: int
    project_ids: list[int]
    total: int
    projects_count: int
    remaining: int = Field(description="What is left of the budget to spend.")
    rule_met: bool = Field(description="Whether the ballot may be checked out now.")
    checked_out_at: datetime | None


class PaperBallotsCreate(RequestModel):
    ballots: list[Annotated[list[Id], Field(min_length=1, max_length=500)]] = Field(
        min_length=1,
        max_length=5_000,
        description="Paper ballots counted in person, each the ids of its projects.",
    )

    @field_validator("ballots")
    @classmethod
    def _projects_once(cls, value: list[list[int]]) -> list[list[int]]:
        for number, ballot in enumerate(value):
            if len(ballot) != len(set(ballot)):
                raise ValueError(f"ballot {number} names a project twice")
        return value


class PaperBallotsRecorded(BaseModel):
    recorded: int


class OutcomeCompute(RequestModel):
    rule: OutcomeRule
    threshold: int | None = Field(
        None,
        ge=0,
        le=10**9,
        description="Minimum score a project needs; only for greedy-threshold.",
    )

    @model_validator(mode="after")
    def _threshold_with_its_rule(self) -> Self:
        needs = self.rule is OutcomeRule.GREEDY_THRESHOLD
        if needs and self.threshold is None:
            raise ValueError("greedy-threshold needs a threshold")
        if not needs and self.threshold is not None:
            raise ValueError("only greedy-threshold takes a threshold")
        return self


class OutcomeProject(BaseModel):
    project_id: int
    selected: bool
    reason: str
    score: int | None = Field(description="Points the rule counted. " + _HIDDEN)


class OutcomeRead(BaseModel):
    budget_id: int
    rule: OutcomeRule
    threshold: int | None
    computed_at: datetime
    published_at: datetime | None
    spent: int = Field(description="The total amount of the selected projects.")
    projects: list[OutcomeProject]
