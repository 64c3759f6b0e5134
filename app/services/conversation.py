"""What comments and endorsements share: the resource they hang on, and the gate
a participant passes to speak on it.

A resource is named by its registered kind and id. Its component (if its kind
names one) decides through its settings and the switches in force whether
participants may comment or endorse now; its space decides who takes part.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert

from app.errors import ConflictError, InvalidInputError, PermissionDeniedError
from app.models.base import utcnow
from app.models.components import Component
from app.models.spaces import Phase, Space
from app.models.users import User
from app.schemas.components import SettingsModel, Switches, stored_settings
from app.services.components import switches_in_force
from app.services.resources import (
    ResourceKind,
    get_readable,
    kind_named,
    kind_names,
)
from app.services.visibility import participable_spaces


@dataclass(frozen=True, slots=True)
class Target:
    """A readable resource, with its component's state when it has one."""

    kind: ResourceKind
    resource: Any
    component: Component | None = None
    settings: SettingsModel | None = None
    switches: Switches | None = None
    participable: bool = True
    """Whether the viewer may take part in the resource's space."""

    @property
    def space_id(self) -> int | None:
        return self.component.space_id if self.component else None


def kind_with(
    feature: str | None, name: str, *, location: str = "query"
) -> ResourceKind:
    """The registered kind ``name`` if it has ``feature`` (a ResourceKind flag
    such as ``commentable``; None for any kind); otherwise a 422."""
    offered = [
        each
        for each in kind_names()
        if feature is None or getattr(kind_named(each), feature)
    ]
    if name not in offered:
        raise InvalidInputError(
            f"{name!r} is not a kind of resource that offers this.",
            errors=[
                {
                    "field": "resource_type",
                    "location": location,
                    "message": f"must be one of {', '.join(offered)}",
                }
            ],
        )
    return kind_named(name)


async def readable_target(
    session: AsyncSession, viewer: User | None, kind: ResourceKind, resource_id: int
) -> Target:
    """The resource if ``viewer`` may read it (else 404), without its component."""
    resource = await get_readable(session, viewer, kind.name, resource_id)
    return Target(kind, resource)


async def participation_target(
    session: AsyncSession, user: User, kind: ResourceKind, resource_id: int
) -> Target:
    """The readable resource with its component's settings and switches in force,
    and whether ``user`` may take part in its space (two queries)."""
    target = await readable_target(session, user, kind, resource_id)
    if kind.component_column is None:
        return target

    component_id = getattr(target.resource, kind.component_column.key)
    state = await component_state(session, user, component_id)
    return Target(kind, target.resource, *state)


async def component_state(
    session: AsyncSession, user: User, component_id: int
) -> tuple[Component, SettingsModel, Switches, bool]:
    """A component, its settings, the switches in force now, and whether
    ``user`` may take part in its space, in one query."""
    row = (
        await session.execute(
            select(Component, Phase.id, participable_spaces(user))
            .join(Space, Space.id == Component.space_id)
            .outerjoin(Phase, and_(Phase.space_id == Space.id, Phase.active))
            .where(Component.id == component_id)
        )
    ).one()
    component, phase_id, participable = row
    return (
        component,
        stored_settings(component),
        switches_in_force(component, phase_id),
        bool(participable),
    )


def ensure_participant(target: Target) -> None:
    if not target.participable:
        raise PermissionDeniedError(
            "Only members of this space may take part in it.", reason="not_member"
        )


def ensure_comments_open(target: Target, now: datetime | None = None) -> None:
    """Refuse new comments, edits and votes where the thread is closed."""
    ensure_participant(target)
    settings_allow = getattr(target.settings, "comments_enabled", True)
    switches = target.switches or Switches()
    if not settings_allow or not switches.comments_enabled:
        raise PermissionDeniedError(
            "Comments are switched off here.", reason="comments_disabled"
        )
    if switches.comments_blocked:
        raise PermissionDeniedError(
            "Comments are blocked here for now.", reason="comments_blocked"
        )
    accepts = target.kind.accepts_comments
    if accepts is not None and not accepts(target.resource, now or utcnow()):
        raise ConflictError(
            f"This {target.kind.name} takes no comments now.", reason="not_open"
        )


def ensure_endorsements_open(target: Target) -> None:
    ensure_participant(target)
    switches = target.switches or Switches()
    if not switches.endorsements_enabled:
        raise PermissionDeniedError(
            "Endorsements are switched off here.", reason="endorsements_disabled"
        )


async def bump(
    session: AsyncSession, counter: Any, resource_id: int, delta: int
) -> None:
    """Add ``delta`` to a counter column in one atomic UPDATE of its row."""
    if counter is None:
        return
    model = counter.class_
    await session.execute(
        update(model)
        .where(model.id == resource_id)
        .values({counter.key: counter + delta})
        .execution_options(synchronize_session=False)
    )


def insert_ignoring_duplicates(
    session: AsyncSession, model: Any, values: dict[str, Any]
) -> Insert:
    """An INSERT that does nothing when a unique key already holds the row."""
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    statement: Insert = module.insert(model).values(**values).on_conflict_do_nothing()
    return statement
