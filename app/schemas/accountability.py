"""Bodies of the accountability endpoints: results, statuses, timelines."""

from datetime import date, datetime
from typing import Annotated

from pydantic import Field, model_validator

from app.schemas.base import Id, ReadModel, RequestModel
from app.schemas.translations import LongText, ShortText, Title

Percent = Annotated[float, Field(ge=0, le=100, description="0 to 100.")]
StatusKey = Annotated[
    str,
    Field(
        pattern=r"^[a-z0-9_]{1,40}$",
        description="Its name in imports and filters (a-z, 0-9, _; 1 to 40).",
    ),
]


class StatusCreate(RequestModel):
    key: StatusKey
    name: Title
    description: ShortText = Field(default_factory=dict)
    progress: Percent | None = Field(
        None, description="The progress a result takes when it gets this status."
    )


class StatusUpdate(RequestModel):
    name: Title | None = None
    description: ShortText | None = None
    progress: Percent | None = None


class StatusRead(ReadModel):
    id: int
    component_id: int
    key: str
    name: dict[str, str]
    description: dict[str, str]
    progress: float | None


class LinkWrite(RequestModel):
    resource_type: str = Field(
        pattern=r"^[a-z_]{1,40}$",
        description=(
            "A kind of the resource registry: proposal, budget_project, meeting."
        ),
    )
    resource_id: Id


class LinkRead(ReadModel):
    resource_type: str
    resource_id: int


class _Dates(RequestModel):
    start_date: date | None = None
    end_date: date | None = None

    @model_validator(mode="after")
    def _ends_after_start(self) -> "_Dates":
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError("end_date must not be before start_date")
        return self


class ResultCreate(_Dates):
    title: Title
    description: LongText = Field(default_factory=dict)
    parent_id: Id | None = Field(None, description="Its parent, two levels at most.")
    status_id: Id | None = None
    progress: Percent | None = Field(
        None, description="None takes the status's default progress."
    )
    weight: float = Field(
        1.0, ge=0, le=1_000_000, description="Its share in a weighted parent."
    )
    scope_id: Id | None = None
    area_id: Id | None = None
    links: list[LinkWrite] = Field(default_factory=list, max_length=200)


class ResultUpdate(_Dates):
    title: Title | None = None
    description: LongText | None = None
    status_id: Id | None = None
    progress: Percent | None = None
    weight: float | None = Field(None, ge=0, le=1_000_000)
    scope_id: Id | None = None
    area_id: Id | None = None
    links: list[LinkWrite] | None = Field(
        None, max_length=200, description="Replaces the links when sent."
    )


class ResultRead(ReadModel):
    id: int
    component_id: int
    space_id: int
    parent_id: int | None
    depth: int
    title: dict[str, str]
    description: dict[str, str]
    status_id: int | None
    progress: float | None
    weight: float
    start_date: date | None
    end_date: date | None
    scope_id: int | None
    area_id: int | None
    external_id: str | None
    children_count: int
    comments_count: int
    links: list[LinkRead] = Field(description="Only those the reader may read.")
    created_at: datetime
    updated_at: datetime


class TimelineEntryCreate(RequestModel):
    entry_date: date | None = Field(
        None, description="The day it happened; today in the organisation's zone."
    )
    description: LongText
    progress: Percent | None = Field(None, description="Sets the result's progress.")
    status_id: Id | None = Field(None, description="Sets the result's status.")


class TimelineEntryRead(ReadModel):
    id: int
    result_id: int
    entry_date: date
    description: dict[str, str]
    progress: float | None
    status_id: int | None
    changes: dict[str, list[object]] = Field(
        description="Fields the update changed, each as [before, after]."
    )
    created_at: datetime


class ResultsFromBudget(RequestModel):
    """Which budget's selected projects become results, and where."""

    budget_id: Id = Field(description="A budget of the same space, outcome published.")
    parent_id: Id | None = Field(None, description="Create them under this result.")
    status_id: Id | None = Field(None, description="The status they start with.")


class ResultsFromBudgetRead(ReadModel):
    created: list[int] = Field(description="Results made now, one per project.")
    existing: list[int] = Field(
        description="Results made by an earlier call, left as they are."
    )
