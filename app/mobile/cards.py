"""Compact, localised response bodies of ``/mobile/v1``.

``XCard`` is a row of a list, ``XDetail`` a whole screen. Texts are resolved to
one locale (``locale`` says which one the title came in); summaries are plain
text, descriptions sanitised HTML. ``viewer`` is the signed-in user's state,
absent for anonymous readers and in sync, which is the same for everyone.
"""

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from app.models.comments import Alignment
from app.models.meetings import MeetingType, RegistrationStatus
from app.models.spaces import SpaceKind, SpaceStatus
from app.schemas.meetings import MeetingState


class Card(BaseModel):
    id: int
    locale: str = Field(description="The locale the title is written in.")


class SpaceViewer(BaseModel):
    following: bool


class SpaceCard(Card):
    kind: SpaceKind
    slug: str
    title: str
    subtitle: str
    summary: str = Field(description="Plain text, at most 280 characters.")
    image_url: str | None
    status: SpaceStatus
    start_date: date | None
    end_date: date | None
    scope_id: int | None
    area_id: int | None
    viewer: SpaceViewer | None = None


class ComponentCard(BaseModel):
    id: int
    type: str
    name: str


class SpaceDetail(SpaceCard):
    description_html: str
    components: list[ComponentCard]


class ProposalViewer(BaseModel):
    supported: bool
    following: bool
    may_support: bool
    why_not: str | None = Field(
        description="Why the viewer may not support it now, when they may not."
    )


class ProposalCard(Card):
    space_id: int
    component_id: int
    reference: str | None
    title: str
    summary: str
    image_url: str | None
    status: str
    state: str
    supports_count: int | None = Field(description="None while supports are hidden.")
    comments_count: int
    scope_id: int | None
    address: str | None
    latitude: float | None
    longitude: float | None
    published_at: datetime | None
    viewer: ProposalViewer | None = None


class ProposalDetail(ProposalCard):
    body_html: str
    answer_html: str | None
    image_urls: list[str]


class MeetingViewer(BaseModel):
    following: bool
    registration: RegistrationStatus | None


class MeetingCard(Card):
    space_id: int
    component_id: int
    title: str
    summary: str
    type: MeetingType
    state: MeetingState
    starts_at: datetime
    ends_at: datetime
    address: str | None
    latitude: float | None
    longitude: float | None
    registrations_count: int
    comments_count: int
    viewer: MeetingViewer | None = None


class MeetingDetail(MeetingCard):
    description_html: str
    capacity: int
    registrations_close_at: datetime | None


class CommentCard(BaseModel):
    id: int
    resource_type: str
    resource_id: int
    parent_id: int | None
    depth: int
    body: str = Field(description="Plain text.")
    alignment: Alignment
    author_name: str
    up_votes: int
    down_votes: int
    replies_count: int
    created_at: datetime


class DebateCard(Card):
    space_id: int
    component_id: int
    title: str
    summary: str
    official: bool
    starts_at: datetime | None
    ends_at: datetime | None
    closed_at: datetime | None
    comments_count: int
    created_at: datetime


class PostCard(Card):
    space_id: int
    component_id: int
    title: str
    summary: str
    published_at: datetime


class BudgetProjectCard(Card):
    space_id: int
    component_id: int
    budget_id: int
    title: str
    summary: str
    amount: int
    scope_id: int | None
    address: str | None
    latitude: float | None
    longitude: float | None
    votes_count: int | None = Field(description="None while votes are hidden.")
    comments_count: int
    selected: bool | None = Field(description="None until the outcome is published.")


class ResultCard(Card):
    space_id: int
    component_id: int
    parent_id: int | None
    title: str
    summary: str
    status_id: int | None
    progress: float | None
    start_date: date | None
    end_date: date | None
    scope_id: int | None
    comments_count: int


class SpaceChange(BaseModel):
    type: Literal["space"]
    id: int
    deleted: bool
    record: SpaceCard | None


class ProposalChange(BaseModel):
    type: Literal["proposal"]
    id: int
    deleted: bool
    record: ProposalCard | None


class MeetingChange(BaseModel):
    type: Literal["meeting"]
    id: int
    deleted: bool
    record: MeetingCard | None


class CommentChange(BaseModel):
    type: Literal["comment"]
    id: int
    deleted: bool
    record: CommentCard | None


class DebateChange(BaseModel):
    type: Literal["debate"]
    id: int
    deleted: bool
    record: DebateCard | None


class PostChange(BaseModel):
    type: Literal["post"]
    id: int
    deleted: bool
    record: PostCard | None


class BudgetProjectChange(BaseModel):
    type: Literal["budget_project"]
    id: int
    deleted: bool
    record: BudgetProjectCard | None


class ResultChange(BaseModel):
    type: Literal["result"]
    id: int
    deleted: bool
    record: ResultCard | None


class SurveyChange(BaseModel):
    type: Literal["survey"]
    id: int
    deleted: bool
    record: "SurveyCard | None"


MobileChange = Annotated[
    SpaceChange
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


class SyncPage(BaseModel):
    """Records and tombstones in commit order; ``deleted`` ones have no record."""

    changes: list[MobileChange]
    next_cursor: str = Field(description="Pass as ``since`` to continue.")
    more: bool = Field(description="True when more changes wait: ask again at once.")


FeedReason = Literal[
    "followed_space",
    "my_region",
    "registered_meeting",
    "answered_proposal",
    "closing_soon",
]


class FeedItem(BaseModel):
    """One entry of the home feed; exactly one of the cards is set."""

    reason: FeedReason
    at: datetime
    proposal: ProposalCard | None = None
    meeting: MeetingCard | None = None
    budget: "BudgetCard | None" = None
    survey: "SurveyCard | None" = None


class FeedPage(BaseModel):
    items: list[FeedItem]
    next_cursor: str | None


# Budgets


class BudgetViewer(BaseModel):
    """The viewer's ballot in a budget."""

    project_ids: list[int] = Field(description="The projects on the ballot.")
    total: int = Field(description="What the chosen projects cost, in cents.")
    remaining: int = Field(description="What is left of the budget to spend.")
    rule_met: bool = Field(description="Whether the ballot may be checked out now.")
    why_not: str | None = Field(
        description="Why it may not be checked out yet, when it may not."
    )
    checked_out_at: datetime | None


class BudgetCard(Card):
    space_id: int
    component_id: int
    title: str
    summary: str
    total: int = Field(description="In cents.")
    scope_id: int | None
    voting_open: bool
    ballots_count: int | None = Field(description="None while votes are hidden.")
    outcome_published_at: datetime | None
    viewer: BudgetViewer | None = None


class BudgetDetail(BudgetCard):
    description_html: str
    projects: list["ProjectCard"] = Field(
        description="The first projects in order; the rest through the project list."
    )


class ProjectViewer(BaseModel):
    chosen: bool = Field(description="Whether it is on the viewer's ballot.")


class ProjectCard(Card):
    budget_id: int
    component_id: int
    title: str
    summary: str
    amount: int = Field(description="In cents.")
    image_url: str | None
    scope_id: int | None
    area_id: int | None
    address: str | None
    latitude: float | None
    longitude: float | None
    votes_count: int | None = Field(description="None while votes are hidden.")
    comments_count: int
    selected: bool | None = Field(description="None until the outcome is published.")
    viewer: ProjectViewer | None = None


class ProjectDetail(ProjectCard):
    description_html: str
    image_urls: list[str]
    proposal_ids: list[int]
    selection_reason: str | None


class BallotScreen(BaseModel):
    """A budget after a ballot change: the budget, the ballot, the projects chosen."""

    budget: BudgetCard
    chosen: list[ProjectCard]


# Surveys


class SurveyViewer(BaseModel):
    answered: bool


class SurveyCard(Card):
    space_id: int
    component_id: int
    title: str
    summary: str
    consultation: bool
    opens_on: date | None
    closes_on: date | None
    open: bool = Field(description="Whether it takes answers now.")
    responses_count: int
    results_visible: bool
    viewer: SurveyViewer | None = None


class QuestionOption(BaseModel):
    key: str
    body: str
    free_text: bool = Field(description='An "other" option that takes a text.')


class QuestionRow(BaseModel):
    key: str
    body: str


class QuestionCard(BaseModel):
    id: int
    position: int
    type: str
    body: str
    description_html: str
    mandatory: bool
    max_choices: int | None
    min_value: float | None
    max_value: float | None
    options: list[QuestionOption]
    rows: list[QuestionRow]
    shown_if_question_id: int | None = Field(
        description="Shown only when this question got ``shown_if_option``."
    )
    shown_if_option: str | None


class SurveyDetail(SurveyCard):
    why_closed: str | None = Field(description="Why it takes no answers, if not.")
    description_html: str
    terms_html: str | None = Field(description="To accept before answering, if any.")
    questions: list[QuestionCard]


# Notifications


class NotificationCard(BaseModel):
    id: int
    event_type: str
    locale: str
    available: bool = Field(
        description="False when the subject can no longer be read: neutral texts."
    )
    resource_type: str | None
    resource_id: int | None
    title: str
    body: str
    url: str | None
    read_at: datetime | None
    created_at: datetime


BudgetDetail.model_rebuild()
FeedItem.model_rebuild()
FeedPage.model_rebuild()
