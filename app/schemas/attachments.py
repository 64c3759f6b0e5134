"""Bodies of the attachments endpoints: images and PDFs on any resource."""

from datetime import datetime

from pydantic import Field

from app.schemas.base import ReadModel

TITLE_MAX = 200


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
