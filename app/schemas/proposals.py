"""Bodies of the proposals endpoints: proposals, supports, answers, demands."""

from datetime import datetime
from enum import StrEnum

from pydantic import Field, field_validator

from app.models.proposals import AuthorKind, ProposalStatus
from app.schemas.base import Id, ReadModel, RequestModel
from app.schemas.translations import LongText, ShortText, Title

_BODY = (
    "Rich text per locale, sanitised to a small allowlist; at most the component's "
    "body_max_length characters (Unicode code points) per locale."
)
_INTEREST_GROUPS = "Interest groups the proposal concerns, by id; at most 20."


class ProposalSort(StrEnum):
    RECENT = "recent"
    MOST_SUPPORTED = "most_supported"
    MOST_COMMENTED = "most_commented"
    RANDOM = "random"
    RECENTLY_ANSWERED = "recently_answered"


class ProposalCreate(RequestModel):
    title: Title
    body: LongText = Field(description=_BODY)
    author_kind: AuthorKind = Field(
        AuthorKind.USER,
        description=(
            "In whose name: the participant, the organisation (official; space "
            "admins only) or a meeting (space admins only; give meeting_id)."
        ),
    )
    meeting_id: Id | None = Field(
        None, description="The meeting, for author_kind meeting."
    )
    scope_id: Id | None = None
    area_id: Id | None = None
    interest_group_ids: list[Id] = Field(
        default_factory=list, max_length=20, description=_INTEREST_GROUPS
    )
    address: str | None = Field(
        None, max_length=300, description="At most 300 characters (code points)."
    )
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)


class ProposalUpdate(RequestModel):
    title: Title | None = None
    body: LongText | None = Field(None, description=_BODY)
    scope_id: Id | None = None
    area_id: Id | None = None
    interest_group_ids: list[Id] | None = Field(
        None, max_length=20, description=_INTEREST_GROUPS
    )
    address: str | None = Field(
        None, max_length=300, description="At most 300 characters (code points)."
    )
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)

    @field_validator("title", "body", "interest_group_ids")
    @classmethod
    def _not_null(cls, value: object) -> object:
        # Validators of defaults do not run, so only an explicit null lands here.
        if value is None:
            raise ValueError("may be left out, not set to null")
        return value


class CoauthorAdd(RequestModel):
    user_id: Id


class EvaluatorAssign(RequestModel):
    user_id: Id = Field(description="A user holding the evaluator role in the space.")


class AnswerCreate(RequestModel):
    state: str = Field(
        min_length=2,
        max_length=40,
        description=(
            "not_answered, evaluating, accepted, rejected, or a custom state token "
            "of the component."
        ),
    )
    answer: ShortText = Field(
        default_factory=dict,
        description=(
            "The official answer; rich text per locale. A rejection needs one with "
            "some text once sanitised."
        ),
    )
    cost_cents: int | None = Field(
        None,
        ge=0,
        le=10**15,
        description="When the component answers with costs: the cost, in cents.",
    )
    cost_report: ShortText = Field(
        default_factory=dict, description="How the cost was reached (with costs)."
    )
    execution_period: ShortText = Field(
        default_factory=dict, description="When it would be carried out (with costs)."
    )


class SatisfactionCreate(RequestModel):
    score: int = Field(ge=1, le=5, description="1 (unhappy) to 5 (very satisfied).")


class AuthorRead(ReadModel):
    kind: AuthorKind
    user_id: int | None = Field(description="The participant, for kind user.")
    meeting_id: int | None


class AnswerRead(ReadModel):
    state: str
    answer: dict[str, str]
    published_at: datetime
    cost_cents: int | None
    cost_report: dict[str, str]
    execution_period: dict[str, str]


class ProposalBrief(ReadModel):
    """A proposal named in another record, such as the minutes of its meeting."""

    id: int
    component_id: int
    reference: str | None
    title: dict[str, str]
    status: str
    state: str = Field(description="The published answer state, else not_answered.")


class ProposalRead(ReadModel):
    id: int
    component_id: int
    reference: str | None = Field(description="Such as CTG-PROP-2026-05-123.")
    author: AuthorRead
    coauthor_ids: list[int]
    title: dict[str, str]
    body: dict[str, str]
    scope_id: int | None
    area_id: int | None
    interest_group_ids: list[int]
    address: str | None
    latitude: float | None
    longitude: float | None
    status: ProposalStatus
    state: str = Field(
        description="The public answer state (not_answered until one is published)."
    )
    answer: AnswerRead | None = Field(description="The published answer, if any.")
    supports_count: int | None = Field(
        description="Null while the component hides supports."
    )
    comments_count: int
    endorsements_count: int
    supported: bool | None = Field(
        description="Whether the reader supports it; null for anonymous readers."
    )
    due_at: datetime | None = Field(description="A demand's answer deadline.")
    overdue: bool = Field(description="A demand still unanswered past its deadline.")
    satisfaction: int | None = Field(description="The author's rating, 1 to 5.")
    published_at: datetime | None
    withdrawn_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ProposalAnswerRead(ReadModel):
    """The answer as the space's team sees it, published or not."""

    proposal_id: int
    state: str
    answer: dict[str, str]
    answered_at: datetime | None
    published_at: datetime | None
    cost_cents: int | None
    cost_report: dict[str, str]
    execution_period: dict[str, str]


class SupportRead(ReadModel):
    proposal_id: int
    supported: bool
    supports_count: int | None = Field(
        description="Null while the component hides supports."
    )


class DemandReportRow(ReadModel):
    area_id: int | None
    received: int
    answered: int
    overdue: int = Field(description="Unanswered demands past their deadline now.")
    median_hours_to_answer: float | None
    mean_satisfaction: float | None


class DemandReport(ReadModel):
    space_id: int
    rows: list[DemandReportRow]
    total: DemandReportRow
