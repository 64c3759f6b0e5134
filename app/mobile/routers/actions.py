"""What the app writes: proposals with a photo and a location, supports,
comments and meeting registrations. Each answers with the updated screen."""

from typing import Annotated

from fastapi import APIRouter, File, UploadFile, status
from sqlalchemy.ext.asyncio import AsyncSession

from app.deps import CurrentUser, LocalZone, PathId, RuntimeDep, SessionDep
from app.errors import InvalidInputError
from app.mobile import cards, present
from app.mobile.deps import ReaderDep
from app.mobile.present import Reader
from app.mobile.schemas import (
    MobileCommentCreate,
    MobileProposalCreate,
    MobileRegistrationCreate,
)
from app.schemas.proposals import ProposalCreate
from app.services import (
    attachments,
    comments,
    meeting_registrations,
    meetings,
    proposals,
)

router = APIRouter(tags=["actions"])

PHOTO_PATH = r"/proposals/[0-9]+/photos"
"""Where photos are uploaded, for the larger request body limit of uploads."""


async def _proposal_screen(
    session: AsyncSession, reader: Reader, proposal_id: int
) -> cards.ProposalDetail:
    context = await proposals.readable_context(session, reader.viewer, proposal_id)
    return await present.proposal_detail(session, reader, context)


async def _meeting_screen(
    session: AsyncSession, reader: Reader, meeting_id: int
) -> cards.MeetingDetail:
    view = await meetings.get_meeting_view(session, reader.viewer, meeting_id)
    return await present.meeting_detail(session, reader, view)


@router.post(
    "/components/{component_id}/proposals",
    name="create_proposal",
    status_code=status.HTTP_201_CREATED,
)
async def create_proposal(
    component_id: PathId,
    body: MobileProposalCreate,
    user: CurrentUser,
    reader: ReaderDep,
    session: SessionDep,
    zone: LocalZone,
) -> cards.ProposalDetail:
    """Propose, with a place if given; published at once unless told not to.
    Add photos with ``POST /proposals/{id}/photos``."""
    data = ProposalCreate.model_validate(body.model_dump(exclude={"publish"}))
    created = await proposals.create_proposal(session, user, component_id, data)
    if body.publish:
        await proposals.publish_proposal(session, user, created.id, zone)
    return await _proposal_screen(session, reader, created.id)


@router.post(
    "/proposals/{proposal_id}/photos",
    name="add_photo",
    status_code=status.HTTP_201_CREATED,
    responses={
        409: {"description": "The proposal holds as many attachments as it may"},
        413: {"description": "The file is larger than the attachment limit"},
        415: {"description": "Not a JPEG, PNG or WebP image"},
    },
)
async def add_photo(
    proposal_id: PathId,
    file: Annotated[
        UploadFile,
        File(description="A JPEG, PNG or WebP photo; its metadata (GPS) is removed."),
    ],
    user: CurrentUser,
    reader: ReaderDep,
    session: SessionDep,
    runtime: RuntimeDep,
) -> cards.ProposalDetail:
    """Add a photo to your proposal while it may still be edited."""
    upload = attachments.NewFile(content=file.file, file_name=file.filename, title=None)
    await attachments.attach(
        session, runtime.settings, user, "proposal", proposal_id, upload
    )
    return await _proposal_screen(session, reader, proposal_id)


@router.post("/proposals/{proposal_id}/support", name="support")
async def support(
    proposal_id: PathId, user: CurrentUser, reader: ReaderDep, session: SessionDep
) -> cards.ProposalDetail:
    """Support a proposal, within the component's limits."""
    await proposals.support_proposal(session, user, proposal_id)
    return await _proposal_screen(session, reader, proposal_id)


@router.delete("/proposals/{proposal_id}/support", name="unsupport")
async def unsupport(
    proposal_id: PathId, user: CurrentUser, reader: ReaderDep, session: SessionDep
) -> cards.ProposalDetail:
    """Take your support back."""
    await proposals.unsupport_proposal(session, user, proposal_id)
    return await _proposal_screen(session, reader, proposal_id)


@router.post(
    "/resources/{resource_type}/{resource_id}/comments",
    name="comment",
    status_code=status.HTTP_201_CREATED,
)
async def comment(
    resource_type: str,
    resource_id: PathId,
    body: MobileCommentCreate,
    user: CurrentUser,
    reader: ReaderDep,
    session: SessionDep,
) -> cards.CommentCard:
    """Comment on a resource, or answer one of its comments (``parent_id``)."""
    if body.parent_id is None:
        view = await comments.create_comment(
            session, user, resource_type, resource_id, body.body, body.alignment
        )
    else:
        view = await comments.reply(
            session, user, body.parent_id, body.body, body.alignment
        )
        on = (view.comment.resource_type, view.comment.resource_id)
        if on != (resource_type, resource_id):
            raise InvalidInputError(
                "The comment answered is on another resource.", field="parent_id"
            )
    return (await present.comment_cards(session, reader, [view.comment]))[0]


@router.post("/meetings/{meeting_id}/registration", name="register")
async def register(
    meeting_id: PathId,
    body: MobileRegistrationCreate,
    user: CurrentUser,
    reader: ReaderDep,
    session: SessionDep,
) -> cards.MeetingDetail:
    """Take a place (or a place in the queue) at a meeting."""
    await meeting_registrations.register(session, user, meeting_id, body)
    return await _meeting_screen(session, reader, meeting_id)


@router.delete("/meetings/{meeting_id}/registration", name="unregister")
async def unregister(
    meeting_id: PathId, user: CurrentUser, reader: ReaderDep, session: SessionDep
) -> cards.MeetingDetail:
    """Give your place up; the queue moves up."""
    await meeting_registrations.cancel_registration(session, user, meeting_id)
    return await _meeting_screen(session, reader, meeting_id)
