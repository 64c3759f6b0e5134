"""Components: typed features of a space, their settings and per-phase switches."""

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import ConflictError, InvalidInputError, NotFoundError
from app.models.accountability import Result
from app.models.base import utcnow
from app.models.budgets import Budget
from app.models.components import Component, ComponentType, Page, Post
from app.models.debates import Debate
from app.models.meetings import Meeting
from app.models.proposals import Proposal
from app.models.spaces import Phase, Space
from app.models.surveys import Survey
from app.models.users import User
from app.schemas.components import (
    SETTINGS_MODELS,
    ComponentCreate,
    ComponentUpdate,
    Switches,
    stored_settings,
    stored_switches,
)
from app.services import action_log
from app.services.permissions import Action
from app.services.spaces import get_readable_space, get_space_for, lock_space
from app.services.visibility import readable_components

ComponentState = tuple[Component, Switches]
"""A component with the switches in force for it now."""

_LIVE_CONTENT: dict[ComponentType, Callable[[int], ColumnElement[bool]]] = {
    ComponentType.POSTS: lambda component_id: exists(
        select(Post.id).where(
            Post.component_id == component_id, Post.deleted_at.is_(None)
        )
    ),
    ComponentType.PAGES: lambda component_id: exists(
        select(Page.id).where(
            Page.component_id == component_id, Page.deleted_at.is_(None)
        )
    ),
    ComponentType.PROPOSALS: lambda component_id: exists(
        select(Proposal.id).where(Proposal.component_id == component_id)
    ),
    ComponentType.DEBATES: lambda component_id: exists(
        select(Debate.id).where(Debate.component_id == component_id)
    ),
    ComponentType.MEETINGS: lambda component_id: exists(
        select(Meeting.id).where(Meeting.component_id == component_id)
    ),
    ComponentType.SURVEYS: lambda component_id: exists(
        select(Survey.id).where(Survey.component_id == component_id)
    ),
    ComponentType.ACCOUNTABILITY: lambda component_id: exists(
        select(Result.id).where(Result.component_id == component_id)
    ),
    ComponentType.BUDGETS: lambda component_id: exists(
        select(Budget.id).where(Budget.component_id == component_id)
    ),
}
"""Per type, whether a component holds live content; new content types add theirs."""

SettingsGuard = Callable[[AsyncSession, Component, dict[str, Any]], Awaitable[None]]
_SETTINGS_GUARDS: dict[ComponentType, SettingsGuard] = {}


def guard_settings(component_type: ComponentType, guard: SettingsGuard) -> None:
    """Let a content type refuse new settings its content cannot live with.

    ``guard`` gets the component (still with its stored settings) and the new
    settings, and raises to refuse them.
    """
    _SETTINGS_GUARDS[component_type] = guard


async def get_readable_component(
    session: AsyncSession, viewer: User | None, component_id: int
) -> Component:
    """The component, if ``viewer`` may read it (and its space); otherwise 404."""
    component = await session.scalar(
        select(Component)
        .join(Space, Space.id == Component.space_id)
        .where(Component.id == component_id, readable_components(viewer))
    )
    if component is None:
        raise NotFoundError(f"There is no component {component_id}.")
    return component


async def get_component_for(
    session: AsyncSession, user: User, action: Action, component_id: int
) -> Component:
    """The component, once ``user`` may do ``action`` in its space (404, then 403)."""
    component = await session.get(Component, component_id)
    if component is None:
        raise NotFoundError(f"There is no component {component_id}.")
    await get_space_for(session, user, action, component.space_id)
    return component


def ensure_type(component: Component, expected: ComponentType) -> None:
    """Refuse with 422 content that does not belong in this type of component."""
    if component.type != expected:
        raise InvalidInputError(
            f"Component {component.id} is of type {component.type}, not {expected}.",
            errors=[
                {
                    "field": "component_id",
                    "location": "path",
                    "message": f"must be a {expected} component",
                }
            ],
        )


def ensure_permutation(current: Sequence[int], sent: Sequence[int]) -> None:
    """Refuse with 422 a new order that is not the ``current`` ids, each once."""
    if len(sent) != len(set(sent)) or set(sent) != set(current):
        raise InvalidInputError(
            "Give every item exactly once, in the new order.",
            errors=[
                {
                    "field": "ids",
                    "location": "body",
                    "message": f"must be a permutation of {sorted(current)}",
                }
            ],
        )


async def has_content(session: AsyncSession, component: Component) -> bool:
    """Whether the component holds live content, which forbids deleting it."""
    condition = _LIVE_CONTENT.get(component.type)
    if condition is None:
        return False
    return bool(await session.scalar(select(condition(component.id))))


def switches_in_force(component: Component, active_phase_id: int | None) -> Switches:
    """The active phase's switches if the component has some, else its defaults."""
    if active_phase_id is not None:
        for_phase = component.phase_switches.get(str(active_phase_id))
        if for_phase is not None:
            return stored_switches(for_phase)
    return stored_switches(component.default_switches)


async def effective_switches(session: AsyncSession, component: Component) -> Switches:
    """The switches in force now, from the space's active phase (one query)."""
    return switches_in_force(
        component, await _active_phase_id(session, component.space_id)
    )


async def list_components(
    session: AsyncSession,
    viewer: User | None,
    space_id: int,
    *,
    after: tuple[int, int] | None,
    limit: int,
) -> list[ComponentState]:
    """A space's components by position, ``limit + 1`` of them to tell if more.

    Unpublished components are left out unless ``viewer`` may preview the space.
    ``after`` is the (position, id) of the last component of the previous page.
    """
    space = await get_readable_space(session, viewer, space_id)
    query = (
        select(Component, Phase.id)
        .join(Space, Space.id == Component.space_id)
        .outerjoin(Phase, and_(Phase.space_id == Component.space_id, Phase.active))
        .where(Component.space_id == space.id, readable_components(viewer))
        .order_by(Component.position, Component.id)
        .limit(limit + 1)
    )
    if after is not None:
        position, last_id = after
        query = query.where(
            (Component.position > position)
            | ((Component.position == position) & (Component.id > last_id))
        )
    rows = await session.execute(query)
    return [
        (component, switches_in_force(component, phase_id))
        for component, phase_id in rows
    ]


async def get_component(
    session: AsyncSession, viewer: User | None, component_id: int
) -> ComponentState:
    component = await get_readable_component(session, viewer, component_id)
    return component, await effective_switches(session, component)


async def create_component(
    session: AsyncSession, actor: User, space_id: int, body: ComponentCreate
) -> ComponentState:
    """A new, unpublished component placed after the space's others."""
    data = body.root
    space = await get_space_for(session, actor, Action.MANAGE_SPACE, space_id)
    await lock_space(session, space.id)

    last_position = await session.scalar(
        select(func.max(Component.position)).where(Component.space_id == space.id)
    )
    component = Component(
        space_id=space.id,
        type=ComponentType(data.type),
        name=data.name,
        position=0 if last_position is None else last_position + 1,
        settings=data.settings.model_dump(mode="json"),
        default_switches=data.default_switches.model_dump(mode="json"),
        phase_switches={},
    )
    session.add(component)
    await session.flush()

    _log(
        session,
        actor,
        "component.created",
        component,
        {
            field: [None, getattr(component, field)]
            for field in ("type", "name", "position", "settings", "default_switches")
        },
    )
    return component, await effective_switches(session, component)


async def update_component(
    session: AsyncSession, actor: User, component_id: int, data: ComponentUpdate
) -> ComponentState:
    """Change the name, settings or default switches; settings merge field by field."""
    component = await get_component_for(
        session, actor, Action.MANAGE_SPACE, component_id
    )

    values: dict[str, Any] = {}
    if data.name is not None:
        values["name"] = data.name
    if data.settings is not None:
        values["settings"] = _merged_settings(component, data.settings)
        guard = _SETTINGS_GUARDS.get(component.type)
        if guard is not None:
            await guard(session, component, values["settings"])
    if data.default_switches is not None:
        sent = data.default_switches.model_dump(mode="json", exclude_unset=True)
        current = stored_switches(component.default_switches)
        values["default_switches"] = {**current.model_dump(mode="json"), **sent}
    changes = _assign(component, values)
    await session.flush()

    if changes:
        _log(session, actor, "component.updated", component, changes)
    return component, await effective_switches(session, component)


async def delete_component(
    session: AsyncSession, actor: User, component_id: int
) -> None:
    """Delete an empty component; one holding content is refused with 409."""
    component = await get_component_for(
        session, actor, Action.MANAGE_SPACE, component_id
    )
    if await has_content(session, component):
        raise ConflictError(
            f"Component {component.id} holds content; delete or move it first."
        )

    gone = {field: [getattr(component, field), None] for field in ("type", "name")}
    _log(session, actor, "component.deleted", component, gone)
    await session.delete(component)
    await session.flush()


async def reorder_components(
    session: AsyncSession, actor: User, space_id: int, ids: Sequence[int]
) -> list[ComponentState]:
    """Place the space's components in the order of ``ids`` (all of them, once)."""
    space = await get_space_for(session, actor, Action.MANAGE_SPACE, space_id)
    await lock_space(session, space.id)
    components = list(
        (
            await session.scalars(
                select(Component)
                .where(Component.space_id == space.id)
                .order_by(Component.position, Component.id)
            )
        ).all()
    )
    ensure_permutation([component.id for component in components], ids)

    old_order = [component.id for component in components]
    by_id = {component.id: component for component in components}
    for position, component_id in enumerate(ids):
        by_id[component_id].position = position
    await session.flush()

    if old_order != list(ids):
        action_log.record(
            session,
            actor,
            "component.reordered",
            object_type="space",
            object_id=space.id,
            space_id=space.id,
            changes={"order": [old_order, list(ids)]},
        )
    active_phase_id = await _active_phase_id(session, space.id)
    return [
        (by_id[component_id], switches_in_force(by_id[component_id], active_phase_id))
        for component_id in ids
    ]


async def publish_component(
    session: AsyncSession, actor: User, component_id: int
) -> ComponentState:
    """Make the component public (to those who may read its space); idempotent."""
    component = await get_component_for(
        session, actor, Action.MANAGE_SPACE, component_id
    )

    if component.published_at is None:
        component.published_at = utcnow()
        await session.flush()
        _log(session, actor, "component.published", component, {}, public=True)
    return component, await effective_switches(session, component)


async def unpublish_component(
    session: AsyncSession, actor: User, component_id: int
) -> ComponentState:
    """Hide the component and its content from the public again; idempotent."""
    component = await get_component_for(
        session, actor, Action.MANAGE_SPACE, component_id
    )

    if component.published_at is not None:
        component.published_at = None
        await session.flush()
        _log(session, actor, "component.unpublished", component, {})
    return component, await effective_switches(session, component)


async def set_phase_switches(
    session: AsyncSession,
    actor: User,
    component_id: int,
    phase_id: int,
    switches: Switches,
) -> ComponentState:
    """Set the switches the component follows while ``phase_id`` is active."""
    component = await get_component_for(
        session, actor, Action.MANAGE_SPACE, component_id
    )
    phase = await session.scalar(
        select(Phase.id).where(
            Phase.id == phase_id, Phase.space_id == component.space_id
        )
    )
    if phase is None:
        raise InvalidInputError(
            f"Phase {phase_id} is not a phase of this component's space.",
            errors=[
                {
                    "field": "phase_id",
                    "location": "path",
                    "message": "must be a phase of the component's space",
                }
            ],
        )

    key = str(phase_id)
    old = component.phase_switches.get(key)
    new = switches.model_dump(mode="json")
    # A new dict, so that the JSON column sees the change.
    component.phase_switches = {**component.phase_switches, key: new}
    await session.flush()

    if old != new:
        _log(
            session,
            actor,
            "component.phase_switches_set",
            component,
            {f"phase_switches.{key}": [old, new]},
        )
    return component, await effective_switches(session, component)


async def _active_phase_id(session: AsyncSession, space_id: int) -> int | None:
    return await session.scalar(
        select(Phase.id).where(Phase.space_id == space_id, Phase.active)
    )


def _merged_settings(component: Component, sent: dict[str, Any]) -> dict[str, Any]:
    """The stored settings with ``sent`` laid over, validated for the type; or 422."""
    current = stored_settings(component).model_dump(mode="json")
    model = SETTINGS_MODELS[component.type]
    try:
        return model.model_validate({**current, **sent}).model_dump(mode="json")
    except ValidationError as exc:
        raise InvalidInputError(
            f"The settings are not valid for a {component.type} component.",
            errors=[
                {
                    "field": ".".join(["settings", *map(str, error["loc"])]),
                    "location": "body",
                    "message": error["msg"],
                    "code": error["type"],
                }
                for error in exc.errors()
            ],
        ) from exc


def _assign(target: Component, values: dict[str, Any]) -> dict[str, Any]:
    """Set ``values`` on ``target``; return ``{field: [old, new]}`` of real changes."""
    changes: dict[str, Any] = {}
    for field, value in values.items():
        old = getattr(target, field)
        if old != value:
            changes[field] = [old, value]
            setattr(target, field, value)
    return changes


def _log(
    session: AsyncSession,
    actor: User,
    action: str,
    component: Component,
    changes: dict[str, Any],
    *,
    public: bool = False,
) -> None:
    action_log.record(
        session,
        actor,
        action,
        object_type="component",
        object_id=component.id,
        space_id=component.space_id,
        changes=changes,
        public=public,
    )
