"""Follows: a user's subscriptions to resources of any registered kind.

What a user follows may later become unreadable to them (a space turned
private, a post deleted); lists show only what they may still read.
"""

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.follows import Follow
from app.models.users import User
from app.schemas.pagination import decode_cursor, encode_cursor
from app.services.conversation import (
    insert_ignoring_duplicates,
    kind_with,
    readable_target,
)
from app.services.resources import readable_reference


async def follow(
    session: AsyncSession, user: User, resource_type: str, resource_id: int
) -> tuple[Follow, bool]:
    """Follow a readable resource (404 otherwise); True if the follow is new."""
    kind = kind_with(None, resource_type, location="body")
    await readable_target(session, user, kind, resource_id)

    created = await follow_quietly(session, user, kind.name, resource_id)
    found = await session.scalar(
        select(Follow).where(
            Follow.user_id == user.id,
            Follow.resource_type == kind.name,
            Follow.resource_id == resource_id,
        )
    )
    assert found is not None
    return found, created


async def follow_quietly(
    session: AsyncSession, user: User, resource_type: str, resource_id: int
) -> bool:
    """Make ``user`` follow a resource they just created or spoke on.

    The caller has checked the resource; following twice changes nothing.
    Returns whether the follow is new.
    """
    now = utcnow()
    inserted = await session.scalar(
        insert_ignoring_duplicates(
            session,
            Follow,
            {
                "user_id": user.id,
                "resource_type": resource_type,
                "resource_id": resource_id,
                "created_at": now,
                "updated_at": now,
            },
        ).returning(Follow.id)
    )
    return inserted is not None


async def unfollow(
    session: AsyncSession, user: User, resource_type: str, resource_id: int
) -> None:
    """Stop following; idempotent, and allowed on what the user no longer sees."""
    kind = kind_with(None, resource_type)
    await session.execute(
        delete(Follow).where(
            Follow.user_id == user.id,
            Follow.resource_type == kind.name,
            Follow.resource_id == resource_id,
        )
    )


async def list_follows(
    session: AsyncSession,
    user: User,
    *,
    resource_type: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Follow], str | None]:
    """The user's follows they may still read, newest first, in one query."""
    query = (
        select(Follow)
        .where(
            Follow.user_id == user.id,
            readable_reference(
                Follow.resource_type, Follow.resource_id, user, utcnow()
            ),
        )
        .order_by(Follow.id.desc())
        .limit(limit + 1)
    )
    if resource_type is not None:
        query = query.where(Follow.resource_type == kind_with(None, resource_type).name)
    if cursor is not None:
        query = query.where(Follow.id < decode_cursor(cursor, (int,))[0])

    found = list((await session.scalars(query)).all())
    if len(found) > limit:
        return found[:limit], encode_cursor([found[limit - 1].id])
    return found, None
