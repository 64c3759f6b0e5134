"""Spaces: lookup under the visibility rule, the public list, the admin's writes."""

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    case,
    delete,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import ConflictError, InvalidInputError, NotFoundError
from app.models.base import utcnow
from app.models.components import Component
from app.models.spaces import (
    Phase,
    Space,
    SpaceInterestGroup,
    SpaceKind,
    SpaceMember,
    SpaceRole,
    SpaceRoleName,
    SpaceStatus,
    Visibility,
)
from app.models.taxonomies import Area, InterestGroup, Scope
from app.models.users import User
from app.schemas.pagination import decode_cursor, encode_cursor
from app.schemas.spaces import SpaceCreate, SpacePeriod, SpaceUpdate
from app.services import search
from app.services.action_log import apply_changes, record
from app.services.permissions import Action, ensure_can
from app.services.richtext import sanitize_translations
from app.services.taxonomies import scope_filter
from app.services.visibility import readable_components, readable_spaces

RowT = TypeVar("RowT")


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


async def lock_space(session: AsyncSession, space_id: int) -> None:
    """Hold the space's row until the transaction ends, to serialise its writers.

    SQLite has no row locks; its writers already queue (BEGIN IMMEDIATE).
    """
    await session.execute(
        select(Space.id).where(Space.id == space_id).with_for_update()
    )


def ensure_dates(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise InvalidInputError(
            "The end date comes before the start date.",
            errors=[
                {
                    "field": "end_date",
                    "location": "body",
                    "message": "must be on or after start_date",
                }
            ],
        )


# Reading


@dataclass
class SpaceView:
    """A space as one reader sees it: the row, plus what that reader may count.

    Attributes not declared here are read from the space itself.
    """

    space: Space
    interest_group_ids: list[int]
    phase_count: int
    active_phase_id: int | None
    component_count: int

    def __getattr__(self, name: str) -> Any:
        return getattr(self.space, name)


@dataclass(frozen=True)
class SpaceFilters:
    kind: SpaceKind | None = None
    scope_id: int | None = None
    area_id: int | None = None
    interest_group_id: int | None = None
    period: SpacePeriod | None = None
    text: str | None = None


async def get_space(
    session: AsyncSession, viewer: User | None, reference: str
) -> SpaceView:
    """The space with this id (all digits) or slug, if ``viewer`` may read it."""
    if reference.isascii() and reference.isdigit() and len(reference) <= 18:
        condition = Space.id == int(reference)
    else:
        condition = Space.slug == reference
    space = await session.scalar(
        select(Space).where(condition, readable_spaces(viewer))
    )
    if space is None:
        raise NotFoundError(f"There is no space {reference!r}.")
    return (await _views(session, viewer, [space]))[0]


async def list_spaces(
    session: AsyncSession,
    viewer: User | None,
    filters: SpaceFilters,
    *,
    today: date,
    cursor: str | None,
    limit: int,
) -> tuple[list[SpaceView], str | None]:
    """A page of the spaces ``viewer`` may read, latest start first.

    Ordered by start date descending with undated spaces last, then by id
    descending; the cursor carries both, so pages neither repeat nor skip.
    """
    query = (
        select(Space)
        .where(readable_spaces(viewer), *_conditions(session, filters, today))
        .order_by(Space.start_date.desc().nulls_last(), Space.id.desc())
    )
    if cursor is not None:
        query = query.where(_after(*_decode_key(cursor)))
    spaces = list((await session.scalars(query.limit(limit + 1))).all())

    next_cursor = None
    if len(spaces) > limit:
        last = spaces[limit - 1]
        start = last.start_date.isoformat() if last.start_date else ""
        next_cursor = encode_cursor([start, last.id])
    return await _views(session, viewer, spaces[:limit]), next_cursor


def _conditions(
    session: AsyncSession, filters: SpaceFilters, today: date
) -> list[ColumnElement[bool]]:
    conditions = []
    if filters.kind is not None:
        conditions.append(Space.kind == filters.kind)
    if filters.scope_id is not None:
        conditions.append(scope_filter(Space.scope_id, filters.scope_id))
    if filters.area_id is not None:
        conditions.append(Space.area_id == filters.area_id)
    if filters.interest_group_id is not None:
        conditions.append(
            exists().where(
                SpaceInterestGroup.space_id == Space.id,
                SpaceInterestGroup.interest_group_id == filters.interest_group_id,
            )
        )
    if filters.period is not None:
        conditions.append(_in_period(filters.period, today))
    if filters.text:
        conditions.append(_title_contains(session, filters.text))
    return conditions


def _in_period(period: SpacePeriod, today: date) -> ColumnElement[bool]:
    if period is SpacePeriod.UPCOMING:
        return Space.start_date > today
    if period is SpacePeriod.PAST:
        return Space.end_date < today
    started = or_(Space.start_date.is_(None), Space.start_date <= today)
    not_ended = or_(Space.end_date.is_(None), Space.end_date >= today)
    return started & not_ended


def _title_contains(session: AsyncSession, text: str) -> ColumnElement[bool]:
    """The title contains ``text`` in some locale, ignoring case.

    The values are unpacked from the JSON map so that a search never matches
    a locale key ("en") or an escaped character.
    """
    if session.get_bind().dialect.name == "postgresql":
        texts = func.jsonb_each_text(Space.title).table_valued("key", "value")
    else:
        texts = func.json_each(Space.title).table_valued("key", "value")
    matches = func.lower(texts.c.value).contains(text.lower(), autoescape=True)
    return exists(select(texts.c.key).where(matches))


def _decode_key(cursor: str) -> tuple[date | None, int]:
    start, space_id = decode_cursor(cursor, (str, int))
    if not start:
        return None, space_id
    try:
        return date.fromisoformat(start), space_id
    except ValueError as exc:
        raise InvalidInputError(
            "The cursor is malformed; pass the next_cursor of a previous page.",
            errors=[{"field": "cursor", "location": "query", "message": "malformed"}],
        ) from exc


def _after(start: date | None, space_id: int) -> ColumnElement[bool]:
    if start is None:
        return Space.start_date.is_(None) & (Space.id < space_id)
    return or_(
        Space.start_date < start,
        (Space.start_date == start) & (Space.id < space_id),
        Space.start_date.is_(None),
    )


async def _views(
    session: AsyncSession, viewer: User | None, spaces: Sequence[Space]
) -> list[SpaceView]:
    """Interest groups and counts for a whole page, in three queries."""
    if not spaces:
        return []
    ids = [space.id for space in spaces]

    groups: dict[int, list[int]] = defaultdict(list)
    group_rows = await session.execute(
        select(SpaceInterestGroup.space_id, SpaceInterestGroup.interest_group_id)
        .where(SpaceInterestGroup.space_id.in_(ids))
        .order_by(SpaceInterestGroup.interest_group_id)
    )
    for space_id, group_id in group_rows:
        groups[space_id].append(group_id)

    phase_rows = await session.execute(
        select(
            Phase.space_id,
            func.count(Phase.id),
            func.max(case((Phase.active, Phase.id))),
        )
        .where(Phase.space_id.in_(ids))
        .group_by(Phase.space_id)
    )
    phases = {space_id: (count, active) for space_id, count, active in phase_rows}

    component_rows = await session.execute(
        select(Component.space_id, func.count(Component.id))
        .join(Space, Space.id == Component.space_id)
        .where(Component.space_id.in_(ids), readable_components(viewer))
        .group_by(Component.space_id)
    )
    components: dict[int, int] = {space_id: count for space_id, count in component_rows}

    return [
        SpaceView(
            space=space,
            interest_group_ids=groups.get(space.id, []),
            phase_count=phases.get(space.id, (0, None))[0],
            active_phase_id=phases.get(space.id, (0, None))[1],
            component_count=components.get(space.id, 0),
        )
        for space in spaces
    ]


# Writing


async def create_space(
    session: AsyncSession, actor: User, body: SpaceCreate
) -> SpaceView:
    """A new space, as a draft only its admins see."""
    await ensure_can(session, actor, Action.CREATE_SPACE)
    await _ensure_references(session, body)
    await _ensure_slug_free(session, body.slug)

    space = Space(kind=body.kind, status=SpaceStatus.DRAFT)
    changes = _apply(space, body)
    _ensure_consistent(space)
    session.add(space)
    await _flush_or_conflict(session)
    changes |= await _replace_interest_groups(session, space, body.interest_group_ids)

    record(
        session,
        actor,
        "space.created",
        object_type="space",
        object_id=space.id,
        space_id=space.id,
        changes={"kind": [None, space.kind], **changes},
    )
    return (await _views(session, actor, [space]))[0]


async def update_space(
    session: AsyncSession, actor: User, space_id: int, body: SpaceUpdate
) -> SpaceView:
    space = await get_space_for(session, actor, Action.MANAGE_SPACE, space_id)
    await _ensure_references(session, body)
    if body.slug is not None and body.slug != space.slug:
        await _ensure_slug_free(session, body.slug)

    changes = _apply(space, body)
    _ensure_consistent(space)
    if body.interest_group_ids is not None:
        changes |= await _replace_interest_groups(
            session, space, body.interest_group_ids
        )
    await _flush_or_conflict(session)

    if changes:
        record(
            session,
            actor,
            "space.updated",
            object_type="space",
            object_id=space.id,
            space_id=space.id,
            changes=changes,
        )
    return (await _views(session, actor, [space]))[0]


async def publish_space(session: AsyncSession, actor: User, space_id: int) -> SpaceView:
    """Open the space to its readers; the timeline says so."""
    return await _change_status(
        session,
        actor,
        space_id,
        SpaceStatus.PUBLISHED,
        allowed_from={SpaceStatus.DRAFT, SpaceStatus.ARCHIVED},
    )


async def unpublish_space(
    session: AsyncSession, actor: User, space_id: int
) -> SpaceView:
    """Take the space back to draft, out of its readers' sight."""
    return await _change_status(
        session,
        actor,
        space_id,
        SpaceStatus.DRAFT,
        allowed_from={SpaceStatus.PUBLISHED, SpaceStatus.ARCHIVED},
    )


async def archive_space(session: AsyncSession, actor: User, space_id: int) -> SpaceView:
    """Keep a published space readable as a finished one."""
    return await _change_status(
        session,
        actor,
        space_id,
        SpaceStatus.ARCHIVED,
        allowed_from={SpaceStatus.PUBLISHED},
    )


_STATUS_ACTIONS = {
    SpaceStatus.PUBLISHED: ("space.published", True),
    SpaceStatus.DRAFT: ("space.unpublished", False),
    SpaceStatus.ARCHIVED: ("space.archived", True),
}


async def _change_status(
    session: AsyncSession,
    actor: User,
    space_id: int,
    target: SpaceStatus,
    *,
    allowed_from: set[SpaceStatus],
) -> SpaceView:
    """Move the space to ``target``; asking for the status it has changes nothing."""
    space = await get_space_for(session, actor, Action.MANAGE_SPACE, space_id)
    await lock_space(session, space.id)
    await session.refresh(space, ["status", "published_at"])

    if space.status != target:
        if space.status not in allowed_from:
            raise ConflictError(
                f"A {space.status} space cannot become {target}.",
                current_status=space.status,
            )
        previous = space.status
        space.status = target
        if target is SpaceStatus.PUBLISHED and space.published_at is None:
            space.published_at = utcnow()
        action, public = _STATUS_ACTIONS[target]
        await session.flush()
        record(
            session,
            actor,
            action,
            object_type="space",
            object_id=space.id,
            space_id=space.id,
            changes={"status": [previous, target]},
            public=public,
        )
    return (await _views(session, actor, [space]))[0]


def _apply(space: Space, body: SpaceCreate | SpaceUpdate) -> dict[str, Any]:
    """Set the columns the client sent, with the description sanitised."""
    values = body.model_dump(
        exclude_unset=isinstance(body, SpaceUpdate),
        exclude={"kind", "interest_group_ids"},
    )
    if "description" in values:
        values["description"] = sanitize_translations(values["description"])
    return apply_changes(space, SpaceUpdate.model_construct(**values))


def _ensure_consistent(space: Space) -> None:
    ensure_dates(space.start_date, space.end_date)
    if space.transparent and space.visibility == Visibility.PUBLIC:
        raise InvalidInputError(
            "Only a private space can be transparent.",
            errors=[
                {
                    "field": "transparent",
                    "location": "body",
                    "message": "only a private space can be transparent",
                }
            ],
        )


async def _ensure_references(
    session: AsyncSession, body: SpaceCreate | SpaceUpdate
) -> None:
    """422 naming each scope, area or interest group that does not exist."""
    errors = []
    if body.scope_id is not None and await session.get(Scope, body.scope_id) is None:
        errors.append(_unknown("scope_id", "scope"))
    if body.area_id is not None and await session.get(Area, body.area_id) is None:
        errors.append(_unknown("area_id", "area"))
    if body.interest_group_ids:
        found = set(
            await session.scalars(
                select(InterestGroup.id).where(
                    InterestGroup.id.in_(body.interest_group_ids)
                )
            )
        )
        if missing := [i for i in body.interest_group_ids if i not in found]:
            errors.append(_unknown("interest_group_ids", f"interest groups {missing}"))
    if errors:
        raise InvalidInputError(
            "Some referenced records do not exist; see errors.", errors=errors
        )


def _unknown(field: str, what: str) -> dict[str, str]:
    return {"field": field, "location": "body", "message": f"unknown {what}"}


async def _ensure_slug_free(session: AsyncSession, slug: str) -> None:
    if await session.scalar(select(Space.id).where(Space.slug == slug)) is not None:
        raise ConflictError(f"The slug {slug!r} is taken.", field="slug")


async def _flush_or_conflict(session: AsyncSession) -> None:
    # Two admins may claim the same slug at once; the loser gets a 409.
    try:
        await session.flush()
    except IntegrityError as exc:
        raise ConflictError("The change conflicts with data already stored.") from exc


async def _replace_interest_groups(
    session: AsyncSession, space: Space, group_ids: list[int]
) -> dict[str, Any]:
    current = list(
        await session.scalars(
            select(SpaceInterestGroup.interest_group_id).where(
                SpaceInterestGroup.space_id == space.id
            )
        )
    )
    if set(current) == set(group_ids):
        return {}

    await session.execute(
        delete(SpaceInterestGroup).where(
            SpaceInterestGroup.space_id == space.id,
            SpaceInterestGroup.interest_group_id.not_in(group_ids),
        )
    )
    session.add_all(
        SpaceInterestGroup(space_id=space.id, interest_group_id=group_id)
        for group_id in group_ids
        if group_id not in current
    )
    # The space's row changes too, so that sync clients learn of it.
    space.updated_at = utcnow()
    await session.flush()
    return {"interest_group_ids": [sorted(current), sorted(group_ids)]}


# Members of private spaces, and roles


@dataclass(frozen=True)
class MemberView:
    user_id: int
    name: str
    nickname: str
    created_at: datetime


@dataclass(frozen=True)
class RoleView:
    id: int
    user_id: int
    name: str
    nickname: str
    role: SpaceRoleName
    created_at: datetime


async def list_members(
    session: AsyncSession,
    actor: User,
    space_id: int,
    *,
    cursor: str | None,
    limit: int,
) -> tuple[list[MemberView], str | None]:
    """A page of the space's members, by user id."""
    space = await get_space_for(session, actor, Action.MANAGE_SPACE, space_id)
    query = (
        select(SpaceMember.user_id, User.name, User.nickname, SpaceMember.created_at)
        .join(User, User.id == SpaceMember.user_id)
        .where(SpaceMember.space_id == space.id)
        .order_by(SpaceMember.user_id)
    )
    if cursor is not None:
        query = query.where(SpaceMember.user_id > decode_cursor(cursor, (int,))[0])
    members = [
        MemberView(*row) for row in await session.execute(query.limit(limit + 1))
    ]
    return _page(members, limit, lambda member: member.user_id)


async def add_member(
    session: AsyncSession, actor: User, space_id: int, user_id: int
) -> MemberView:
    space = await get_space_for(session, actor, Action.MANAGE_SPACE, space_id)
    user = await _existing_user(session, user_id)
    if await session.get(SpaceMember, (space.id, user.id)) is not None:
        raise ConflictError(f"User {user.id} is already a member of this space.")

    membership = SpaceMember(space_id=space.id, user_id=user.id)
    session.add(membership)
    await _flush_or_conflict(session)

    record(
        session,
        actor,
        "space.member_added",
        object_type="user",
        object_id=user.id,
        space_id=space.id,
    )
    return MemberView(user.id, user.name, user.nickname, membership.created_at)


async def remove_member(
    session: AsyncSession, actor: User, space_id: int, user_id: int
) -> None:
    space = await get_space_for(session, actor, Action.MANAGE_SPACE, space_id)
    membership = await session.get(SpaceMember, (space.id, user_id))
    if membership is None:
        raise NotFoundError(f"User {user_id} is not a member of this space.")

    await session.delete(membership)
    await session.flush()

    record(
        session,
        actor,
        "space.member_removed",
        object_type="user",
        object_id=user_id,
        space_id=space.id,
    )


async def list_roles(
    session: AsyncSession,
    actor: User,
    space_id: int,
    *,
    cursor: str | None,
    limit: int,
) -> tuple[list[RoleView], str | None]:
    """A page of the roles held in the space, oldest grant first."""
    space = await get_space_for(session, actor, Action.MANAGE_SPACE, space_id)
    query = (
        select(
            SpaceRole.id,
            SpaceRole.user_id,
            User.name,
            User.nickname,
            SpaceRole.role,
            SpaceRole.created_at,
        )
        .join(User, User.id == SpaceRole.user_id)
        .where(SpaceRole.space_id == space.id)
        .order_by(SpaceRole.id)
    )
    if cursor is not None:
        query = query.where(SpaceRole.id > decode_cursor(cursor, (int,))[0])
    roles = [RoleView(*row) for row in await session.execute(query.limit(limit + 1))]
    return _page(roles, limit, lambda role: role.id)


async def grant_role(
    session: AsyncSession,
    actor: User,
    space_id: int,
    user_id: int,
    role: SpaceRoleName,
) -> RoleView:
    space = await get_space_for(session, actor, Action.MANAGE_SPACE, space_id)
    user = await _existing_user(session, user_id)
    held = await session.scalar(
        select(SpaceRole.id).where(
            SpaceRole.space_id == space.id,
            SpaceRole.user_id == user.id,
            SpaceRole.role == role,
        )
    )
    if held is not None:
        raise ConflictError(f"User {user.id} already holds the {role} role here.")

    grant = SpaceRole(space_id=space.id, user_id=user.id, role=role)
    session.add(grant)
    await _flush_or_conflict(session)

    record(
        session,
        actor,
        "space.role_granted",
        object_type="space_role",
        object_id=grant.id,
        space_id=space.id,
        changes={"user_id": [None, user.id], "role": [None, role]},
    )
    return RoleView(
        grant.id, user.id, user.name, user.nickname, grant.role, grant.created_at
    )


async def revoke_role(
    session: AsyncSession, actor: User, space_id: int, role_id: int
) -> None:
    space = await get_space_for(session, actor, Action.MANAGE_SPACE, space_id)
    grant = await session.get(SpaceRole, role_id)
    if grant is None or grant.space_id != space.id:
        raise NotFoundError(f"There is no role {role_id} in this space.")

    await session.delete(grant)
    await session.flush()

    record(
        session,
        actor,
        "space.role_revoked",
        object_type="space_role",
        object_id=role_id,
        space_id=space.id,
        changes={"user_id": [grant.user_id, None], "role": [grant.role, None]},
    )


async def _existing_user(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise InvalidInputError(
            f"There is no user {user_id}.",
            errors=[{"field": "user_id", "location": "body", "message": "unknown"}],
        )
    return user


def _page(
    rows: list[RowT], limit: int, key: Callable[[RowT], int]
) -> tuple[list[RowT], str | None]:
    if len(rows) > limit:
        return rows[:limit], encode_cursor([key(rows[limit - 1])])
    return rows, None


def _search_source() -> search.Rows:
    return select(
        Space.id,
        Space.id.label("space_id"),
        Space.scope_id,
        Space.area_id,
        Space.published_at.label("occurred_at"),
        Space.title,
        Space.description.label("body"),
    )


search.register(
    search.Searchable(
        "space",
        Space,
        _search_source,
        watched=frozenset(
            {"title", "description", "scope_id", "area_id", "published_at"}
        ),
    )
)


async def views_of(
    session: AsyncSession, viewer: User | None, found: Sequence[Space]
) -> list[SpaceView]:
    """Read views of spaces already fetched (sync, feeds), in three queries."""
    return await _views(session, viewer, found)
