"""Endpoints of the posts domain: news items of a posts component."""

from datetime import datetime

from fastapi import APIRouter, Request, Response, status

from app.deps import CurrentUser, OptionalUser, PathId, SessionDep
from app.routers.links import page_of
from app.schemas.pagination import Cursor, Limit, Page, decode_cursor
from app.schemas.posts import PostCreate, PostRead, PostUpdate
from app.services import posts

router = APIRouter(tags=["posts"])


@router.get("/components/{component_id}/posts", name="list")
async def list_posts(
    component_id: PathId,
    viewer: OptionalUser,
    session: SessionDep,
    request: Request,
    response: Response,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[PostRead]:
    """A posts component's published posts, newest first."""
    found = await posts.list_posts(
        session, viewer, component_id, after=_after(cursor), limit=limit
    )
    return page_of(
        request,
        response,
        [PostRead.model_validate(post) for post in found],
        limit,
        lambda last: [last.published_at.isoformat(), last.id],
    )


@router.post(
    "/components/{component_id}/posts",
    name="create",
    status_code=status.HTTP_201_CREATED,
)
async def create_post(
    component_id: PathId, body: PostCreate, user: CurrentUser, session: SessionDep
) -> PostRead:
    """Publish a post now, or schedule it with a future publication time."""
    post = await posts.create_post(session, user, component_id, body)
    return PostRead.model_validate(post)


@router.get("/posts/{post_id}", name="get")
async def get_post(
    post_id: PathId, viewer: OptionalUser, session: SessionDep
) -> PostRead:
    """A published post."""
    return PostRead.model_validate(await posts.get_post(session, viewer, post_id))


@router.patch("/posts/{post_id}", name="update")
async def update_post(
    post_id: PathId, body: PostUpdate, user: CurrentUser, session: SessionDep
) -> PostRead:
    """Change a post's title, body or publication time."""
    return PostRead.model_validate(
        await posts.update_post(session, user, post_id, body)
    )


@router.delete(
    "/posts/{post_id}", name="delete", status_code=status.HTTP_204_NO_CONTENT
)
async def delete_post(post_id: PathId, user: CurrentUser, session: SessionDep) -> None:
    """Delete a post; sync clients learn of it through its tombstone."""
    await posts.delete_post(session, user, post_id)


def _after(cursor: str | None) -> tuple[datetime, int] | None:
    if cursor is None:
        return None
    published_at, post_id = decode_cursor(cursor, (datetime, int))
    return published_at, post_id
