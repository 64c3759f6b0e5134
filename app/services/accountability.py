"""Accountability: results of decisions, their statuses, links and timeline.

A parent's progress follows its children on every change: their mean, or
their mean weighted by each child's weight, as the component's
``progress_aggregation`` says. Changes lock the result's ancestors top-down
(root first), so two changes under one parent queue instead of each
computing the parent from a state the other is about to change.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, TypeVar

from sqlalchemy import ColumnElement, Select, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from app.models.accountability import (
    MAX_DEPTH,
    Result,
    ResultLink,
    ResultStatus,
    ResultUpdate,
)
from app.models.base import utcnow
from app.models.components import Component, ComponentType
from app.models.spaces import Space
from app.models.taxonomies import Area, Scope
from app.models.users import User
from app.schemas.accountability import (
    LinkRead,
    LinkWrite,
    ResultCreate,
    ResultRead,
    StatusCreate,
    StatusRead,
    StatusUpdate,
    TimelineEntryCreate,
    TimelineEntryRead,
)
from app.schemas.accountability import (
    ResultUpdate as ResultChange,
)
from app.schemas.components import AccountabilitySettings, stored_settings
from app.schemas.pagination import decode_cursor
from app.services import action_log, outbox, search
from app.services.components import ensure_type, get_readable_component
from app.services.permissions import Action, allowed, roles_in_space
from app.services.resources import (
    ResourceKind,
    get_readable,
    kind_names,
    readable_reference,
    register,
    space_of,
)
from app.services.richtext import sanitize_translations
from app.services.taxonomies import scope_filter
from app.services.visibility import readable_components

LINKABLE = ("proposal", "budget_project", "meeting")
"""Kinds a result may come from; a kind counts once its domain registers it."""

Aggregation = Literal["mean", "weighted"]


AnySelect = TypeVar("AnySelect", bound=Select[*tuple[Any, ...]])


def readable(query: AnySelect, viewer: User | None) -> AnySelect:
    """The query narrowed to results in components ``viewer`` may read."""
    return (
        query.join(Component, Component.id == Result.component_id)
        .join(Space, Space.id == Component.space_id)
        .where(readable_components(viewer))
    )


def _restrict(query: Select[Any], viewer: User | None, _now: datetime) -> Select[Any]:
    return readable(query, viewer)


register(
    ResourceKind(
        "result",
        Result,
        _restrict,
        component_column=Result.component_id,
        commentable=True,
        comments_count=Result.comments_count,
    )
)


def decode_after(cursor: str | None) -> int | None:
    """The id after which a page of results or updates goes on."""
    if cursor is None:
        return None
    (last_id,) = decode_cursor(cursor, (int,))
    return int(last_id)


def linkable_kinds() -> tuple[str, ...]:
    registered = set(kind_names())
    return tuple(kind for kind in LINKABLE if kind in registered)


@dataclass(frozen=True, slots=True)
class ResultFilters:
    parent_id: int | None = None
    all_levels: bool = False
    status_id: int | None = None
    scope_id: int | None = None
    area_id: int | None = None


# Reading


async def list_results(
    session: AsyncSession,
    viewer: User | None,
    component_id: int,
    filters: ResultFilters,
    *,
    after: int | None,
    limit: int,
) -> list[ResultRead]:
    """Results of a readable component, ``limit + 1`` to tell if there are more.

    Without a parent, the top level; with one, its children.
    """
    await get_readable_component(session, viewer, component_id)
    query = (
        readable(select(Result, Component.space_id), viewer)
        .where(Result.component_id == component_id, *_conditions(filters))
        .order_by(Result.id)
        .limit(limit + 1)
    )
    if after is not None:
        query = query.where(Result.id > after)
    rows = list((await session.execute(query)).all())
    links = await links_of(session, viewer, [result.id for result, _ in rows])
    return [
        result_read(result, space_id, links.get(result.id, []))
        for result, space_id in rows
    ]


def _conditions(filters: ResultFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.parent_id is not None:
        conditions.append(Result.parent_id == filters.parent_id)
    elif not filters.all_levels:
        conditions.append(Result.parent_id.is_(None))
    if filters.status_id is not None:
        conditions.append(Result.status_id == filters.status_id)
    if filters.scope_id is not None:
        conditions.append(scope_filter(Result.scope_id, filters.scope_id))
    if filters.area_id is not None:
        conditions.append(Result.area_id == filters.area_id)
    return conditions


async def get_result(
    session: AsyncSession, viewer: User | None, result_id: int
) -> ResultRead:
    """The result, if ``viewer`` may read its component; otherwise 404."""
    row = (
        await session.execute(
            readable(select(Result, Component.space_id), viewer).where(
                Result.id == result_id
            )
        )
    ).first()
    if row is None:
        raise NotFoundError(f"There is no result {result_id}.")
    result, space_id = row
    links = await links_of(session, viewer, [result.id])
    return result_read(result, space_id, links.get(result.id, []))


async def links_of(
    session: AsyncSession, viewer: User | None, result_ids: list[int]
) -> dict[int, list[LinkRead]]:
    """The links of the results that name what ``viewer`` may read, in one query."""
    kinds = linkable_kinds()
    if not result_ids or not kinds:
        return {}
    rows = await session.execute(
        select(ResultLink.result_id, ResultLink.resource_type, ResultLink.resource_id)
        .where(
            ResultLink.result_id.in_(result_ids),
            readable_reference(
                ResultLink.resource_type,
                ResultLink.resource_id,
                viewer,
                utcnow(),
                names=kinds,
            ),
        )
        .order_by(ResultLink.id)
    )
    found: dict[int, list[LinkRead]] = {}
    for result_id, kind, resource_id in rows:
        found.setdefault(result_id, []).append(
            LinkRead(resource_type=kind, resource_id=resource_id)
        )
    return found


def result_read(result: Result, space_id: int, links: list[LinkRead]) -> ResultRead:
    return ResultRead(
        id=result.id,
        component_id=result.component_id,
        space_id=space_id,
        parent_id=result.parent_id,
        depth=result.depth,
        title=result.title,
        description=result.description,
        status_id=result.status_id,
        progress=result.progress,
        weight=result.weight,
        start_date=result.start_date,
        end_date=result.end_date,
        scope_id=result.scope_id,
        area_id=result.area_id,
        external_id=result.external_id,
        children_count=result.children_count,
        comments_count=result.comments_count,
        links=links,
        created_at=result.created_at,
        updated_at=result.updated_at,
    )


async def list_timeline(
    session: AsyncSession,
    viewer: User | None,
    result_id: int,
    *,
    after: int | None,
    limit: int,
) -> list[TimelineEntryRead]:
    """A readable result's updates, latest first."""
    await get_readable(session, viewer, "result", result_id)
    query = (
        select(ResultUpdate)
        .where(ResultUpdate.result_id == result_id)
        .order_by(ResultUpdate.id.desc())
        .limit(limit + 1)
    )
    if after is not None:
        query = query.where(ResultUpdate.id < after)
    found = await session.scalars(query)
    return [TimelineEntryRead.model_validate(entry) for entry in found]


async def list_statuses(
    session: AsyncSession, viewer: User | None, component_id: int
) -> list[StatusRead]:
    await get_readable_component(session, viewer, component_id)
    found = await session.scalars(
        select(ResultStatus)
        .join(Component, Component.id == ResultStatus.component_id)
        .join(Space, Space.id == Component.space_id)
        .where(ResultStatus.component_id == component_id, readable_components(viewer))
        .order_by(
            ResultStatus.progress.is_(None), ResultStatus.progress, ResultStatus.id
        )
    )
    return [StatusRead.model_validate(status) for status in found]


# Statuses


async def create_status(
    session: AsyncSession, actor: User, component_id: int, data: StatusCreate
) -> StatusRead:
    component = await component_for(session, actor, component_id)
    taken = await session.scalar(
        select(ResultStatus.id).where(
            ResultStatus.component_id == component.id, ResultStatus.key == data.key
        )
    )
    if taken is not None:
        raise ConflictError(f"The component already has a status {data.key!r}.")
    status = ResultStatus(component_id=component.id, **data.model_dump())
    session.add(status)
    await session.flush()
    return StatusRead.model_validate(status)


async def update_status(
    session: AsyncSession, actor: User, status_id: int, data: StatusUpdate
) -> StatusRead:
    status = await session.get(ResultStatus, status_id)
    if status is None:
        raise NotFoundError(f"There is no result status {status_id}.")
    await component_for(session, actor, status.component_id)
    for field, value in data.model_dump(exclude_unset=True).items():
        if value is not None or field == "progress":
            setattr(status, field, value)
    await session.flush()
    return StatusRead.model_validate(status)


async def delete_status(session: AsyncSession, actor: User, status_id: int) -> None:
    """Remove a status; its results keep their progress and lose the status."""
    status = await session.get(ResultStatus, status_id)
    if status is None:
        raise NotFoundError(f"There is no result status {status_id}.")
    await component_for(session, actor, status.component_id)
    # Through the session, so the change log sees each result lose its status.
    for holder in await session.scalars(
        select(Result).where(Result.status_id == status.id)
    ):
        holder.status_id = None
    await session.delete(status)
    await session.flush()


# Results


async def create_result(
    session: AsyncSession, actor: User, component_id: int, data: ResultCreate
) -> ResultRead:
    """A new result, under a parent when given; the parent's progress follows."""
    component = await component_for(session, actor, component_id)
    chain = await locked_chain(session, data.parent_id) if data.parent_id else []
    parent = chain[-1] if chain else None
    if parent is not None and parent.component_id != component.id:
        raise _invalid("parent_id", f"result {parent.id} is in another component")
    if parent is not None and parent.depth >= MAX_DEPTH:
        raise _invalid("parent_id", f"results nest {MAX_DEPTH} levels at most")

    fields = data.model_dump(exclude={"links", "parent_id"})
    fields["description"] = sanitize_translations(data.description)
    result = Result(
        component_id=component.id,
        parent_id=parent.id if parent else None,
        depth=parent.depth + 1 if parent else 1,
        children_count=0,
        comments_count=0,
        **fields,
    )
    await _check_references(session, component, result)
    await _default_progress(session, result, data.progress)
    session.add(result)
    await session.flush()
    await _set_links(session, actor, component, result, data.links)
    if parent is not None:
        parent.children_count += 1
    await refresh_ancestors(session, component, chain)

    _log(session, actor, "result.created", result, component)
    outbox.emit(session, "result.created", event_payload(result, component))
    return await _read_back(session, actor, result)


async def update_result(
    session: AsyncSession,
    actor: User,
    result_id: int,
    data: ResultChange,
    today: date,
) -> ResultRead:
    """Change a result; a change is a version in its timeline, dated ``today``
    (the organisation's day)."""
    result, component, chain = await _locked_result(session, actor, result_id)
    sent = data.model_dump(exclude_unset=True, exclude={"links"})
    if "description" in sent and sent["description"] is not None:
        sent["description"] = sanitize_translations(sent["description"])
    changes = await _apply(session, result, component, sent)
    if data.links is not None:
        await _set_links(session, actor, component, result, data.links)
    await session.flush()
    await refresh_ancestors(session, component, chain)

    if changes:
        _record_update(session, actor, result, changes, entry_date=today)
        _log(session, actor, "result.updated", result, component, changes)
        outbox.emit(
            session,
            "result.updated",
            event_payload(result, component) | {"changes": sorted(changes)},
        )
    return await _read_back(session, actor, result)


async def add_timeline_entry(
    session: AsyncSession,
    actor: User,
    result_id: int,
    data: TimelineEntryCreate,
    today: date,
) -> TimelineEntryRead:
    """A described update of a result; its progress or status apply to the result."""
    result, component, chain = await _locked_result(session, actor, result_id)
    sent = data.model_dump(include={"progress", "status_id"}, exclude_none=True)
    changes = await _apply(session, result, component, sent)
    await session.flush()
    await refresh_ancestors(session, component, chain)

    entry = _record_update(
        session,
        actor,
        result,
        changes,
        entry_date=data.entry_date or today,
        description=sanitize_translations(data.description),
    )
    await session.flush()
    outbox.emit(
        session,
        "result.timeline_updated",
        event_payload(result, component) | {"entry_id": entry.id},
    )
    return TimelineEntryRead.model_validate(entry)


async def delete_result(session: AsyncSession, actor: User, result_id: int) -> None:
    """Remove a result and its children; its parent's progress follows."""
    result, component, chain = await _locked_result(session, actor, result_id)
    parents = chain[:-1]
    # Deleted through the session, deepest first, so the change log keeps a
    # tombstone of each result for sync clients.
    for removed in reversed(await _subtree(session, result)):
        await session.delete(removed)
        await session.flush()
    if parents:
        parents[-1].children_count -= 1
    await refresh_ancestors(session, component, parents)
    _log(session, actor, "result.deleted", result, component)
    outbox.emit(session, "result.deleted", event_payload(result, component))


async def _subtree(session: AsyncSession, result: Result) -> list[Result]:
    """The result and its descendants, level by level."""
    found, level = [result], [result.id]
    while level:
        below = list(
            await session.scalars(select(Result).where(Result.parent_id.in_(level)))
        )
        found += below
        level = [child.id for child in below]
    return found


async def _apply(
    session: AsyncSession,
    result: Result,
    component: Component,
    sent: dict[str, Any],
) -> dict[str, list[Any]]:
    """Set the sent fields; a new status without a progress brings its default."""
    if "progress" in sent and result.children_count and sent["progress"] is not None:
        raise ConflictError(
            f"Result {result.id} has children: its progress follows theirs."
        )
    changes: dict[str, list[Any]] = {}
    for field, value in sent.items():
        if value is None and field not in (
            "start_date",
            "end_date",
            "scope_id",
            "area_id",
            "status_id",
        ):
            continue
        old = getattr(result, field)
        if old != value:
            changes[field] = [_plain(old), _plain(value)]
            setattr(result, field, value)
    _ensure_dates(result)
    await _check_references(session, component, result)
    if "status_id" in changes and "progress" not in sent:
        before = result.progress
        await _default_progress(session, result, None)
        if result.progress != before:
            changes["progress"] = [before, result.progress]
    return changes


def _ensure_dates(result: Result) -> None:
    if result.start_date and result.end_date and result.end_date < result.start_date:
        raise _invalid("end_date", "must not be before start_date")


async def _default_progress(
    session: AsyncSession, result: Result, sent: float | None
) -> None:
    """A result without a progress of its own takes its status's, if any."""
    if sent is not None or result.status_id is None or result.children_count:
        return
    default = await session.scalar(
        select(ResultStatus.progress).where(ResultStatus.id == result.status_id)
    )
    if default is not None:
        result.progress = default


async def check_status(
    session: AsyncSession, component: Component, status_id: int | None
) -> ResultStatus | None:
    """The status, if the component has it; refused with 422 otherwise."""
    if status_id is None:
        return None
    status = await session.get(ResultStatus, status_id)
    if status is None or status.component_id != component.id:
        raise _invalid("status_id", f"the component has no status {status_id}")
    return status


async def _check_references(
    session: AsyncSession, component: Component, result: Result
) -> None:
    await check_status(session, component, result.status_id)
    if result.scope_id and await session.get(Scope, result.scope_id) is None:
        raise _invalid("scope_id", f"there is no scope {result.scope_id}")
    if result.area_id and await session.get(Area, result.area_id) is None:
        raise _invalid("area_id", f"there is no area {result.area_id}")


async def _set_links(
    session: AsyncSession,
    actor: User,
    component: Component,
    result: Result,
    links: list[LinkWrite],
) -> None:
    """Replace the links, each to a resource the actor reads in the same space."""
    kinds = linkable_kinds()
    wanted: set[tuple[str, int]] = set()
    for index, link in enumerate(links):
        field = f"links.{index}"
        if link.resource_type not in kinds:
            raise _invalid(field, f"links name one of: {', '.join(kinds)}")
        try:
            await get_readable(session, actor, link.resource_type, link.resource_id)
        except NotFoundError:
            raise _invalid(
                field, f"there is no {link.resource_type} {link.resource_id}"
            ) from None
        if await space_of(session, link.resource_type, link.resource_id) != (
            component.space_id
        ):
            raise _invalid(field, "must be in the result's space")
        wanted.add((link.resource_type, link.resource_id))
    await session.execute(delete(ResultLink).where(ResultLink.result_id == result.id))
    session.add_all(
        ResultLink(result_id=result.id, resource_type=kind, resource_id=resource_id)
        for kind, resource_id in sorted(wanted)
    )
    await session.flush()


async def refresh_ancestors(
    session: AsyncSession, component: Component, chain: list[Result]
) -> None:
    """Recompute each locked ancestor's progress from its children, deepest first."""
    await session.flush()
    aggregation = aggregation_of(component)
    for ancestor in reversed(chain):
        progress = await children_progress(session, ancestor.id, aggregation)
        if progress is not None and progress != ancestor.progress:
            ancestor.progress = progress
        await session.flush()


async def children_progress(
    session: AsyncSession, parent_id: int, aggregation: Aggregation
) -> float | None:
    """The children's mean progress (weighted, when asked); None without children.

    A child without progress counts as 0: nothing of it is done yet. With
    weights that are all zero the plain mean applies.
    """
    progress = func.coalesce(Result.progress, 0.0)
    count, total, weighted, weights = (
        await session.execute(
            select(
                func.count(),
                func.sum(progress),
                func.sum(progress * Result.weight),
                func.sum(Result.weight),
            ).where(Result.parent_id == parent_id)
        )
    ).one()
    if not count:
        return None
    if aggregation == "weighted" and weights:
        return round(float(weighted) / float(weights), 2)
    return round(float(total) / count, 2)


def aggregation_of(component: Component) -> Aggregation:
    settings = stored_settings(component)
    assert isinstance(settings, AccountabilitySettings)
    return settings.progress_aggregation


async def locked_chain(session: AsyncSession, result_id: int) -> list[Result]:
    """The result and its ancestors, root first, each row locked in that order.

    Parents never change, so the chain read before locking stays the chain.
    """
    ids: list[int] = []
    current: int | None = result_id
    while current is not None and len(ids) < MAX_DEPTH:
        ids.append(current)
        current = await session.scalar(
            select(Result.parent_id).where(Result.id == current)
        )
    chain = []
    for locked_id in reversed(ids):
        row = await session.scalar(
            select(Result)
            .where(Result.id == locked_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if row is None:
            raise NotFoundError(f"There is no result {locked_id}.")
        chain.append(row)
    return chain


async def _locked_result(
    session: AsyncSession, actor: User, result_id: int
) -> tuple[Result, Component, list[Result]]:
    """The result with its locked chain, once ``actor`` may manage it."""
    component_id = await session.scalar(
        select(Result.component_id).where(Result.id == result_id)
    )
    if component_id is None:
        raise NotFoundError(f"There is no result {result_id}.")
    component = await component_for(session, actor, component_id)
    chain = await locked_chain(session, result_id)
    return chain[-1], component, chain


async def component_for(
    session: AsyncSession, actor: User, component_id: int
) -> Component:
    """The accountability component, once ``actor`` may manage its space."""
    component = await session.get(Component, component_id)
    if component is None:
        raise NotFoundError(f"There is no component {component_id}.")
    roles = await roles_in_space(session, actor, component.space_id)
    if not allowed(actor, Action.MANAGE_SPACE, roles):
        readable = await session.scalar(
            select(Component.id)
            .join(Space, Space.id == Component.space_id)
            .where(Component.id == component.id, readable_components(actor))
        )
        if readable is None:
            raise NotFoundError(f"There is no component {component_id}.")
        raise PermissionDeniedError("You are not allowed to do this.")
    ensure_type(component, ComponentType.ACCOUNTABILITY)
    return component


async def _read_back(session: AsyncSession, actor: User, result: Result) -> ResultRead:
    await session.flush()
    await session.refresh(result)
    return await get_result(session, actor, result.id)


def _record_update(
    session: AsyncSession,
    actor: User | None,
    result: Result,
    changes: dict[str, list[Any]],
    *,
    entry_date: date,
    description: dict[str, str] | None = None,
) -> ResultUpdate:
    entry = ResultUpdate(
        result_id=result.id,
        entry_date=entry_date,
        description=description or {},
        progress=result.progress,
        status_id=result.status_id,
        changes=changes,
        author_id=actor.id if actor else None,
    )
    session.add(entry)
    return entry


def event_payload(result: Result, component: Component) -> dict[str, Any]:
    return {
        "result_id": result.id,
        "component_id": component.id,
        "space_id": component.space_id,
        "progress": result.progress,
    }


def _log(
    session: AsyncSession,
    actor: User,
    action: str,
    result: Result,
    component: Component,
    changes: dict[str, Any] | None = None,
) -> None:
    action_log.record(
        session,
        actor,
        action,
        object_type="result",
        object_id=result.id,
        space_id=component.space_id,
        changes=changes,
        public=component.published_at is not None,
    )


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _invalid(field: str, message: str) -> InvalidInputError:
    return InvalidInputError(
        f"{field}: {message}.",
        errors=[{"field": field, "location": "body", "message": message}],
    )


search.register(
    search.Searchable(
        "result",
        Result,
        search.in_component(
            Result,
            title=Result.title,
            body=Result.description,
            occurred_at=Result.created_at,
            scope_id=Result.scope_id,
            area_id=Result.area_id,
        ),
        watched=frozenset({"title", "description", "scope_id", "area_id"}),
    )
)
