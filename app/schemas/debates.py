"""Bodies of the debates endpoints."""

from datetime import datetime
from enum import StrEnum

from pydantic import Field, field_validator

from app.models.debates import Debate
from app.schemas.base import ReadModel, RequestModel, Timestamp
from app.schemas.translations import LongText, Title

_DESCRIPTION = "Rich text per locale, sanitised to a small allowlist."
_STARTS_AT = "Comments are taken from this time; none: at once."
_ENDS_AT = "Comments are taken until this time; none: until closed."


class DebateOrder(StrEnum):
    RECENT = "recent"
    MOST_COMMENTED = "most_commented"


class DebateState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class DebateCreate(RequestModel):
    title: Title
    description: LongText = Field(description=_DESCRIPTION)
    starts_at: Timestamp | None = Field(None, description=_STARTS_AT)
    ends_at: Timestamp | None = Field(None, description=_ENDS_AT)


class DebateUpdate(RequestModel):
    title: Title | None = None
    description: LongText | None = Field(None, description=_DESCRIPTION)
    starts_at: Timestamp | None = Field(
        None, description=_STARTS_AT + " Send null to remove it."
    )
    ends_at: Timestamp | None = Field(
        None, description=_ENDS_AT + " Send null to remove it."
    )

    @field_validator("title", "description")
    @classmethod
    def _not_null(cls, value: object) -> object:
        # Validators of defaults do not run, so only an explicit null lands here.
        if value is None:
            raise ValueError("may be left out, not set to null")
        return value


class DebateClose(RequestModel):
    conclusions: LongText = Field(
        description="What the debate concluded, per locale; sanitised rich text."
    )

    @field_validator("conclusions")
    @classmethod
    def _given(cls, value: dict[str, str]) -> dict[str, str]:
        if not value:
            raise ValueError("give the conclusions in at least one locale")
        return value


class DebateRead(ReadModel):
    id: int
    component_id: int
    author_id: int
    official: bool = Field(description="Opened by the space's team.")
    title: dict[str, str]
    description: dict[str, str]
    starts_at: datetime | None
    ends_at: datetime | None
    closed_at: datetime | None
    conclusions: dict[str, str]
    comments_count: int
    endorsements_count: int
    accepts_comments: bool = Field(
        description="Open now: not closed and within its dates, if it has some."
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, debate: Debate, accepts_comments: bool) -> "DebateRead":
        return cls.model_validate(
            {
                **{
                    name: getattr(debate, name)
                    for name in cls.model_fields
                    if name != "accepts_comments"
                },
                "accepts_comments": accepts_comments,
            }
        )
