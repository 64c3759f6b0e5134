"""A space's public timeline: what happened in it, from the action log.

Only entries recorded as public appear, and only their action, object and
date: never the changes, never the actor.
"""

from datetime import datetime

from sqlalchemy import ColumnElement, Row, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.action_log import ActionLogEntry
from app.models.components import Component
from app.models.spaces import Space
from app.models.users import User
from app.schemas.pagination import decode_cursor, encode_cursor
from app.services.spaces import get_readable_space
from app.services.visibility import readable_components

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
            _object_visible(viewer),
        )
        .order_by(ActionLogEntry.id.desc())
    )
    if cursor is not None:
        query = query.where(ActionLogEntry.id < decode_cursor(cursor, (int,))[0])
    rows = list((await session.execute(query.limit(limit + 1))).all())

    if len(rows) > limit:
        return rows[:limit], encode_cursor([rows[limit - 1].id])
    return rows, None


def _object_visible(viewer: User | None) -> ColumnElement[bool]:
    """Entries about a component the viewer may not see stay out of the timeline."""
    component_readable = exists(
        select(Component.id)
        .join(Space, Space.id == Component.space_id)
        .where(Component.id == ActionLogEntry.object_id, readable_components(viewer))
    )
    return or_(ActionLogEntry.object_type != "component", component_readable)
