"""Bodies of the moderation endpoints: reports, decisions and blocks."""

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field

from app.models.moderation import ReportReason
from app.schemas.base import Id, ReadModel, RequestModel

ReportableType = Literal["proposal", "comment", "debate", "meeting", "user"]


class ModerationState(StrEnum):
    PENDING = "pending"
    """Reported, awaiting a moderator; visible unless the reports hid it."""
    HIDDEN = "hidden"
    DISMISSED = "dismissed"
    """A moderator judged the reports unfounded; the content stays."""


class ReportCreate(RequestModel):
    resource_type: ReportableType
    resource_id: Id
    reason: ReportReason
    details: str = Field("", max_length=1_000, description="What is wrong, briefly.")


class ReportRead(ReadModel):
    """The reporter's own report: the only one anyone sees with a name on it."""

    resource_type: str
    resource_id: int
    reason: ReportReason
    details: str
    created_at: datetime


class ReportSummary(ReadModel):
    """A report as moderators see it: what and when, never by whom."""

    reason: ReportReason
    details: str
    created_at: datetime


class ModerationRead(ReadModel):
    id: int
    resource_type: str
    resource_id: int
    space_id: int | None
    state: ModerationState
    reports_count: int
    excerpt: str = Field(description="The reported text, so moderators can judge.")
    hidden_at: datetime | None
    dismissed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    reports: list[ReportSummary] | None = Field(
        None, description="The reports, oldest first (on a single moderation only)."
    )


class BlockCreate(RequestModel):
    reason: str = Field(min_length=1, max_length=1_000)
    hide_content: bool = Field(
        False, description="Also hide everything the person wrote, in one step."
    )


class BlockRead(ReadModel):
    user_id: int
    blocked_at: datetime | None
    blocked_reason: str | None
    hidden_count: int = Field(0, description="Contributions hidden with the block.")
