"""Spaces: lookup under the visibility rule, and the checks other domains share."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFoundError
from app.models.spaces import Space
from app.models.users import User
from app.services.permissions import Action, ensure_can
from app.services.visibility import readable_spaces


async def get_readable_space(
    session: AsyncSession, viewer: User | None, space_id: int
) -> Space:
    """The space, if ``viewer`` may read it; otherwise 404, never 403."""
    space = await session.scalar(
        select(Space).where(Space.id == space_id, readable_spaces(viewer))
    )
    if space is None:
        raise NotFoundError(f"There is no space {space_id}.")
    return space


async def get_space_for(
    session: AsyncSession, user: User, action: Action, space_id: int
) -> Space:
    """The space, once ``user`` is known to be allowed ``action`` in it.

    Unknown spaces are 404; known ones the user may not act on are 403.
    """
    space = await session.get(Space, space_id)
    if space is None:
        raise NotFoundError(f"There is no space {space_id}.")
    await ensure_can(session, user, action, space.id)
    return space
