"""Comments: threads on any resource whose kind is registered as commentable.

A root comment sits on the resource at depth 0; replies go one level deeper, to
depth 3 at most. The resource's counter column (when its kind names one) always
equals its live comments: it moves in the transaction that adds or deletes one.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from app.models.base import utcnow
from app.models.comments import MAX_DEPTH, Alignment, Comment, CommentVote
from app.models.users import User
from app.schemas.comments import MAX_BODY, CommentOrder, VoteDirection
from app.schemas.pagination import decode_cursor, encode_cursor
from app.services import follows, outbox, search
from app.services.conversation import (
    Target,
    bump,
    ensure_comments_open,
    kind_with,
    participation_target,
    readable_target,
)
from app.services.resources import kind_named, readable_reference
from app.services.richtext import sanitize


@dataclass(frozen=True, slots=True)
class CommentView:
    """A comment as its viewer sees it: with its author and the viewer's vote."""

    comment: Comment
    author: User
    my_vote: int | None


@dataclass(frozen=True, slots=True)
class CommentPage:
    items: list[CommentView]
    next_cursor: str | None


# Reading


async def list_comments(
    session: AsyncSession,
    viewer: User | None,
    resource_type: str,
    resource_id: int,
    *,
    order: CommentOrder,
    cursor: str | None,
    limit: int,
) -> CommentPage:
    """A page of the resource's root comments; 404 unless the viewer reads it."""
    kind = kind_with("commentable", resource_type)
    await readable_target(session, viewer, kind, resource_id)

    query = select(Comment, User).where(
        Comment.resource_type == kind.name,
        Comment.resource_id == resource_id,
        Comment.depth == 0,
    )
    return await _page(session, viewer, query, order, cursor, limit)


async def list_replies(
    session: AsyncSession,
    viewer: User | None,
    comment_id: int,
    *,
    order: CommentOrder,
    cursor: str | None,
    limit: int,
) -> CommentPage:
    """A page of a comment's direct replies, a hidden comment's included."""
    parent = await _readable_comment(session, viewer, comment_id, hidden_ok=True)

    query = select(Comment, User).where(Comment.parent_id == parent.id)
    return await _page(session, viewer, query, order, cursor, limit)


async def get_comment(
    session: AsyncSession, viewer: User | None, comment_id: int
) -> CommentView:
    comment = await _readable_comment(session, viewer, comment_id)
    return await _view(session, viewer, comment)


async def _readable_comment(
    session: AsyncSession,
    viewer: User | None,
    comment_id: int,
    *,
    hidden_ok: bool = False,
) -> Comment:
    """The comment, if its resource is readable by ``viewer``; otherwise 404.

    A hidden comment is a placeholder in its thread, never read by itself.
    """
    comment = await session.get(Comment, comment_id)
    if comment is None or (comment.hidden_at is not None and not hidden_ok):
        raise NotFoundError(f"There is no comment {comment_id}.")
    try:
        kind = kind_named(comment.resource_type)
        await readable_target(session, viewer, kind, comment.resource_id)
    except NotFoundError:
        raise NotFoundError(f"There is no comment {comment_id}.") from None
    return comment


async def _page(
    session: AsyncSession,
    viewer: User | None,
    query: Select[Comment, User],
    order: CommentOrder,
    cursor: str | None,
    limit: int,
) -> CommentPage:
    query = query.join(User, User.id == Comment.author_id)
    score = Comment.up_votes - Comment.down_votes
    if order is CommentOrder.OLDEST:
        query = query.order_by(Comment.id)
    elif order is CommentOrder.RECENT:
        query = query.order_by(Comment.id.desc())
    else:
        query = query.order_by(score.desc(), Comment.id)
    if cursor is not None:
        query = query.where(_after(order, cursor, score))

    rows = list((await session.execute(query.limit(limit + 1))).all())
    page = rows[:limit]
    votes = await _votes_of(session, viewer, [comment.id for comment, _ in page])
    items = [
        CommentView(comment, author, votes.get(comment.id)) for comment, author in page
    ]

    next_cursor = None
    if len(rows) > limit:
        last = page[-1][0]
        key = (
            [last.up_votes - last.down_votes]
            if order is CommentOrder.BEST_RATED
            else []
        )
        next_cursor = encode_cursor([order.value, *key, last.id])
    return CommentPage(items, next_cursor)


def _after(
    order: CommentOrder, cursor: str, score: ColumnElement[int]
) -> ColumnElement[bool]:
    """Rows after the cursor's; a cursor of another order is malformed (422)."""
    values = decode_cursor(
        cursor, (str, int, int) if order is CommentOrder.BEST_RATED else (str, int)
    )
    name, last_id = values[0], int(values[-1])
    if name != order.value:
        raise InvalidInputError(
            "The cursor belongs to another order; start again without it.",
            field="cursor",
            error_code="cursor_malformed",
        )
    if order is CommentOrder.OLDEST:
        return Comment.id > last_id
    if order is CommentOrder.RECENT:
        return Comment.id < last_id
    last_score = int(values[1])
    return (score < last_score) | ((score == last_score) & (Comment.id > last_id))


async def _votes_of(
    session: AsyncSession, viewer: User | None, comment_ids: list[int]
) -> dict[int, int]:
    if viewer is None or not comment_ids:
        return {}
    rows = await session.execute(
        select(CommentVote.comment_id, CommentVote.value).where(
            CommentVote.user_id == viewer.id, CommentVote.comment_id.in_(comment_ids)
        )
    )
    return {comment_id: value for comment_id, value in rows}


async def _view(
    session: AsyncSession, viewer: User | None, comment: Comment
) -> CommentView:
    author = await session.get_one(User, comment.author_id)
    votes = await _votes_of(session, viewer, [comment.id])
    return CommentView(comment, author, votes.get(comment.id))


# Writing


async def create_comment(
    session: AsyncSession,
    author: User,
    resource_type: str,
    resource_id: int,
    body: str,
    alignment: Alignment,
) -> CommentView:
    """A root comment on the resource; its author follows the resource."""
    kind = kind_with("commentable", resource_type, location="body")
    target = await participation_target(session, author, kind, resource_id)
    ensure_comments_open(target)

    comment = await _add(session, author, target, None, body, alignment)
    return CommentView(comment, author, None)


async def reply(
    session: AsyncSession,
    author: User,
    parent_id: int,
    body: str,
    alignment: Alignment,
) -> CommentView:
    """A reply one level under ``parent_id``; none under a depth-3 comment."""
    parent = await _readable_comment(session, author, parent_id)
    if parent.depth >= MAX_DEPTH:
        raise InvalidInputError(
            f"Comments of depth {MAX_DEPTH} take no replies; reply higher up.",
            field="comment_id",
            location="path",
            error_code="too_deep",
        )
    if parent.deleted_at is not None:
        raise ConflictError("A deleted comment takes no replies.")
    kind = kind_named(parent.resource_type)
    target = await participation_target(session, author, kind, parent.resource_id)
    ensure_comments_open(target)

    comment = await _add(session, author, target, parent, body, alignment)
    await bump(session, Comment.replies_count, parent.id, 1)
    return CommentView(comment, author, None)


async def _add(
    session: AsyncSession,
    author: User,
    target: Target,
    parent: Comment | None,
    body: str,
    alignment: Alignment,
) -> Comment:
    resource_id: int = target.resource.id
    comment = Comment(
        resource_type=target.kind.name,
        resource_id=resource_id,
        parent_id=parent.id if parent else None,
        depth=parent.depth + 1 if parent else 0,
        author_id=author.id,
        body=_clean_body(target, body),
        alignment=alignment,
        up_votes=0,
        down_votes=0,
        replies_count=0,
    )
    session.add(comment)
    await session.flush()
    await bump(session, target.kind.comments_count, resource_id, 1)
    await follows.follow_quietly(session, author, target.kind.name, resource_id)

    outbox.emit(
        session,
        "comment.created",
        {
            "comment_id": comment.id,
            "action": "replied" if parent else "commented",
            "resource_type": target.kind.name,
            "resource_id": resource_id,
            "space_id": target.space_id,
            "author_id": author.id,
            "parent_id": parent.id if parent else None,
            "parent_author_id": parent.author_id if parent else None,
            "depth": comment.depth,
        },
    )
    return comment


def _clean_body(target: Target, body: str) -> str:
    """The sanitised body, within the component's limit (at most 1,000)."""
    limit = min(MAX_BODY, getattr(target.settings, "comments_max_length", MAX_BODY))
    if len(body) > limit:
        raise InvalidInputError(
            f"A comment here holds at most {limit} characters.",
            field="body",
            location="body",
            error_code="too_long",
        )
    cleaned = sanitize(body)
    if not cleaned:
        raise InvalidInputError(
            "The comment is empty once its markup is cleaned.",
            field="body",
            location="body",
            error_code="empty",
        )
    return cleaned


async def update_comment(
    session: AsyncSession, author: User, comment_id: int, body: str
) -> CommentView:
    """Change one's own comment while its thread is open."""
    comment = await _own_comment(session, author, comment_id)
    if comment.deleted_at is not None:
        raise ConflictError("A deleted comment cannot be edited.")
    target = await participation_target(
        session, author, kind_named(comment.resource_type), comment.resource_id
    )
    ensure_comments_open(target)

    cleaned = _clean_body(target, body)
    if cleaned != comment.body:
        comment.body = cleaned
        comment.edited_at = utcnow()
        await session.flush()
    return await _view(session, author, comment)


async def delete_comment(session: AsyncSession, author: User, comment_id: int) -> None:
    """Delete one's own comment, leaving a tombstone in its thread; idempotent."""
    comment = await _own_comment(session, author, comment_id)
    if comment.deleted_at is not None:
        return

    comment.deleted_at = utcnow()
    await session.flush()
    kind = kind_named(comment.resource_type)
    await bump(session, kind.comments_count, comment.resource_id, -1)


async def _own_comment(session: AsyncSession, author: User, comment_id: int) -> Comment:
    """The comment, locked for this transaction, if it is ``author``'s (404, 403)."""
    await _readable_comment(session, author, comment_id)
    comment = await session.scalar(
        select(Comment)
        .where(Comment.id == comment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if comment is None:
        raise NotFoundError(f"There is no comment {comment_id}.")
    if comment.author_id != author.id:
        raise PermissionDeniedError("Only its author may change a comment.")
    return comment


# Votes


async def vote(
    session: AsyncSession, voter: User, comment_id: int, direction: VoteDirection
) -> CommentView:
    """Vote a comment up or down, replacing the voter's earlier vote."""
    comment = await _votable(session, voter, comment_id)
    value = 1 if direction is VoteDirection.UP else -1

    previous = await session.scalar(
        select(CommentVote.value).where(
            CommentVote.comment_id == comment.id, CommentVote.user_id == voter.id
        )
    )
    if previous != value:
        if previous is None:
            session.add(
                CommentVote(comment_id=comment.id, user_id=voter.id, value=value)
            )
        else:
            await session.execute(
                update(CommentVote)
                .where(
                    CommentVote.comment_id == comment.id,
                    CommentVote.user_id == voter.id,
                )
                .values(value=value)
            )
            await _count_vote(session, comment.id, previous, -1)
        await session.flush()
        await _count_vote(session, comment.id, value, 1)
        await session.refresh(comment, ["up_votes", "down_votes"])
    return CommentView(comment, await session.get_one(User, comment.author_id), value)


async def unvote(session: AsyncSession, voter: User, comment_id: int) -> CommentView:
    """Withdraw the voter's vote on a comment, if any."""
    comment = await _readable_comment(session, voter, comment_id)
    await _lock(session, comment.id)

    removed = await session.scalar(
        delete(CommentVote)
        .where(CommentVote.comment_id == comment.id, CommentVote.user_id == voter.id)
        .returning(CommentVote.value)
    )
    if removed is not None:
        await _count_vote(session, comment.id, removed, -1)
        await session.refresh(comment, ["up_votes", "down_votes"])
    return CommentView(comment, await session.get_one(User, comment.author_id), None)


async def _votable(session: AsyncSession, voter: User, comment_id: int) -> Comment:
    comment = await _readable_comment(session, voter, comment_id)
    if comment.deleted_at is not None:
        raise ConflictError("A deleted comment cannot be voted.")
    if comment.author_id == voter.id:
        raise PermissionDeniedError("You cannot vote on your own comment.")
    target = await participation_target(
        session, voter, kind_named(comment.resource_type), comment.resource_id
    )
    ensure_comments_open(target)
    # The comment's row serialises its voters: a user's votes never race.
    await _lock(session, comment.id)
    return comment


async def _lock(session: AsyncSession, comment_id: int) -> None:
    await session.execute(
        select(Comment.id).where(Comment.id == comment_id).with_for_update()
    )


async def _count_vote(
    session: AsyncSession, comment_id: int, value: int, delta: int
) -> None:
    counter = Comment.up_votes if value > 0 else Comment.down_votes
    await bump(session, counter, comment_id, delta)


# Search


def standing() -> ColumnElement[bool]:
    """A comment neither deleted nor hidden by a moderator: one outsiders may read."""
    return Comment.deleted_at.is_(None) & Comment.hidden_at.is_(None)


def _readable_for_search(
    query: Select[Any], viewer: User | None, now: datetime
) -> Select[Any]:
    """A comment reads as its resource does, while it stands."""
    return query.where(
        standing(),
        readable_reference(Comment.resource_type, Comment.resource_id, viewer, now),
    )


def _search_source() -> search.Rows:
    space_id = search.space_of_resource(Comment.resource_type, Comment.resource_id)
    return select(
        Comment.id,
        space_id.label("space_id"),
        literal(None).label("scope_id"),
        literal(None).label("area_id"),
        Comment.created_at.label("occurred_at"),
        literal(None).label("title"),
        Comment.body.label("body"),
    ).where(standing())


search.register(
    search.Searchable(
        "comment",
        Comment,
        _search_source,
        watched=frozenset({"body", "deleted_at"}),
        restrict=_readable_for_search,
    )
)
