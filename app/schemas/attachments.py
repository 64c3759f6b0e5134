"""Bodies of the attachments endpoints: images and PDFs on any resource."""

from datetime import datetime

from pydantic import Field, field_validator

from app.schemas.base import ReadModel, RequestModel

TITLE_MAX = 200
POSITION_MAX = 1_000_000


class AttachmentRead(ReadModel):
    id: int
    resource_type: str = Field(description="The kind of resource it is attached to.")
    resource_id: int
    title: str
    content_type: str = Field(
        description="The type told from the content: image/jpeg, image/png, "
        "image/webp or application/pdf."
    )
    size: int = Field(description="Bytes of the stored file.")
    file_name: str = Field(
        description="The uploaded file's name, sanitised, with the extension of "
        "its real type; the download carries it."
    )
    width: int | None = Field(description="Pixels, for images.")
    height: int | None = Field(description="Pixels, for images.")
    position: int = Field(description="Lists are ordered by it, then by id.")
    uploader_id: int | None
    created_at: datetime
    updated_at: datetime


class AttachmentUpdate(RequestModel):
    title: str | None = Field(
        None,
        min_length=1,
        max_length=TITLE_MAX,
        description=f"At most {TITLE_MAX} characters (Unicode code points).",
    )
    position: int | None = Field(None, ge=0, le=POSITION_MAX)

    @field_validator("title", "position")
    @classmethod
    def _not_null(cls, value: object) -> object:
        # Validators of defaults do not run, so only an explicit null lands here.
        if value is None:
            raise ValueError("may be left out, not set to null")
        return value
