"""The one place that answers: may this user do this to this object?

Organisation admins may do everything. Other rights come from roles held in a
space (admin, collaborator, moderator, evaluator).
"""

from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import PermissionDeniedError
from app.models.spaces import SpaceRole, SpaceRoleName
from app.models.users import User


class Action(StrEnum):
    MANAGE_USERS = "users.manage"
    MANAGE_TAXONOMIES = "taxonomies.manage"
    CREATE_SPACE = "spaces.create"
    VIEW_COUNCIL_REPORT = "councils.report"
    VIEW_DECLARATION_SUMMARY = "declarations.summary"
    """Aggregate figures of residents' declarations; never one by one."""
    MANAGE_WEBHOOKS = "webhooks.manage"
    MANAGE_SPACE = "space.manage"
    PREVIEW_SPACE = "space.preview"
    """See the unpublished: the space itself, its components, their drafts."""
    MODERATE_SPACE = "space.moderate"
    EVALUATE_SPACE = "space.evaluate"
    ATTACH_FILES = "space.attach"
    """Attach files to anything in the space, and remove anyone's attachments."""


ROLE_GRANTS: dict[SpaceRoleName, frozenset[Action]] = {
    SpaceRoleName.ADMIN: frozenset(
        {
            Action.MANAGE_SPACE,
            Action.PREVIEW_SPACE,
            Action.MODERATE_SPACE,
            Action.EVALUATE_SPACE,
            Action.ATTACH_FILES,
        }
    ),
    SpaceRoleName.COLLABORATOR: frozenset({Action.PREVIEW_SPACE}),
    SpaceRoleName.MODERATOR: frozenset({Action.MODERATE_SPACE}),
    SpaceRoleName.EVALUATOR: frozenset({Action.EVALUATE_SPACE}),
}

ROLES_THAT_PREVIEW = frozenset(
    role for role, grants in ROLE_GRANTS.items() if Action.PREVIEW_SPACE in grants
)


def allowed(
    user: User, action: Action, roles: frozenset[SpaceRoleName] = frozenset()
) -> bool:
    """Whether ``user``, holding ``roles`` in the space concerned, may act."""
    if user.blocked_at is not None or user.deleted_at is not None:
        return False
    if user.is_admin:
        return True
    return any(action in ROLE_GRANTS[role] for role in roles)


def ensure_allowed(
    user: User, action: Action, roles: frozenset[SpaceRoleName] = frozenset()
) -> None:
    if not allowed(user, action, roles):
        raise PermissionDeniedError("You are not allowed to do this.", action=action)


async def roles_in_space(
    session: AsyncSession, user: User, space_id: int
) -> frozenset[SpaceRoleName]:
    rows = await session.scalars(
        select(SpaceRole.role).where(
            SpaceRole.space_id == space_id, SpaceRole.user_id == user.id
        )
    )
    return frozenset(SpaceRoleName(role) for role in rows)


async def ensure_can(
    session: AsyncSession, user: User, action: Action, space_id: int | None = None
) -> None:
    """Raise 403 unless ``user`` may do ``action`` (in the space, if given)."""
    if user.is_admin or space_id is None:
        ensure_allowed(user, action)
        return
    ensure_allowed(user, action, await roles_in_space(session, user, space_id))
