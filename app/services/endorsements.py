"""Endorsements: one per user and resource, for kinds registered as endorsable.

The unique key makes a second endorsement do nothing, however many race; the
resource's counter moves only with a row inserted or deleted, in the same
transaction, so it always equals the rows.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.endorsements import Endorsement
from app.models.users import User
from app.schemas.pagination import decode_cursor, encode_cursor
from app.services import outbox
from app.services.conversation import (
    bump,
    ensure_endorsements_open,
    insert_ignoring_duplicates,
    kind_with,
    participation_target,
    readable_target,
)


async def endorse(
    session: AsyncSession, user: User, resource_type: str, resource_id: int
) -> tuple[Endorsement, int | None, bool]:
    """Endorse a resource; returns the endorsement, the count, whether it is new."""
    kind = kind_with("endorsable", resource_type, location="body")
    target = await participation_target(session, user, kind, resource_id)
    ensure_endorsements_open(target)

    now = utcnow()
    inserted = await session.scalar(
        insert_ignoring_duplicates(
            session,
            Endorsement,
            {
                "resource_type": kind.name,
                "resource_id": resource_id,
                "user_id": user.id,
                "created_at": now,
                "updated_at": now,
            },
        ).returning(Endorsement.id)
    )
    if inserted is not None:
        await bump(session, kind.endorsements_count, resource_id, 1)
        outbox.emit(
            session,
            "endorsement.created",
            {
                "resource_type": kind.name,
                "resource_id": resource_id,
                "space_id": target.space_id,
                "user_id": user.id,
            },
        )
    endorsement = await session.scalar(
        select(Endorsement).where(
            Endorsement.resource_type == kind.name,
            Endorsement.resource_id == resource_id,
            Endorsement.user_id == user.id,
        )
    )
    assert endorsement is not None
    return (
        endorsement,
        await _count(session, kind.endorsements_count, resource_id),
        (inserted is not None),
    )


async def unendorse(
    session: AsyncSession, user: User, resource_type: str, resource_id: int
) -> None:
    """Withdraw one's endorsement of a readable resource; idempotent."""
    kind = kind_with("endorsable", resource_type)
    await readable_target(session, user, kind, resource_id)

    removed = await session.scalar(
        delete(Endorsement)
        .where(
            Endorsement.resource_type == kind.name,
            Endorsement.resource_id == resource_id,
            Endorsement.user_id == user.id,
        )
        .returning(Endorsement.id)
    )
    if removed is not None:
        await bump(session, kind.endorsements_count, resource_id, -1)


async def list_endorsers(
    session: AsyncSession,
    viewer: User | None,
    resource_type: str,
    resource_id: int,
    *,
    cursor: str | None,
    limit: int,
) -> tuple[list[tuple[User, datetime]], str | None]:
    """Who endorsed a readable resource, newest first."""
    kind = kind_with("endorsable", resource_type)
    await readable_target(session, viewer, kind, resource_id)

    query = (
        select(User, Endorsement.created_at, Endorsement.id)
        .join(Endorsement, Endorsement.user_id == User.id)
        .where(
            Endorsement.resource_type == kind.name,
            Endorsement.resource_id == resource_id,
        )
        .order_by(Endorsement.id.desc())
        .limit(limit + 1)
    )
    if cursor is not None:
        query = query.where(Endorsement.id < decode_cursor(cursor, (int,))[0])
    rows = list((await session.execute(query)).all())

    items = [(user, created_at) for user, created_at, _ in rows[:limit]]
    if len(rows) > limit:
        return items, encode_cursor([rows[limit - 1][2]])
    return items, None


async def _count(session: AsyncSession, counter: Any, resource_id: int) -> int | None:
    if counter is None:
        return None
    model = counter.class_
    value = await session.scalar(select(counter).where(model.id == resource_id))
    return None if value is None else int(value)
