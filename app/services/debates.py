"""Debates: opened by a space's team, or by participants where the component
allows it; closed by the team with conclusions."""

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from app.models.base import utcnow
from app.models.components import Component, ComponentType
from app.models.debates import Debate
from app.models.spaces import Space
from app.models.users import User
from app.schemas.debates import (
    DebateClose,
    DebateCreate,
    DebateOrder,
    DebateState,
    DebateUpdate,
)
from app.schemas.pagination import decode_cursor, encode_cursor
from app.services import action_log, follows, outbox, search
from app.services.components import (
    ensure_type,
    get_component_for,
    get_readable_component,
)
from app.services.conversation import component_state
from app.services.permissions import Action, allowed, ensure_can, roles_in_space
from app.services.resources import ResourceKind, register
from app.services.richtext import sanitize_translations
from app.services.visibility import readable_components


def accepts_comments(debate: Debate, now: datetime) -> bool:
    """Open: not closed, and within its dates when it has some."""
    return (
        debate.closed_at is None
        and (debate.starts_at is None or debate.starts_at <= now)
        and (debate.ends_at is None or now < debate.ends_at)
    )


def _restrict(query: Select[Any], viewer: User | None, _now: datetime) -> Select[Any]:
    return (
        query.join(Component, Component.id == Debate.component_id)
        .join(Space, Space.id == Component.space_id)
        .where(readable_components(viewer), Debate.hidden_at.is_(None))
    )


DEBATE = register(
    ResourceKind(
        "debate",
        Debate,
        _restrict,
        component_column=Debate.component_id,
        commentable=True,
        comments_count=Debate.comments_count,
        accepts_comments=accepts_comments,
        endorsable=True,
        endorsements_count=Debate.endorsements_count,
    )
)


# Reading


async def list_debates(
    session: AsyncSession,
    viewer: User | None,
    component_id: int,
    *,
    order: DebateOrder,
    state: DebateState | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Debate], str | None]:
    """A page of a readable debates component's debates."""
    component = await get_readable_component(session, viewer, component_id)
    ensure_type(component, ComponentType.DEBATES)

    query = select(Debate).where(
        Debate.component_id == component.id, Debate.hidden_at.is_(None)
    )
    if state is DebateState.OPEN:
        query = query.where(Debate.closed_at.is_(None))
    elif state is DebateState.CLOSED:
        query = query.where(Debate.closed_at.is_not(None))
    if order is DebateOrder.RECENT:
        query = query.order_by(Debate.id.desc())
    else:
        query = query.order_by(Debate.comments_count.desc(), Debate.id.desc())
    if cursor is not None:
        query = query.where(_after(order, cursor))

    found = list((await session.scalars(query.limit(limit + 1))).all())
    if len(found) <= limit:
        return found, None
    last = found[limit - 1]
    key = [last.comments_count] if order is DebateOrder.MOST_COMMENTED else []
    return found[:limit], encode_cursor([order.value, *key, last.id])


def _after(order: DebateOrder, cursor: str) -> ColumnElement[bool]:
    values = decode_cursor(
        cursor, (str, int) if order is DebateOrder.RECENT else (str, int, int)
    )
    name, last_id = values[0], int(values[-1])
    if name != order.value:
        raise InvalidInputError(
            "The cursor belongs to another order; start again without it.",
            field="cursor",
            error_code="cursor_malformed",
        )
    if order is DebateOrder.RECENT:
        return Debate.id < last_id
    last_count = int(values[1])
    return (Debate.comments_count < last_count) | (
        (Debate.comments_count == last_count) & (Debate.id < last_id)
    )


async def get_debate(
    session: AsyncSession, viewer: User | None, debate_id: int
) -> Debate:
    """The debate, if ``viewer`` may read its component; otherwise 404."""
    debate: Debate | None = await session.scalar(
        _restrict(select(Debate), viewer, utcnow()).where(Debate.id == debate_id)
    )
    if debate is None:
        raise NotFoundError(f"There is no debate {debate_id}.")
    return debate


# Writing


async def create_debate(
    session: AsyncSession, actor: User, component_id: int, data: DebateCreate
) -> Debate:
    """A debate: official when the space's team opens it; the author follows it."""
    component = await get_readable_component(session, actor, component_id)
    ensure_type(component, ComponentType.DEBATES)
    _ensure_dates(data.starts_at, data.ends_at)
    roles = await roles_in_space(session, actor, component.space_id)
    official = allowed(actor, Action.MANAGE_SPACE, roles)
    if not official:
        await _ensure_participants_may_create(session, actor, component)

    debate = Debate(
        component_id=component.id,
        author_id=actor.id,
        official=official,
        title=data.title,
        description=sanitize_translations(data.description),
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        conclusions={},
        comments_count=0,
        endorsements_count=0,
    )
    session.add(debate)
    await session.flush()
    await follows.follow_quietly(session, actor, DEBATE.name, debate.id)

    created = {"title": [None, debate.title]}
    _log(session, actor, "debate.created", debate, component, created, public=True)
    _emit(session, "debate.created", debate, component)
    return debate


async def _ensure_participants_may_create(
    session: AsyncSession, actor: User, component: Component
) -> None:
    _, settings, switches, participable = await component_state(
        session, actor, component.id
    )
    if (
        not getattr(settings, "participants_can_create", False)
        or component.published_at is None
    ):
        raise PermissionDeniedError(
            "Only the space's team opens debates here.", reason="creation_disabled"
        )
    if not participable:
        raise PermissionDeniedError(
            "Only members of this space may take part in it.", reason="not_member"
        )
    if not switches.creation_enabled:
        raise PermissionDeniedError(
            "Debates cannot be opened in this phase.", reason="creation_disabled"
        )


async def update_debate(
    session: AsyncSession, actor: User, debate_id: int, data: DebateUpdate
) -> Debate:
    """Change an open debate: its author's, or an official one by the team."""
    debate, component = await _editable(session, actor, debate_id)
    if data.description is not None:
        data = data.model_copy(
            update={"description": sanitize_translations(data.description)}
        )
    sent = data.model_fields_set
    _ensure_dates(
        data.starts_at if "starts_at" in sent else debate.starts_at,
        data.ends_at if "ends_at" in sent else debate.ends_at,
    )

    changes = action_log.apply_changes(debate, data)
    await session.flush()

    if changes:
        _log(session, actor, "debate.updated", debate, component, changes)
    return debate


async def close_debate(
    session: AsyncSession, actor: User, debate_id: int, data: DebateClose
) -> Debate:
    """Close a debate with conclusions; closing again rewrites the conclusions."""
    debate = await session.get(Debate, debate_id)
    if debate is None:
        raise NotFoundError(f"There is no debate {debate_id}.")
    component = await get_component_for(
        session, actor, Action.MANAGE_SPACE, debate.component_id
    )

    conclusions = sanitize_translations(data.conclusions)
    first_time = debate.closed_at is None
    changes = {"conclusions": [debate.conclusions, conclusions]}
    debate.conclusions = conclusions
    if first_time:
        debate.closed_at = utcnow()
    await session.flush()

    if first_time:
        _log(session, actor, "debate.closed", debate, component, changes, public=True)
        _emit(session, "debate.closed", debate, component)
    else:
        _log(session, actor, "debate.conclusions_updated", debate, component, changes)
    return debate


async def _editable(
    session: AsyncSession, actor: User, debate_id: int
) -> tuple[Debate, Component]:
    debate = await get_debate(session, actor, debate_id)
    component = await session.get_one(Component, debate.component_id)
    if debate.official:
        await ensure_can(session, actor, Action.MANAGE_SPACE, component.space_id)
    elif debate.author_id != actor.id:
        raise PermissionDeniedError("Only its author may change this debate.")
    if debate.closed_at is not None:
        raise ConflictError(f"Debate {debate.id} is closed; it cannot change.")
    return debate, component


def _ensure_dates(starts_at: datetime | None, ends_at: datetime | None) -> None:
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        raise InvalidInputError(
            "The debate ends before it starts.",
            errors=[
                {
                    "field": "ends_at",
                    "location": "body",
                    "message": "must be after starts_at",
                }
            ],
        )


def _log(
    session: AsyncSession,
    actor: User,
    action: str,
    debate: Debate,
    component: Component,
    changes: dict[str, Any],
    *,
    public: bool = False,
) -> None:
    action_log.record(
        session,
        actor,
        action,
        object_type=DEBATE.name,
        object_id=debate.id,
        space_id=component.space_id,
        changes=changes,
        public=public,
    )


def _emit(
    session: AsyncSession, event_type: str, debate: Debate, component: Component
) -> None:
    outbox.emit(
        session,
        event_type,
        {
            "debate_id": debate.id,
            "component_id": component.id,
            "space_id": component.space_id,
            "author_id": debate.author_id,
            "official": debate.official,
        },
    )


search.register(
    search.Searchable(
        "debate",
        Debate,
        search.in_component(
            Debate,
            title=Debate.title,
            body=Debate.description,
            occurred_at=Debate.created_at,
        ),
        watched=frozenset({"title", "description"}),
    )
)
