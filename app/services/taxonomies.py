"""The three approaches: scopes (a territorial tree), areas and interest groups.

Everyone reads them; organisation admins change them. ``scope_filter`` is the
one way every other domain filters by scope, descendants included.
"""

from typing import Any, TypeVar

from sqlalchemy import (
    Column,
    ColumnElement,
    Select,
    SQLColumnExpression,
    exists,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, defer
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql import FromClause

from app.errors import ConflictError, InvalidInputError, NotFoundError
from app.models.base import Base
from app.models.taxonomies import (
    Area,
    AreaType,
    InterestGroup,
    InterestGroupKind,
    Scope,
    ScopeType,
)
from app.models.users import User
from app.schemas.taxonomies import (
    AreaCreate,
    AreaTypeCreate,
    AreaTypeUpdate,
    AreaUpdate,
    InterestGroupCreate,
    InterestGroupUpdate,
    ScopeBrief,
    ScopeCreate,
    ScopeDetail,
    ScopeRead,
    ScopeUpdate,
)
from app.services.action_log import apply_changes, record
from app.services.permissions import Action, ensure_can

M = TypeVar("M", bound=Base)

_TREE_LOCK = 0x5C0_9E5
"""Advisory lock key that serialises changes to the shape of the scope tree."""


def scope_filter(
    column: SQLColumnExpression[int | None], scope_id: int
) -> ColumnElement[bool]:
    """``column`` references the scope ``scope_id`` or one of its descendants.

    An unknown ``scope_id`` matches nothing. The scopes are aliased so that the
    condition never correlates with a ``scopes`` table of the enclosing query.
    """
    anchor = aliased(Scope)
    member = aliased(Scope)
    prefix = select(anchor.path).where(anchor.id == scope_id).scalar_subquery()
    return column.in_(select(member.id).where(member.path.startswith(prefix)))


# Scopes


async def list_scopes(
    session: AsyncSession,
    *,
    parent_id: int | None,
    type: ScopeType | None,
    root: bool | None,
    after_id: int | None,
    limit: int,
) -> list[Scope]:
    """Scopes by id, without their boundaries, with ``limit + 1`` rows."""
    if root is not None and parent_id is not None:
        raise _invalid("root", "give either root or parent_id, not both", "query")
    query = select(Scope).options(defer(Scope.boundary, raiseload=True))
    if parent_id is not None:
        query = query.where(Scope.parent_id == parent_id)
    if root is not None:
        query = query.where(
            Scope.parent_id.is_(None) if root else Scope.parent_id.is_not(None)
        )
    if type is not None:
        query = query.where(Scope.type == type)
    return await _page(session, query, Scope, after_id, limit)


async def get_scope(session: AsyncSession, scope_id: int) -> ScopeDetail:
    return await _detail(session, await _get(session, Scope, scope_id))


async def create_scope(
    session: AsyncSession, actor: User, body: ScopeCreate
) -> ScopeDetail:
    await ensure_can(session, actor, Action.MANAGE_TAXONOMIES)

    if body.parent_id is not None:
        await _lock_tree(session)
    parent = await _new_parent(session, body.parent_id)
    await _ensure_code_free(session, Scope, body.code)
    scope = Scope(**body.model_dump())
    session.add(scope)
    await _flush_unique(session, Scope)
    await _set_path(session, scope, parent)

    record(session, actor, "scope.created", object_type="scope", object_id=scope.id)
    return await _detail(session, scope)


async def update_scope(
    session: AsyncSession, actor: User, scope_id: int, body: ScopeUpdate
) -> ScopeDetail:
    """Change a scope; a new parent moves it with its whole subtree."""
    await ensure_can(session, actor, Action.MANAGE_TAXONOMIES)
    moving = "parent_id" in body.model_fields_set
    if moving:
        await _lock_tree(session)

    scope = await _get(session, Scope, scope_id)
    if body.code is not None and body.code != scope.code:
        await _ensure_code_free(session, Scope, body.code)
    moving = moving and body.parent_id != scope.parent_id
    parent = await _new_parent(session, body.parent_id) if moving else None
    if parent is not None and parent.path.startswith(scope.path):
        raise _invalid("parent_id", "a scope cannot move under its own subtree")

    changes = apply_changes(scope, body)
    if "boundary" in changes:
        changes["boundary"] = [_shape(value) for value in changes["boundary"]]
    await _flush_unique(session, Scope)
    if moving:
        await _set_path(session, scope, parent)

    if changes:
        record(
            session,
            actor,
            "scope.updated",
            object_type="scope",
            object_id=scope.id,
            changes=changes,
        )
    return await _detail(session, scope)


async def delete_scope(session: AsyncSession, actor: User, scope_id: int) -> None:
    """Delete an unused scope: no children, nothing referring to it."""
    await ensure_can(session, actor, Action.MANAGE_TAXONOMIES)

    scope = await _get(session, Scope, scope_id)
    await _delete_unused(session, scope)

    record(
        session,
        actor,
        "scope.deleted",
        object_type="scope",
        object_id=scope_id,
        changes={"code": [scope.code, None], "name": [scope.name, None]},
    )


async def _new_parent(session: AsyncSession, parent_id: int | None) -> Scope | None:
    """The parent a scope is placed under; the caller has locked the tree."""
    if parent_id is None:
        return None
    parent = await session.get(Scope, parent_id, populate_existing=True)
    if parent is None:
        raise _invalid("parent_id", f"there is no scope {parent_id}")
    return parent


async def _lock_tree(session: AsyncSession) -> None:
    """Serialise moves and insertions, so that no path is computed from a stale one.

    SQLite writers already queue behind each other (BEGIN IMMEDIATE).
    """
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(_TREE_LOCK)))


async def _set_path(session: AsyncSession, scope: Scope, parent: Scope | None) -> None:
    """Place ``scope`` under ``parent``, re-pathing its subtree in one UPDATE.

    The UPDATE bypasses the unit of work: a path is internal, so neither the
    change log nor ``updated_at`` of the descendants should move with it.
    """
    old = scope.path
    new = f"{parent.path if parent else '/'}{scope.id}/"
    if old:
        matches = Scope.path.startswith(old)
        value = literal(new) + func.substr(Scope.path, len(old) + 1)
    else:
        matches, value = Scope.id == scope.id, literal(new)
    await session.execute(
        update(Scope)
        .where(matches)
        .values(path=value)
        .execution_options(synchronize_session=False)
    )
    set_committed_value(scope, "path", new)


async def _detail(session: AsyncSession, scope: Scope) -> ScopeDetail:
    ancestor_ids = [int(part) for part in scope.path.strip("/").split("/")[:-1]]
    rows = await session.execute(
        select(Scope.id, Scope.type, Scope.code, Scope.name).where(
            Scope.id.in_(ancestor_ids)
        )
    )
    by_id = {row.id: ScopeBrief.model_validate(row) for row in rows}
    children = await session.scalar(
        select(func.count()).select_from(Scope).where(Scope.parent_id == scope.id)
    )

    return ScopeDetail(
        **ScopeRead.model_validate(scope).model_dump(),
        boundary=scope.boundary,
        ancestors=[by_id[ancestor] for ancestor in ancestor_ids if ancestor in by_id],
        children_count=children or 0,
    )


def _shape(boundary: dict[str, Any] | None) -> str | None:
    """What the action log keeps of a boundary: its type, not its coordinates."""
    return boundary["type"] if boundary else None


# Area types


async def list_area_types(
    session: AsyncSession, *, after_id: int | None, limit: int
) -> list[AreaType]:
    return await _page(session, select(AreaType), AreaType, after_id, limit)


async def get_area_type(session: AsyncSession, area_type_id: int) -> AreaType:
    return await _get(session, AreaType, area_type_id)


async def create_area_type(
    session: AsyncSession, actor: User, body: AreaTypeCreate
) -> AreaType:
    await ensure_can(session, actor, Action.MANAGE_TAXONOMIES)

    area_type = AreaType(**body.model_dump())
    session.add(area_type)
    await session.flush()

    record(
        session,
        actor,
        "area_type.created",
        object_type="area_type",
        object_id=area_type.id,
    )
    return area_type


async def update_area_type(
    session: AsyncSession, actor: User, area_type_id: int, body: AreaTypeUpdate
) -> AreaType:
    await ensure_can(session, actor, Action.MANAGE_TAXONOMIES)

    area_type = await _get(session, AreaType, area_type_id)
    changes = apply_changes(area_type, body)
    await session.flush()

    if changes:
        record(
            session,
            actor,
            "area_type.updated",
            object_type="area_type",
            object_id=area_type.id,
            changes=changes,
        )
    return area_type


async def delete_area_type(
    session: AsyncSession, actor: User, area_type_id: int
) -> None:
    """Delete an area type that no area belongs to."""
    await ensure_can(session, actor, Action.MANAGE_TAXONOMIES)

    area_type = await _get(session, AreaType, area_type_id)
    await _delete_unused(session, area_type)

    record(
        session,
        actor,
        "area_type.deleted",
        object_type="area_type",
        object_id=area_type_id,
        changes={"name": [area_type.name, None]},
    )


# Areas


async def list_areas(
    session: AsyncSession,
    *,
    area_type_id: int | None,
    after_id: int | None,
    limit: int,
) -> list[Area]:
    query = select(Area)
    if area_type_id is not None:
        query = query.where(Area.area_type_id == area_type_id)
    return await _page(session, query, Area, after_id, limit)


async def get_area(session: AsyncSession, area_id: int) -> Area:
    return await _get(session, Area, area_id)


async def create_area(session: AsyncSession, actor: User, body: AreaCreate) -> Area:
    await ensure_can(session, actor, Action.MANAGE_TAXONOMIES)

    await _ensure_area_type(session, body.area_type_id)
    area = Area(**body.model_dump())
    session.add(area)
    await session.flush()

    record(session, actor, "area.created", object_type="area", object_id=area.id)
    return area


async def update_area(
    session: AsyncSession, actor: User, area_id: int, body: AreaUpdate
) -> Area:
    await ensure_can(session, actor, Action.MANAGE_TAXONOMIES)

    area = await _get(session, Area, area_id)
    if "area_type_id" in body.model_fields_set:
        await _ensure_area_type(session, body.area_type_id)
    changes = apply_changes(area, body)
    await session.flush()

    if changes:
        record(
            session,
            actor,
            "area.updated",
            object_type="area",
            object_id=area.id,
            changes=changes,
        )
    return area


async def delete_area(session: AsyncSession, actor: User, area_id: int) -> None:
    """Delete an area that no space (or other content) is filed under."""
    await ensure_can(session, actor, Action.MANAGE_TAXONOMIES)

    area = await _get(session, Area, area_id)
    await _delete_unused(session, area)

    record(
        session,
        actor,
        "area.deleted",
        object_type="area",
        object_id=area_id,
        changes={"name": [area.name, None]},
    )


async def _ensure_area_type(session: AsyncSession, area_type_id: int | None) -> None:
    if area_type_id is None:
        return
    if await session.get(AreaType, area_type_id) is None:
        raise _invalid("area_type_id", f"there is no area type {area_type_id}")


# Interest groups


async def list_interest_groups(
    session: AsyncSession,
    *,
    kind: InterestGroupKind | None,
    after_id: int | None,
    limit: int,
) -> list[InterestGroup]:
    query = select(InterestGroup)
    if kind is not None:
        query = query.where(InterestGroup.kind == kind)
    return await _page(session, query, InterestGroup, after_id, limit)


async def get_interest_group(session: AsyncSession, group_id: int) -> InterestGroup:
    return await _get(session, InterestGroup, group_id)


async def create_interest_group(
    session: AsyncSession, actor: User, body: InterestGroupCreate
) -> InterestGroup:
    await ensure_can(session, actor, Action.MANAGE_TAXONOMIES)

    await _ensure_code_free(session, InterestGroup, body.code)
    group = InterestGroup(**body.model_dump())
    session.add(group)
    await _flush_unique(session, InterestGroup)

    record(
        session,
        actor,
        "interest_group.created",
        object_type="interest_group",
        object_id=group.id,
    )
    return group


async def update_interest_group(
    session: AsyncSession, actor: User, group_id: int, body: InterestGroupUpdate
) -> InterestGroup:
    await ensure_can(session, actor, Action.MANAGE_TAXONOMIES)

    group = await _get(session, InterestGroup, group_id)
    if body.code is not None and body.code != group.code:
        await _ensure_code_free(session, InterestGroup, body.code)
    changes = apply_changes(group, body)
    await _flush_unique(session, InterestGroup)

    if changes:
        record(
            session,
            actor,
            "interest_group.updated",
            object_type="interest_group",
            object_id=group.id,
            changes=changes,
        )
    return group


async def delete_interest_group(
    session: AsyncSession, actor: User, group_id: int
) -> None:
    """Delete an interest group that no space or resident refers to."""
    await ensure_can(session, actor, Action.MANAGE_TAXONOMIES)

    group = await _get(session, InterestGroup, group_id)
    await _delete_unused(session, group)

    record(
        session,
        actor,
        "interest_group.deleted",
        object_type="interest_group",
        object_id=group_id,
        changes={"code": [group.code, None], "name": [group.name, None]},
    )


# Shared by the four kinds


_NOUNS: dict[type[Base], str] = {
    Scope: "scope",
    AreaType: "area type",
    Area: "area",
    InterestGroup: "interest group",
}


async def _get(session: AsyncSession, model: type[M], object_id: int) -> M:
    found = await session.get(model, object_id)
    if found is None:
        raise NotFoundError(f"There is no {_NOUNS[model]} {object_id}.")
    return found


async def _page(
    session: AsyncSession,
    query: Select[M],
    model: type[Scope | AreaType | Area | InterestGroup],
    after_id: int | None,
    limit: int,
) -> list[M]:
    """One page in id order, with one row more than ``limit`` if there is more."""
    if after_id is not None:
        query = query.where(model.id > after_id)
    rows = await session.scalars(query.order_by(model.id).limit(limit + 1))
    return list(rows.all())


async def _ensure_code_free(
    session: AsyncSession, model: type[Scope | InterestGroup], code: str
) -> None:
    if await session.scalar(select(model.id).where(model.code == code)) is not None:
        raise _code_taken(model)


async def _flush_unique(
    session: AsyncSession, model: type[Scope | InterestGroup]
) -> None:
    """Flush; a concurrent writer that took the code first makes it a 409."""
    try:
        await session.flush()
    except IntegrityError as exc:
        raise _code_taken(model) from exc


def _code_taken(model: type[Scope | InterestGroup]) -> ConflictError:
    return ConflictError(
        f"Another {_NOUNS[model]} already has this code.", field="code"
    )


async def _delete_unused(
    session: AsyncSession, target: Scope | AreaType | Area | InterestGroup
) -> None:
    """Delete ``target`` unless some row still refers to it (a 409 naming them).

    The referring tables come from the foreign keys that forbid the deletion,
    so content added by later domains (proposals, meetings...) counts too.
    """
    columns = _restricting_columns(target.__table__)
    if columns:
        checks = [exists().where(column == target.id) for column in columns]
        used = (await session.execute(select(*checks))).one()
        users = {col.table.name for col, hit in zip(columns, used, strict=True) if hit}
        if users:
            raise _in_use(target, sorted(users))

    await session.delete(target)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise _in_use(target, []) from exc


def _restricting_columns(table: FromClause) -> list[Column[Any]]:
    return [
        key.parent
        for other in Base.metadata.sorted_tables
        for key in other.foreign_keys
        if key.column.table is table
        and (key.ondelete or "RESTRICT").upper() in {"RESTRICT", "NO ACTION"}
    ]


def _in_use(target: Base, users: list[str]) -> ConflictError:
    noun = _NOUNS[type(target)]
    where = f" by {', '.join(users)}" if users else ""
    return ConflictError(
        f"The {noun} is in use{where}; detach or delete what uses it first.",
        in_use_by=users,
    )


def _invalid(field: str, message: str, location: str = "body") -> InvalidInputError:
    return InvalidInputError(f"{field}: {message}.", field=field, location=location)
