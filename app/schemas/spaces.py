"""Bodies of the spaces endpoints: spaces, phases, members, roles, timeline."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, field_validator

from app.models.spaces import SpaceKind, SpaceRoleName, SpaceStatus, Visibility
from app.schemas.base import Id, ReadModel, RequestModel
from app.schemas.translations import LongText, ShortText, Subtitle, Title

Slug = Annotated[
    str,
    Field(
        min_length=2,
        max_length=80,
        pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$",
        description=(
            "Lower-case letters, digits and single hyphens, with at least one "
            "letter; unique among spaces."
        ),
        examples=["plano-plurianual-2026"],
    ),
]
ImageUrl = Annotated[str, Field(max_length=500, pattern=r"^https?://\S+$")]
InterestGroupIds = Annotated[
    list[Id], Field(max_length=50, description="Interest groups, without repeats.")
]


class SpacePeriod(StrEnum):
    """Where a space stands against today, in the organisation's time zone."""

    UPCOMING = "upcoming"
    ACTIVE = "active"
    PAST = "past"


def _slug_has_letter(slug: str) -> str:
    # A slug of digits only could never be reached: /spaces/123 means the id.
    if slug.isdigit():
        raise ValueError("a slug needs at least one letter")
    return slug


def _unique_ids(ids: list[int]) -> list[int]:
    return list(dict.fromkeys(ids))


class SpaceCreate(RequestModel):
    kind: SpaceKind
    slug: Slug
    title: Title
    subtitle: Subtitle = {}
    short_description: ShortText = {}
    description: LongText = Field(
        default={}, description="Rich text per locale, sanitised to a small allowlist."
    )
    scope_id: Id | None = None
    area_id: Id | None = None
    interest_group_ids: InterestGroupIds = []
    start_date: date | None = None
    end_date: date | None = Field(default=None, description="On or after start_date.")
    hero_image_url: ImageUrl | None = None
    visibility: Visibility = Visibility.PUBLIC
    transparent: bool = Field(
        default=False,
        description="Private spaces only: readable by all, open to members only.",
    )

    _slug = field_validator("slug")(_slug_has_letter)
    _ids = field_validator("interest_group_ids")(_unique_ids)


class SpaceUpdate(RequestModel):
    """Fields to change; a space's kind and status have their own rules."""

    slug: Slug | None = None
    title: Title | None = None
    subtitle: Subtitle | None = None
    short_description: ShortText | None = None
    description: LongText | None = None
    scope_id: Id | None = None
    area_id: Id | None = None
    interest_group_ids: InterestGroupIds | None = None
    start_date: date | None = None
    end_date: date | None = None
    hero_image_url: ImageUrl | None = None
    visibility: Visibility | None = None
    transparent: bool | None = None

    _slug = field_validator("slug")(_slug_has_letter)
    _ids = field_validator("interest_group_ids")(_unique_ids)

    @field_validator(
        "slug",
        "title",
        "subtitle",
        "short_description",
        "description",
        "interest_group_ids",
        "visibility",
        "transparent",
        mode="before",
    )
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be changed but not removed")
        return value


class SpaceRead(ReadModel):
    id: int
    kind: SpaceKind
    slug: str
    title: dict[str, str]
    subtitle: dict[str, str]
    short_description: dict[str, str]
    description: dict[str, str]
    scope_id: int | None
    area_id: int | None
    interest_group_ids: list[int]
    start_date: date | None
    end_date: date | None
    hero_image_url: str | None
    status: SpaceStatus
    published_at: datetime | None
    visibility: Visibility
    transparent: bool
    is_council: bool
    phase_count: int
    active_phase_id: int | None
    component_count: int = Field(
        description="Components of the space that the reader may see."
    )
    created_at: datetime
    updated_at: datetime


class PhaseCreate(RequestModel):
    title: Title
    description: LongText = {}
    start_date: date | None = None
    end_date: date | None = Field(default=None, description="On or after start_date.")


class PhaseUpdate(RequestModel):
    title: Title | None = None
    description: LongText | None = None
    start_date: date | None = None
    end_date: date | None = None

    @field_validator("title", "description", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be changed but not removed")
        return value


class PhaseOrder(RequestModel):
    phase_ids: list[Id] = Field(
        max_length=100, description="Every phase of the process, in the new order."
    )


class PhaseRead(ReadModel):
    id: int
    space_id: int
    position: int
    title: dict[str, str]
    description: dict[str, str]
    start_date: date | None
    end_date: date | None
    active: bool
    created_at: datetime
    updated_at: datetime


class MemberAdd(RequestModel):
    user_id: Id


class MemberRead(ReadModel):
    user_id: int
    name: str
    nickname: str
    created_at: datetime = Field(description="When the member was admitted.")


class RoleGrant(RequestModel):
    user_id: Id
    role: SpaceRoleName


class RoleRead(ReadModel):
    id: int
    user_id: int
    name: str
    nickname: str
    role: SpaceRoleName
    created_at: datetime


class TimelineEntryRead(ReadModel):
    """What happened in a space, without who did it or what exactly changed."""

    id: int
    action: str
    object_type: str
    object_id: int
    created_at: datetime
