"""Endpoints of the attachments domain: images and PDFs on any resource."""

from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Request, Response, UploadFile, status
from fastapi.responses import FileResponse

from app.deps import CurrentUser, OptionalUser, PathId, RuntimeDep, SessionDep
from app.routers.links import page_of
from app.schemas.attachments import (
    POSITION_MAX,
    TITLE_MAX,
    AttachmentRead,
    AttachmentUpdate,
)
from app.schemas.pagination import Cursor, Limit, Page, decode_cursor
from app.services import attachments, uploads

router = APIRouter(tags=["attachments"])

UPLOAD_PATH = r"/resources/[^/]+/[^/]+/attachments"
"""The upload route, as a pattern: the body limit lets it carry a whole file."""

MULTIPART_OVERHEAD_BYTES = 64 * 1024
"""Room for the multipart boundaries, part headers and the other form fields."""

ResourceType = Annotated[
    str,
    Path(
        max_length=40,
        pattern=r"^[a-z_]+$",
        description="The kind of resource: post, space, proposal...",
    ),
]

_DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-cache",
}


@router.get("/resources/{resource_type}/{resource_id}/attachments", name="list")
async def list_attachments(
    resource_type: ResourceType,
    resource_id: PathId,
    viewer: OptionalUser,
    session: SessionDep,
    request: Request,
    response: Response,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[AttachmentRead]:
    """A resource's attachments, by position; a 404 if the resource is not readable."""
    after = None
    if cursor is not None:
        position, last_id = decode_cursor(cursor, (int, int))
        after = (position, last_id)
    found = await attachments.list_attachments(
        session, viewer, resource_type, resource_id, after=after, limit=limit
    )
    return page_of(
        request,
        response,
        [AttachmentRead.model_validate(item) for item in found],
        limit,
        lambda last: [last.position, last.id],
    )


@router.post(
    "/resources/{resource_type}/{resource_id}/attachments",
    name="create",
    status_code=status.HTTP_201_CREATED,
    responses={
        409: {"description": "The resource holds as many attachments as it may"},
        413: {"description": "The file is larger than the attachment limit"},
        415: {"description": "Not a JPEG, PNG or WebP image nor a PDF"},
    },
)
async def create_attachment(
    resource_type: ResourceType,
    resource_id: PathId,
    file: Annotated[
        UploadFile,
        File(
            description="A JPEG, PNG or WebP image or a PDF. The type is told from "
            "the content; images are re-encoded without their metadata (EXIF, GPS)."
        ),
    ],
    user: CurrentUser,
    session: SessionDep,
    runtime: RuntimeDep,
    title: Annotated[
        str | None,
        Form(
            max_length=TITLE_MAX,
            description=f"At most {TITLE_MAX} characters (Unicode code points); "
            "omitted: the file's name.",
        ),
    ] = None,
    position: Annotated[int, Form(ge=0, le=POSITION_MAX)] = 0,
) -> AttachmentRead:
    """Attach an image or a PDF to a resource (space admins, or its authors)."""
    upload = attachments.NewFile(
        content=file.file,
        file_name=file.filename,
        title=title.strip() if title else None,
        position=position,
    )
    attachment = await attachments.attach(
        session, runtime.settings, user, resource_type, resource_id, upload
    )
    return AttachmentRead.model_validate(attachment)


@router.get("/attachments/{attachment_id}", name="get")
async def get_attachment(
    attachment_id: PathId, viewer: OptionalUser, session: SessionDep
) -> AttachmentRead:
    """An attachment's details, if its resource is readable."""
    attachment = await attachments.get_attachment(session, viewer, attachment_id)
    return AttachmentRead.model_validate(attachment)


@router.patch("/attachments/{attachment_id}", name="update")
async def update_attachment(
    attachment_id: PathId,
    body: AttachmentUpdate,
    user: CurrentUser,
    session: SessionDep,
) -> AttachmentRead:
    """Rename or move an attachment (its uploader or a space admin)."""
    attachment = await attachments.update_attachment(session, user, attachment_id, body)
    return AttachmentRead.model_validate(attachment)


@router.get(
    "/attachments/{attachment_id}/file",
    name="download",
    response_class=FileResponse,
    responses={
        200: {
            "description": "The file, in its stored type.",
            "content": {
                content_type: {"schema": {"type": "string", "format": "binary"}}
                for content_type in sorted(uploads.ACCEPTED)
            },
        }
    },
)
async def download_attachment(
    attachment_id: PathId,
    viewer: OptionalUser,
    session: SessionDep,
    runtime: RuntimeDep,
) -> FileResponse:
    """The stored file: images shown inline, PDFs downloaded, never run."""
    attachment, path = await attachments.file_of(
        session, runtime.settings, viewer, attachment_id
    )
    is_image = attachment.content_type.startswith("image/")
    return FileResponse(
        path,
        media_type=attachment.content_type,
        filename=attachment.file_name,
        content_disposition_type="inline" if is_image else "attachment",
        headers=_DOWNLOAD_HEADERS,
    )


@router.delete(
    "/attachments/{attachment_id}",
    name="delete",
    status_code=status.HTTP_204_NO_CONTENT,
)
async def delete_attachment(
    attachment_id: PathId, user: CurrentUser, session: SessionDep, runtime: RuntimeDep
) -> None:
    """Delete an attachment (its uploader or a space admin); its file is removed."""
    await attachments.delete_attachment(session, runtime.settings, user, attachment_id)
