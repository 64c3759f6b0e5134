"""Bodies of the posts endpoints: news items of a posts component."""

from datetime import datetime

from pydantic import Field, field_validator

from app.models.base import utcnow
from app.schemas.base import ReadModel, RequestModel, Timestamp
from app.schemas.translations import LongText, Title

_BODY = "Rich text per locale, sanitised to a small allowlist."
_PUBLISHED_AT = (
    "When the post becomes public; a future time schedules it (only the space's "
    "team sees it until then)."
)


class PostCreate(RequestModel):
    title: Title
    body: LongText = Field(description=_BODY)
    published_at: Timestamp = Field(
        default_factory=utcnow, description=_PUBLISHED_AT + " Omitted: now."
    )


class PostUpdate(RequestModel):
    title: Title | None = None
    body: LongText | None = Field(None, description=_BODY)
    published_at: Timestamp | None = Field(None, description=_PUBLISHED_AT)

    @field_validator("title", "body", "published_at")
    @classmethod
    def _not_null(cls, value: object) -> object:
        # Validators of defaults do not run, so only an explicit null lands here.
        if value is None:
            raise ValueError("may be left out, not set to null")
        return value


class PostRead(ReadModel):
    id: int
    component_id: int
    title: dict[str, str]
    body: dict[str, str]
    published_at: datetime
    created_at: datetime
    updated_at: datetime
