"""Posts: news items of a posts component, public from their publication time."""

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFoundError
from app.models.base import utcnow
from app.models.components import Component, ComponentType, Post
from app.models.spaces import Space
from app.models.users import User
from app.schemas.posts import PostCreate, PostUpdate
from app.services import action_log, search
from app.services.components import (
    ensure_type,
    get_component_for,
    get_readable_component,
)
from app.services.permissions import Action
from app.services.resources import ResourceKind, register
from app.services.richtext import sanitize_translations
from app.services.visibility import previewable_spaces, readable_components


def readable_posts(viewer: User | None, now: datetime) -> ColumnElement[bool]:
    """Posts ``viewer`` may read; the query must join their Component and Space.

    Deleted posts are nobody's; scheduled ones are the space team's until due.
    """
    return (
        readable_components(viewer)
        & Post.deleted_at.is_(None)
        & Post.published_at.is_not(None)
        & or_(Post.published_at <= now, previewable_spaces(viewer))
    )


def _restrict(query: Select[Any], viewer: User | None, now: datetime) -> Select[Any]:
    return (
        query.join(Component, Component.id == Post.component_id)
        .join(Space, Space.id == Component.space_id)
        .where(readable_posts(viewer, now))
    )


register(
    ResourceKind(
        "post",
        Post,
        _restrict,
        component_column=Post.component_id,
        commentable=True,
    )
)


async def list_posts(
    session: AsyncSession,
    viewer: User | None,
    component_id: int,
    *,
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[Post]:
    """A component's posts, newest first, ``limit + 1`` of them to tell if more.

    ``after`` is the (published_at, id) of the last post of the previous page.
    """
    component = await get_readable_component(session, viewer, component_id)
    ensure_type(component, ComponentType.POSTS)

    query = (
        select(Post)
        .join(Component, Component.id == Post.component_id)
        .join(Space, Space.id == Component.space_id)
        .where(Post.component_id == component.id, readable_posts(viewer, utcnow()))
        .order_by(Post.published_at.desc(), Post.id.desc())
        .limit(limit + 1)
    )
    if after is not None:
        published_at, last_id = after
        query = query.where(
            (Post.published_at < published_at)
            | ((Post.published_at == published_at) & (Post.id < last_id))
        )
    return list((await session.scalars(query)).all())


async def get_post(session: AsyncSession, viewer: User | None, post_id: int) -> Post:
    """The post, if ``viewer`` may read it; otherwise 404."""
    post = await session.scalar(
        select(Post)
        .join(Component, Component.id == Post.component_id)
        .join(Space, Space.id == Component.space_id)
        .where(Post.id == post_id, readable_posts(viewer, utcnow()))
    )
    if post is None:
        raise NotFoundError(f"There is no post {post_id}.")
    return post


async def create_post(
    session: AsyncSession, actor: User, component_id: int, data: PostCreate
) -> Post:
    """A new post; public at ``published_at``, so a future time schedules it."""
    component = await get_component_for(
        session, actor, Action.MANAGE_SPACE, component_id
    )
    ensure_type(component, ComponentType.POSTS)

    post = Post(
        component_id=component.id,
        title=data.title,
        body=sanitize_translations(data.body),
        published_at=data.published_at,
    )
    session.add(post)
    await session.flush()

    created = {
        "title": [None, post.title],
        "published_at": [None, data.published_at.isoformat()],
    }
    if data.published_at <= utcnow():
        _log(session, actor, "post.published", post, component, created, public=True)
    else:
        _log(session, actor, "post.scheduled", post, component, created)
    return post


async def update_post(
    session: AsyncSession, actor: User, post_id: int, data: PostUpdate
) -> Post:
    """Change a post's title, body or publication time."""
    post, component = await _post_for(session, actor, post_id)
    if data.body is not None:
        data = data.model_copy(update={"body": sanitize_translations(data.body)})
    was_public = _is_public(post)

    changes = action_log.apply_changes(post, data)
    await session.flush()

    if not changes:
        return post
    if not was_public and _is_public(post):
        _log(session, actor, "post.published", post, component, changes, public=True)
    else:
        _log(session, actor, "post.updated", post, component, changes)
    return post


async def delete_post(session: AsyncSession, actor: User, post_id: int) -> None:
    """Delete a post, keeping a tombstone so that sync clients learn of it."""
    post, component = await _post_for(session, actor, post_id)

    post.deleted_at = utcnow()
    await session.flush()

    _log(session, actor, "post.deleted", post, component, {})


async def _post_for(
    session: AsyncSession, actor: User, post_id: int
) -> tuple[Post, Component]:
    """A live post and its component, once ``actor`` may manage its space."""
    post = await session.scalar(
        select(Post).where(Post.id == post_id, Post.deleted_at.is_(None))
    )
    if post is None:
        raise NotFoundError(f"There is no post {post_id}.")
    component = await get_component_for(
        session, actor, Action.MANAGE_SPACE, post.component_id
    )
    return post, component


def _is_public(post: Post) -> bool:
    return post.published_at is not None and post.published_at <= utcnow()


def _log(
    session: AsyncSession,
    actor: User,
    action: str,
    post: Post,
    component: Component,
    changes: dict[str, Any],
    *,
    public: bool = False,
) -> None:
    action_log.record(
        session,
        actor,
        action,
        object_type="post",
        object_id=post.id,
        space_id=component.space_id,
        changes=changes,
        public=public,
    )


search.register(
    search.Searchable(
        "post",
        Post,
        search.in_component(
            Post,
            title=Post.title,
            body=Post.body,
            occurred_at=Post.published_at,
            live=Post.deleted_at.is_(None),
        ),
        watched=frozenset({"title", "body", "published_at", "deleted_at"}),
    )
)
