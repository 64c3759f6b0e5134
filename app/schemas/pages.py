"""Bodies of the pages endpoints: static texts of a pages component."""

from datetime import datetime
from typing import Annotated

from pydantic import Field, field_validator

from app.schemas.base import Id, ReadModel, RequestModel
from app.schemas.translations import LongText, Title

Slug = Annotated[
    str,
    Field(
        min_length=1,
        max_length=80,
        pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$",
        description=(
            "Lower-case letters, digits and single hyphens; unique among the "
            "component's pages."
        ),
        examples=["regimento-interno"],
    ),
]
_BODY = "Rich text per locale, sanitised to a small allowlist."


class PageCreate(RequestModel):
    slug: Slug
    title: Title
    body: LongText = Field(description=_BODY)


class PageUpdate(RequestModel):
    slug: Slug | None = None
    title: Title | None = None
    body: LongText | None = Field(None, description=_BODY)

    @field_validator("slug", "title", "body")
    @classmethod
    def _not_null(cls, value: object) -> object:
        # Validators of defaults do not run, so only an explicit null lands here.
        if value is None:
            raise ValueError("may be left out, not set to null")
        return value


class PageOrder(RequestModel):
    ids: list[Id] = Field(
        max_length=1_000,
        description="Every page of the component, each once, in the new order.",
    )


class PageSummary(ReadModel):
    """A page in a list: enough for a table of contents."""

    id: int
    component_id: int
    slug: str
    title: dict[str, str]
    position: int
    updated_at: datetime


class PageRead(PageSummary):
    body: dict[str, str]
    created_at: datetime
