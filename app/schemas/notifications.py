"""Bodies of the inbox, notification preferences and parked-event endpoints."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from app.models.events import OutboxStatus
from app.models.notifications import DigestFrequency
from app.schemas.base import ReadModel, RequestModel


class NotificationRead(BaseModel):
    id: int
    event_type: str
    available: bool = Field(
        description=(
            "False when the subject can no longer be read (hidden, made private, "
            "deleted): the texts are then a neutral placeholder and the subject "
            "is not named."
        )
    )
    resource_type: str | None
    resource_id: int | None
    title: dict[str, str]
    body: dict[str, str]
    url: str | None
    read_at: datetime | None
    created_at: datetime


class UnreadCount(BaseModel):
    unread: int


class MarkedRead(BaseModel):
    marked: int


class ChannelsRead(BaseModel):
    event_type: str
    in_app: bool
    email: bool
    push: bool


class NotificationPreferencesRead(BaseModel):
    email_digest: DigestFrequency
    event_types: list[ChannelsRead]


class ChannelsUpdate(RequestModel):
    event_type: str = Field(max_length=80)
    in_app: bool | None = None
    email: bool | None = None
    push: bool | None = None


class NotificationPreferencesUpdate(RequestModel):
    email_digest: DigestFrequency | None = None
    event_types: list[ChannelsUpdate] = Field(default_factory=list, max_length=50)


class OutboxEventRead(ReadModel):
    id: int
    event_type: str
    payload: dict[str, Any]
    status: OutboxStatus
    attempts: int
    last_error: str | None
    available_at: datetime
    created_at: datetime
