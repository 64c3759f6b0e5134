"""Recording admin actions: the memory of each space and its public timeline."""

from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.action_log import ActionLogEntry
from app.models.users import User


def record(
    session: AsyncSession,
    actor: User | None,
    action: str,
    *,
    object_type: str,
    object_id: int,
    space_id: int | None = None,
    changes: dict[str, Any] | None = None,
    public: bool = False,
) -> ActionLogEntry:
    """Log ``action`` (dotted, such as ``space.published``) in the caller's transaction.

    ``public`` entries appear on the space's timeline, without their changes.
    """
    entry = ActionLogEntry(
        actor_id=actor.id if actor else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        space_id=space_id,
        changes=changes or {},
        public=public,
    )
    session.add(entry)
    return entry


def apply_changes(target: object, update: BaseModel) -> dict[str, Any]:
    """Set the fields the client sent; return ``{field: [old, new]}`` of changes."""
    changed: dict[str, Any] = {}
    for field, value in update.model_dump(exclude_unset=True).items():
        old = getattr(target, field)
        if old != value:
            changed[field] = [_plain(old), _plain(value)]
            setattr(target, field, value)
    return changed


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
