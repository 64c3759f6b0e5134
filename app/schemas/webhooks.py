"""Bodies of the webhook subscription endpoints (organisation admins)."""

import base64
import binascii
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field, field_validator

from app.models.webhooks import DeliveryStatus
from app.schemas.base import ReadModel, RequestModel
from app.schemas.events import CATALOGUE

SECRET_PREFIX = "whsec_"  # noqa: S105 (a format prefix, not a secret)
SECRET_BYTES = (24, 64)
"""How many random bytes a secret may hold, as Standard Webhooks advises."""


def _known_event_types(names: list[str]) -> list[str]:
    unknown = sorted(set(names) - CATALOGUE.keys())
    if unknown:
        raise ValueError(
            f"unknown event types: {', '.join(unknown)}; see GET /event-types"
        )
    return sorted(set(names))


def _secret(value: str) -> str:
    """A ``whsec_`` prefix and 24 to 64 bytes in base64, as integrators' libraries
    (Standard Webhooks) expect."""
    if not value.startswith(SECRET_PREFIX):
        raise ValueError(f"must start with {SECRET_PREFIX}")
    try:
        key = base64.b64decode(value.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("must be base64 after the whsec_ prefix") from exc
    low, high = SECRET_BYTES
    if not low <= len(key) <= high:
        raise ValueError(f"must hold {low} to {high} bytes")
    return value


EventTypes = Annotated[
    list[Annotated[str, Field(max_length=80)]],
    Field(min_length=1, max_length=100, description="Event types to receive."),
    AfterValidator(_known_event_types),
]
WebhookUrl = Annotated[
    str,
    Field(
        min_length=8,
        max_length=2000,
        description="https; plain http only to loopback outside production.",
    ),
]
Secret = Annotated[
    str,
    Field(
        max_length=120,
        description="whsec_ and 24 to 64 base64 bytes; generated when left out.",
    ),
    AfterValidator(_secret),
]
Description = Annotated[str, Field(max_length=200)]


class WebhookCreate(RequestModel):
    url: WebhookUrl
    event_types: EventTypes
    description: Description = ""
    secret: Secret | None = None
    active: bool = True


class WebhookUpdate(RequestModel):
    """Fields to change; a new ``secret`` signs every delivery from now on."""

    url: WebhookUrl | None = None
    event_types: EventTypes | None = None
    description: Description | None = None
    secret: Secret | None = None
    active: bool | None = None

    @field_validator("url", "event_types", "description", "active", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may be left out, not null")
        return value


class WebhookRead(ReadModel):
    id: int
    url: str
    description: str
    event_types: list[str]
    active: bool
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookRead):
    secret: str = Field(description="Shown this once: keep it to verify signatures.")


class WebhookSecretRead(ReadModel):
    secret: str = Field(description="Shown this once: keep it to verify signatures.")


class WebhookDeliveryRead(ReadModel):
    id: int
    subscription_id: int
    message_id: str = Field(description="The webhook-id header: the event's id.")
    event_type: str
    occurred_at: datetime
    status: DeliveryStatus
    attempts: int
    last_attempt_at: datetime | None
    last_status_code: int | None = Field(
        description="The endpoint's HTTP status; null if it was not reached."
    )
    last_duration_ms: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime


class EventTypeRead(ReadModel):
    name: str
    description: str
