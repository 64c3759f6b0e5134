"""Bodies of the component endpoints: typed settings per type, switches, reads.

Each component type has one settings model; a component's stored settings are
always a full, validated dump of its type's model. Switches say what is open
during a phase (creating, supporting, commenting, voting...).
"""

from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    ValidationInfo,
    field_validator,
)

from app.models.components import Component, ComponentType
from app.schemas.base import Id, ReadModel, RequestModel, Timestamp
from app.schemas.translations import Name, ShortText, Title


class SettingsModel(BaseModel):
    """Settings refuse unknown fields, so a typo never silently does nothing."""

    model_config = ConfigDict(extra="forbid")


M = TypeVar("M", bound=SettingsModel)

Count = Annotated[int, Field(ge=0, le=1_000_000)]


class CustomAnswerState(SettingsModel):
    """An answer state of the component's own, beside the built-in ones."""

    token: str = Field(
        pattern=r"^[a-z][a-z0-9_]{1,39}$",
        description="Its value in answers and filters (lower case, 2 to 40).",
    )
    title: Title
    colour: str = Field(pattern=r"^#[0-9a-fA-F]{6}$", description="As #rrggbb.")

    @field_validator("token")
    @classmethod
    def _not_built_in(cls, value: str) -> str:
        if value in BUILT_IN_ANSWER_STATES:
            raise ValueError(f"{value!r} is a built-in answer state")
        return value


BUILT_IN_ANSWER_STATES = frozenset(
    {"not_answered", "evaluating", "accepted", "rejected", "withdrawn", "draft"}
)
"""Answer states every component has, and the statuses a filter also names."""


class ProposalsSettings(SettingsModel):
    proposal_limit_per_user: Count = Field(
        0, description="Proposals one participant may create; 0 for no limit."
    )
    supports_limit_per_user: Count = Field(
        0, description="Supports one participant may give; 0 for no limit."
    )
    minimum_supports_per_user: Count = Field(
        0,
        description=(
            "Supports a participant must give before any of them counts; "
            "at most supports_limit_per_user when that is set."
        ),
    )
    threshold_per_proposal: Count = Field(
        0, description="Supports a proposal needs to be considered; 0 for none."
    )
    can_accumulate_supports_beyond_threshold: bool = Field(
        False, description="Keep accepting supports once the threshold is reached."
    )
    comments_enabled: bool = Field(True, description="Proposals may be commented.")
    answers_with_costs: bool = Field(
        False, description="An accepting answer states a cost and a cost report."
    )
    publish_answers_immediately: bool = Field(
        True, description="Answers are public at once, not when published in bulk."
    )
    official_proposals_enabled: bool = Field(
        True, description="Admins may create proposals in the organisation's name."
    )
    attachments_allowed: bool = Field(
        False,
        description=(
            "Participants may attach files to their proposals. Space admins may "
            "attach whatever this says."
        ),
    )
    geocoding_enabled: bool = Field(
        False, description="Proposals may carry an address and a map location."
    )
    edit_window_minutes: int = Field(
        5,
        ge=0,
        le=1_440,
        description="Minutes after publishing during which the author may edit.",
    )
    body_max_length: int = Field(
        5_000, ge=15, le=50_000, description="Longest body, in characters."
    )
    custom_answer_states: list[CustomAnswerState] = Field(
        default_factory=list,
        max_length=20,
        description="Answer states of this component beside the built-in ones.",
    )
    answer_deadline_days: int = Field(
        0,
        ge=0,
        le=365,
        description=(
            "In a channel: days the city has to answer a demand, counted in the "
            "organisation's time zone from its publication; 0 for no deadline."
        ),
    )

    @field_validator("custom_answer_states")
    @classmethod
    def _tokens_unique(cls, value: list[CustomAnswerState]) -> list[CustomAnswerState]:
        tokens = [state.token for state in value]
        if len(tokens) != len(set(tokens)):
            raise ValueError("each token may appear once")
        return value

    @field_validator("minimum_supports_per_user")
    @classmethod
    def _minimum_within_limit(cls, value: int, info: ValidationInfo) -> int:
        limit = info.data.get("supports_limit_per_user", 0)
        if limit and value > limit:
            raise ValueError(
                f"must be at most supports_limit_per_user ({limit}) when that is set"
            )
        return value


class MeetingsSettings(SettingsModel):
    participants_can_create: bool = Field(
        False,
        description=(
            "Participants may organise meetings, not only admins; only while the "
            "creation_enabled switch is on too (by default or in the active phase)."
        ),
    )
    comments_enabled: bool = Field(True, description="Meetings may be commented.")
    online_link_minutes_before: int = Field(
        10,
        ge=0,
        le=1_440,
        description="Minutes before the start at which the online link is shown.",
    )
    maps_enabled: bool = Field(True, description="Show in-person meetings on a map.")
    registration_terms: ShortText = Field(
        default_factory=dict,
        description="Terms a participant accepts when registering, per locale.",
    )
    quorum_percent: int = Field(
        50,
        ge=1,
        le=100,
        description=(
            "Councils: a meeting has quorum when the titular seats present exceed "
            "this percentage of those expected (50: an absolute majority)."
        ),
    )


class DebatesSettings(SettingsModel):
    participants_can_create: bool = Field(
        True, description="Participants may open debates, not only admins."
    )
    comments_enabled: bool = Field(True, description="Debates may be commented.")
    comments_max_length: int = Field(
        1_000, ge=1, le=10_000, description="Longest comment, in characters."
    )


class SurveysSettings(SettingsModel):
    allow_answers: bool = Field(True, description="The survey accepts answers.")
    allow_unregistered: bool = Field(
        False, description="Visitors may answer without signing in."
    )
    allow_editing_answers: bool = Field(
        False, description="A participant may change their answers afterwards."
    )
    clean_after_publish: bool = Field(
        True, description="Answers given while previewing are erased on publishing."
    )
    results_public: bool = Field(
        False, description="Aggregated results are shown to everyone."
    )
    starts_at: Timestamp | None = Field(
        None, description="Answers are accepted from this time (none: at once)."
    )
    ends_at: Timestamp | None = Field(
        None, description="Answers are accepted until this time (none: no end)."
    )

    @field_validator("ends_at")
    @classmethod
    def _ends_after_start(
        cls, value: datetime | None, info: ValidationInfo
    ) -> datetime | None:
        starts_at = info.data.get("starts_at")
        if value is not None and starts_at is not None and value <= starts_at:
            raise ValueError("must be after starts_at")
        return value


class MinimumPercentRule(SettingsModel):
    """The order is valid once it spends at least ``percent`` of the budget."""

    rule: Literal["minimum_percent"] = "minimum_percent"
    percent: int = Field(70, ge=0, le=100)


class MinimumProjectsRule(SettingsModel):
    """The order is valid once it holds at least ``minimum_projects`` projects."""

    rule: Literal["minimum_projects"]
    minimum_projects: int = Field(1, ge=1, le=1_000)


class ProjectsRangeRule(SettingsModel):
    """The order holds between ``min_projects`` and ``max_projects`` projects."""

    rule: Literal["projects_range"]
    min_projects: int = Field(1, ge=0, le=1_000)
    max_projects: int = Field(ge=1, le=1_000)

    @field_validator("max_projects")
    @classmethod
    def _max_not_below_min(cls, value: int, info: ValidationInfo) -> int:
        minimum = info.data.get("min_projects", 0)
        if value < minimum:
            raise ValueError(f"must be at least min_projects ({minimum})")
        return value


VoteRule = Annotated[
    MinimumPercentRule | MinimumProjectsRule | ProjectsRangeRule,
    Field(discriminator="rule"),
]


class BudgetsSettings(SettingsModel):
    vote_rule: VoteRule = Field(
        default_factory=MinimumPercentRule,
        description="When a participant's order of projects may be checked out.",
    )
    voter_budget_choice: Literal["any", "all", "by_residence"] = Field(
        "any",
        description=(
            "Which budgets a participant may vote: any one of them, all of them, "
            "or only the one of the scope they declared they live in."
        ),
    )
    show_votes: bool = Field(
        False, description="Show each project's vote count once voting has ended."
    )
    comments_enabled: bool = Field(True, description="Projects may be commented.")
    currency: str = Field(
        "BRL", pattern=r"^[A-Z]{3}$", description="ISO 4217 code of the amounts."
    )


class AccountabilitySettings(SettingsModel):
    display_progress: bool = Field(
        True, description="Show each result's progress, in percent."
    )
    comments_enabled: bool = Field(True, description="Results may be commented.")
    intro: ShortText = Field(
        default_factory=dict, description="Text above the results, per locale."
    )
    progress_aggregation: Literal["mean", "weighted"] = Field(
        "mean",
        description=(
            "How a parent result's progress follows its children's: their mean, "
            "or their mean weighted by each child's weight."
        ),
    )


class PostsSettings(SettingsModel):
    comments_enabled: bool = Field(True, description="Posts may be commented.")


class PagesSettings(SettingsModel):
    show_index: bool = Field(
        True, description="List the component's pages as a table of contents."
    )


SETTINGS_MODELS: dict[ComponentType, type[SettingsModel]] = {
    ComponentType.PROPOSALS: ProposalsSettings,
    ComponentType.MEETINGS: MeetingsSettings,
    ComponentType.DEBATES: DebatesSettings,
    ComponentType.SURVEYS: SurveysSettings,
    ComponentType.BUDGETS: BudgetsSettings,
    ComponentType.ACCOUNTABILITY: AccountabilitySettings,
    ComponentType.POSTS: PostsSettings,
    ComponentType.PAGES: PagesSettings,
}


class Switches(SettingsModel):
    """What participants may do in a component, per phase of its space."""

    creation_enabled: bool = Field(False, description="Participants may create.")
    supports_enabled: bool = Field(False, description="Participants may support.")
    supports_blocked: bool = Field(
        False, description="Supports are shown but no new ones are taken."
    )
    supports_hidden: bool = Field(False, description="Support counts are hidden.")
    comments_enabled: bool = Field(True, description="Participants may comment.")
    comments_blocked: bool = Field(
        False, description="Comments are shown but no new ones are taken."
    )
    votes_enabled: bool = Field(
        False, description="Participants may vote (budgets, elections)."
    )
    votes_hidden: bool = Field(False, description="Vote counts are hidden.")
    answers_enabled: bool = Field(
        True, description="Admins' official answers are published."
    )
    endorsements_enabled: bool = Field(
        False, description="Participants may endorse content."
    )
    amendments_enabled: bool = Field(
        False, description="Participants may propose amendments."
    )


class _ComponentCreateBase(RequestModel):
    name: Name
    default_switches: Switches = Field(
        default_factory=Switches,
        description="Switches when the space has no active phase with its own.",
    )


class ProposalsComponentCreate(_ComponentCreateBase):
    type: Literal["proposals"]
    settings: ProposalsSettings = Field(default_factory=ProposalsSettings)


class MeetingsComponentCreate(_ComponentCreateBase):
    type: Literal["meetings"]
    settings: MeetingsSettings = Field(default_factory=MeetingsSettings)


class DebatesComponentCreate(_ComponentCreateBase):
    type: Literal["debates"]
    settings: DebatesSettings = Field(default_factory=DebatesSettings)


class SurveysComponentCreate(_ComponentCreateBase):
    type: Literal["surveys"]
    settings: SurveysSettings = Field(default_factory=SurveysSettings)


class BudgetsComponentCreate(_ComponentCreateBase):
    type: Literal["budgets"]
    settings: BudgetsSettings = Field(default_factory=BudgetsSettings)


class AccountabilityComponentCreate(_ComponentCreateBase):
    type: Literal["accountability"]
    settings: AccountabilitySettings = Field(default_factory=AccountabilitySettings)


class PostsComponentCreate(_ComponentCreateBase):
    type: Literal["posts"]
    settings: PostsSettings = Field(default_factory=PostsSettings)


class PagesComponentCreate(_ComponentCreateBase):
    type: Literal["pages"]
    settings: PagesSettings = Field(default_factory=PagesSettings)


AnyComponentCreate = Annotated[
    ProposalsComponentCreate
    | MeetingsComponentCreate
    | DebatesComponentCreate
    | SurveysComponentCreate
    | BudgetsComponentCreate
    | AccountabilityComponentCreate
    | PostsComponentCreate
    | PagesComponentCreate,
    Field(discriminator="type"),
]


class ComponentCreate(RootModel[AnyComponentCreate]):
    """A new component: ``type`` chooses the settings model ``settings`` follows."""

    root: AnyComponentCreate


class ComponentUpdate(RequestModel):
    name: Name | None = None
    settings: dict[str, Any] | None = Field(
        None,
        description=(
            "Fields of the settings model of the component's type (such as "
            "ProposalsSettings); those sent replace the stored ones, others stay."
        ),
    )
    default_switches: Switches | None = Field(
        None, description="Switches sent replace the stored ones; others stay."
    )


class ComponentOrder(RequestModel):
    ids: list[Id] = Field(
        max_length=1_000,
        description="Every component of the space, each once, in the new order.",
    )


class ComponentRead(ReadModel):
    id: int
    space_id: int
    type: ComponentType
    name: dict[str, str]
    position: int
    published_at: datetime | None
    settings: dict[str, Any] = Field(
        description="A full dump of the settings model of the component's type."
    )
    default_switches: Switches
    phase_switches: dict[int, Switches] = Field(
        description="The switches of each phase that has its own, by phase id."
    )
    current_switches: Switches = Field(
        description="The switches in force: the active phase's, else the defaults."
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, component: Component, current_switches: Switches) -> "ComponentRead":
        return cls(
            id=component.id,
            space_id=component.space_id,
            type=component.type,
            name=component.name,
            position=component.position,
            published_at=component.published_at,
            settings=stored_settings(component).model_dump(mode="json"),
            default_switches=stored_switches(component.default_switches),
            phase_switches={
                int(phase_id): stored_switches(switches)
                for phase_id, switches in component.phase_switches.items()
            },
            current_switches=current_switches,
            created_at=component.created_at,
            updated_at=component.updated_at,
        )


def stored_settings(component: Component) -> SettingsModel:
    """The component's settings read back, with defaults for fields added since."""
    return _known_fields(SETTINGS_MODELS[component.type], component.settings)


def stored_switches(switches: dict[str, Any] | None) -> Switches:
    return _known_fields(Switches, switches or {})


def _known_fields(model: type[M], stored: dict[str, Any]) -> M:
    # A field dropped from a model must not make old rows unreadable.
    return model.model_validate(
        {key: value for key, value in stored.items() if key in model.model_fields}
    )
