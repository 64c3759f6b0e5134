"""The one place that answers: may this user do this to this object?"""

from enum import StrEnum

from app.errors import PermissionDeniedError
from app.models.users import User


class Action(StrEnum):
    MANAGE_USERS = "users.manage"


_ADMIN_ONLY = frozenset({Action.MANAGE_USERS})


def allowed(user: User, action: Action, subject: object | None = None) -> bool:
    if user.blocked_at is not None or user.deleted_at is not None:
        return False
    if user.is_admin:
        return True
    return action not in _ADMIN_ONLY


def ensure_allowed(user: User, action: Action, subject: object | None = None) -> None:
    if not allowed(user, action, subject):
        raise PermissionDeniedError("You are not allowed to do this.", action=action)
