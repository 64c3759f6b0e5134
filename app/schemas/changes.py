"""The integrators' change feed: full records and tombstones in commit order."""

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from app.schemas.accountability import ResultRead
from app.schemas.budgets import BudgetProjectRead
from app.schemas.comments import CommentRead
from app.schemas.components import ComponentRead
from app.schemas.debates import DebateRead
from app.schemas.meetings import MeetingRead
from app.schemas.posts import PostRead
from app.schemas.proposals import ProposalRead
from app.schemas.spaces import SpaceRead
from app.schemas.surveys import SurveyRead


class SpaceChange(BaseModel):
    type: Literal["space"]
    id: int
    deleted: bool
    record: SpaceRead | None


class ComponentChange(BaseModel):
    type: Literal["component"]
    id: int
    deleted: bool
    record: ComponentRead | None


class ProposalChange(BaseModel):
    type: Literal["proposal"]
    id: int
    deleted: bool
    record: ProposalRead | None


class MeetingChange(BaseModel):
    type: Literal["meeting"]
    id: int
    deleted: bool
    record: MeetingRead | None


class CommentChange(BaseModel):
    type: Literal["comment"]
    id: int
    deleted: bool
    record: CommentRead | None


class DebateChange(BaseModel):
    type: Literal["debate"]
    id: int
    deleted: bool
    record: DebateRead | None


class PostChange(BaseModel):
    type: Literal["post"]
    id: int
    deleted: bool
    record: PostRead | None


class BudgetProjectChange(BaseModel):
    type: Literal["budget_project"]
    id: int
    deleted: bool
    record: BudgetProjectRead | None


class ResultChange(BaseModel):
    type: Literal["result"]
    id: int
    deleted: bool
    record: ResultRead | None


class SurveyChange(BaseModel):
    type: Literal["survey"]
    id: int
    deleted: bool
    record: SurveyRead | None


RecordChange = Annotated[
    SpaceChange
    | ComponentChange
    | ProposalChange
    | MeetingChange
    | CommentChange
    | DebateChange
    | PostChange
    | BudgetProjectChange
    | ResultChange
    | SurveyChange,
    Field(discriminator="type"),
]


class ChangesPage(BaseModel):
    """Records in public view and tombstones (``deleted``, no record) for what
    left it, in commit order."""

    changes: list[RecordChange]
    next_cursor: str = Field(description="Pass as ``since`` to continue.")
    more: bool = Field(description="True when more changes wait: ask again at once.")
