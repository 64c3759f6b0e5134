"""A space's public timeline: what happened in it, from the action log.

Only entries recorded as public appear, and only their action, object and
date: never the changes, never the actor.
"""

from datetime import datetime

from sqlalchemy import ColumnElement, Row, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.action_log import ActionLogEntry
from app.models.base import utcnow
from app.models.users import User
from app.schemas.pagination import decode_cursor, encode_cursor
from app.services.resources import kind_names, readable_reference
from app.services.spaces import get_readable_space

TimelineRow = Row[int, str, str, int, datetime]


async def list_timeline(
    session: AsyncSession,
    viewer: User | None,
    space_id: int,
    *,
    cursor: str | None,
    limit: int,
) -> tuple[list[TimelineRow], str | None]:
    """A page of the space's public entries, newest first; 404 if unreadable."""
    space = await get_readable_space(session, viewer, space_id)
    query = (
        select(
            ActionLogEntry.id,
            ActionLogEntry.action,
            ActionLogEntry.object_type,
            ActionLogEntry.object_id,
            ActionLogEntry.created_at,
        )
        .where(
            ActionLogEntry.space_id == space.id,
            ActionLogEntry.public,
            _object_visible(viewer, utcnow()),
        )
        .order_by(ActionLogEntry.id.desc())
    )
    if cursor is not None:
        query = query.where(ActionLogEntry.id < decode_cursor(cursor, (int,))[0])
    rows = list((await session.execute(query.limit(limit + 1))).all())

    if len(rows) > limit:
        return rows[:limit], encode_cursor([rows[limit - 1].id])
    return rows, None


def _object_visible(viewer: User | None, now: datetime) -> ColumnElement[bool]:
    """Entries about a resource the viewer may not read stay out of the timeline.

    Objects of a kind no domain registered (phases, seats, roles) live inside
    the space, which the viewer reads already.
    """
    registered = kind_names()
    return or_(
        ActionLogEntry.object_type.not_in(registered),
        readable_reference(
            ActionLogEntry.object_type, ActionLogEntry.object_id, viewer, now
        ),
    )
