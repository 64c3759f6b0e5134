"""Endpoints of the comments domain: threads on any commentable resource.

A resource is named by ``resource_type`` and ``resource_id`` (a debate, a
proposal, a post...). Root comments are listed per resource; each comment's
replies are listed, and paginated, under the comment.
"""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from app.deps import CurrentUser, OptionalUser, PathId, SessionDep
from app.routers.links import set_next_link
from app.schemas.base import MAX_ID
from app.schemas.comments import (
    CommentCreate,
    CommentOrder,
    CommentRead,
    CommentUpdate,
    ReplyCreate,
    ResourceType,
    VoteCast,
)
from app.schemas.pagination import Cursor, Limit, Page
from app.services import comments
from app.services.comments import CommentPage, CommentView

router = APIRouter(tags=["comments"])

Order = Annotated[
    CommentOrder,
    Query(description="oldest first, most recent first, or best rated (up - down)."),
]


@router.get("/comments", name="list")
async def list_comments(
    resource_type: Annotated[ResourceType, Query()],
    resource_id: Annotated[int, Query(ge=1, le=MAX_ID)],
    viewer: OptionalUser,
    session: SessionDep,
    request: Request,
    response: Response,
    order: Order = CommentOrder.OLDEST,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[CommentRead]:
    """The root comments of a resource, named by `resource_type` and `resource_id`.

    Any kind registered as commentable (debate, post, proposal...) is addressed
    this way; a resource the viewer may not read is a 404. Each comment's
    replies are listed under it, at `/comments/{comment_id}/replies`.
    """
    found = await comments.list_comments(
        session,
        viewer,
        resource_type,
        resource_id,
        order=order,
        cursor=cursor,
        limit=limit,
    )
    return _page(request, response, found)


@router.post("/comments", name="create", status_code=status.HTTP_201_CREATED)
async def create_comment(
    body: CommentCreate, user: CurrentUser, session: SessionDep
) -> CommentRead:
    """Comment on a resource (by `resource_type` and `resource_id`) while its
    comments are open; the commenter then follows the resource."""
    view = await comments.create_comment(
        session,
        user,
        body.resource_type,
        body.resource_id,
        body.body,
        body.alignment,
    )
    return _read(view)


@router.get("/comments/{comment_id}", name="get")
async def get_comment(
    comment_id: PathId, viewer: OptionalUser, session: SessionDep
) -> CommentRead:
    """A comment on a resource the viewer may read."""
    return _read(await comments.get_comment(session, viewer, comment_id))


@router.patch("/comments/{comment_id}", name="update")
async def update_comment(
    comment_id: PathId, body: CommentUpdate, user: CurrentUser, session: SessionDep
) -> CommentRead:
    """Edit one's own comment while its thread is open."""
    return _read(await comments.update_comment(session, user, comment_id, body.body))


@router.delete(
    "/comments/{comment_id}", name="delete", status_code=status.HTTP_204_NO_CONTENT
)
async def delete_comment(
    comment_id: PathId, user: CurrentUser, session: SessionDep
) -> None:
    """Delete one's own comment; a tombstone keeps its replies in their thread."""
    await comments.delete_comment(session, user, comment_id)


@router.get("/comments/{comment_id}/replies", name="list_replies")
async def list_replies(
    comment_id: PathId,
    viewer: OptionalUser,
    session: SessionDep,
    request: Request,
    response: Response,
    order: Order = CommentOrder.OLDEST,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[CommentRead]:
    """A comment's direct replies."""
    found = await comments.list_replies(
        session, viewer, comment_id, order=order, cursor=cursor, limit=limit
    )
    return _page(request, response, found)


@router.post(
    "/comments/{comment_id}/replies",
    name="reply",
    status_code=status.HTTP_201_CREATED,
)
async def reply(
    comment_id: PathId, body: ReplyCreate, user: CurrentUser, session: SessionDep
) -> CommentRead:
    """Reply to a comment of depth 0 to 2; a depth-3 comment takes no replies."""
    view = await comments.reply(session, user, comment_id, body.body, body.alignment)
    return _read(view)


@router.put("/comments/{comment_id}/vote", name="vote")
async def vote(
    comment_id: PathId, body: VoteCast, user: CurrentUser, session: SessionDep
) -> CommentRead:
    """Vote a comment up or down; one vote per user, which a new one replaces."""
    return _read(await comments.vote(session, user, comment_id, body.direction))


@router.delete("/comments/{comment_id}/vote", name="unvote")
async def unvote(
    comment_id: PathId, user: CurrentUser, session: SessionDep
) -> CommentRead:
    """Withdraw one's vote on a comment."""
    return _read(await comments.unvote(session, user, comment_id))


def _page(
    request: Request, response: Response, found: CommentPage
) -> Page[CommentRead]:
    set_next_link(request, response, found.next_cursor)
    return Page(
        items=[_read(view) for view in found.items], next_cursor=found.next_cursor
    )


def _read(view: CommentView) -> CommentRead:
    return CommentRead.of(view.comment, view.author, view.my_vote)
