"""Bodies of the API key endpoints."""

from datetime import datetime

from pydantic import Field

from app.models.api_keys import ApiKeyScope
from app.schemas.base import Id, ReadModel, RequestModel


class ApiKeyCreate(RequestModel):
    name: str = Field(min_length=1, max_length=100, description="Who uses it, why.")
    scope: ApiKeyScope = ApiKeyScope.READ
    user_id: Id | None = Field(
        None, description="The account the key acts as; the admin creating it if unset."
    )


class ApiKeyRead(ReadModel):
    id: int
    name: str
    prefix: str = Field(description="The key's first characters, to recognise it.")
    scope: ApiKeyScope
    user_id: int
    last_used_at: datetime | None
    revoked_at: datetime | None
    created_at: datetime


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="The key itself: shown this once, never again.")
