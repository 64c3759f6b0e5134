"""Moderation: reports, hiding at a threshold, moderators' decisions and blocks.

Anyone signed in reports a proposal, comment, debate, meeting or person once.
Content reported ``threshold`` times is hidden until a moderator of its space
(or an organisation admin) decides. Hidden content carries ``hidden_at``, which
every read rule excludes; a hidden comment keeps its place in its thread as a
placeholder and stops counting in its resource's ``comments_count``.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from app.models.base import utcnow
from app.models.comments import Comment
from app.models.debates import Debate
from app.models.meetings import Meeting
from app.models.moderation import Moderation, Report
from app.models.proposals import Proposal
from app.models.spaces import SpaceRole, SpaceRoleName
from app.models.users import User
from app.schemas.moderation import ModerationState, ReportCreate
from app.schemas.pagination import decode_cursor, encode_cursor
from app.services import accounts, action_log, comments, outbox
from app.services.conversation import bump, insert_ignoring_duplicates
from app.services.permissions import Action, ensure_allowed, ensure_can
from app.services.resources import get_readable, kind_named, space_of

CONTENT: dict[str, Any] = {
    "proposal": Proposal,
    "comment": Comment,
    "debate": Debate,
    "meeting": Meeting,
}
"""The reportable kinds of content, each with a ``hidden_at`` column."""

_AUTHOR: dict[str, Any] = {
    "proposal": Proposal.author_id,
    "comment": Comment.author_id,
    "debate": Debate.author_id,
    "meeting": Meeting.organiser_user_id,
}

EXCERPT_LENGTH = 280


@dataclass(frozen=True, slots=True)
class ModerationView:
    moderation: Moderation
    excerpt: str
    reports: list[Report] | None = None

    @property
    def state(self) -> ModerationState:
        if self.moderation.hidden_at is not None:
            return ModerationState.HIDDEN
        if self.moderation.dismissed_at is not None:
            return ModerationState.DISMISSED
        return ModerationState.PENDING


# Reporting


async def report(
    session: AsyncSession, reporter: User, data: ReportCreate, threshold: int
) -> Report:
    """Report once; the report that reaches ``threshold`` hides the content."""
    space_id, author_id = await _locate(
        session, reporter, data.resource_type, data.resource_id
    )
    if author_id == reporter.id:
        raise InvalidInputError(
            "You cannot report yourself or what you wrote.",
            field="resource_id",
            location="body",
            error_code="own_content",
        )

    moderation_id = await _moderation_id(session, data, space_id, author_id)
    now = utcnow()
    report_id = await session.scalar(
        insert_ignoring_duplicates(
            session,
            Report,
            {
                "moderation_id": moderation_id,
                "user_id": reporter.id,
                "reason": data.reason,
                "details": data.details.strip(),
                "created_at": now,
                "updated_at": now,
            },
        ).returning(Report.id)
    )
    if report_id is None:
        raise ConflictError("You have reported this already.")
    await _count_report(session, moderation_id, threshold)
    return await session.get_one(Report, report_id)


async def _locate(
    session: AsyncSession, viewer: User, name: str, resource_id: int
) -> tuple[int | None, int | None]:
    """The space and author of what ``viewer`` reports; 404 unless they read it."""
    if name == "user":
        person = await session.get(User, resource_id)
        if person is None or person.deleted_at is not None:
            raise NotFoundError(f"There is no user {resource_id}.")
        return None, person.id
    if name == "comment":
        comment = (await comments.get_comment(session, viewer, resource_id)).comment
        if comment.deleted_at is not None:
            raise NotFoundError(f"There is no comment {resource_id}.")
        place = await space_of(session, comment.resource_type, comment.resource_id)
        return place, comment.author_id
    found = await get_readable(session, viewer, name, resource_id)
    author: int | None = getattr(found, _AUTHOR[name].key)
    return await space_of(session, name, resource_id), author


async def _moderation_id(
    session: AsyncSession,
    data: ReportCreate,
    space_id: int | None,
    author_id: int | None,
) -> int:
    """The id of the reportable's moderation, created by the first report."""
    now = utcnow()
    await session.execute(
        insert_ignoring_duplicates(
            session,
            Moderation,
            {
                "resource_type": data.resource_type,
                "resource_id": data.resource_id,
                "space_id": space_id,
                "author_id": author_id,
                "reports_count": 0,
                "created_at": now,
                "updated_at": now,
            },
        )
    )
    moderation_id = await session.scalar(
        select(Moderation.id).where(
            Moderation.resource_type == data.resource_type,
            Moderation.resource_id == data.resource_id,
        )
    )
    assert moderation_id is not None
    return int(moderation_id)


async def _count_report(
    session: AsyncSession, moderation_id: int, threshold: int
) -> None:
    """Count the report atomically: exactly one report sees the threshold."""
    row = (
        await session.execute(
            update(Moderation)
            .where(Moderation.id == moderation_id)
            .values(reports_count=Moderation.reports_count + 1, updated_at=utcnow())
            .returning(
                Moderation.reports_count,
                Moderation.hidden_at,
                Moderation.dismissed_at,
                Moderation.resource_type,
            )
            .execution_options(synchronize_session=False)
        )
    ).one()
    count, hidden_at, dismissed_at, resource_type = row
    automatic = resource_type in CONTENT and hidden_at is None and dismissed_at is None
    if automatic and count == threshold:
        moderation = await _reload(session, moderation_id)
        await _hide(session, moderation, None)


async def _reload(session: AsyncSession, moderation_id: int) -> Moderation:
    moderation = await session.scalar(
        select(Moderation)
        .where(Moderation.id == moderation_id)
        # FOR NO KEY UPDATE: reports waiting to count hold KEY SHARE on this
        # row through their foreign key; FOR UPDATE would deadlock with them.
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    if moderation is None:
        raise NotFoundError(f"There is no moderation {moderation_id}.")
    return moderation


# Hiding and restoring


async def _hide(
    session: AsyncSession, moderation: Moderation, moderator: User | None
) -> None:
    now = utcnow()
    await _set_hidden(session, moderation.resource_type, [moderation.resource_id], now)
    moderation.hidden_at = now
    moderation.dismissed_at = None
    await session.flush()
    _tell_author(session, moderation, "moderation.hidden", moderator)


async def _unhide(
    session: AsyncSession, moderation: Moderation, moderator: User
) -> None:
    await _set_hidden(session, moderation.resource_type, [moderation.resource_id], None)
    moderation.hidden_at = None
    await session.flush()
    _tell_author(session, moderation, "moderation.restored", moderator)


async def _set_hidden(
    session: AsyncSession, name: str, ids: list[int], when: datetime | None
) -> int:
    """Hide (or show again) rows of one kind; comments move their counters.

    Rows change through the ORM so that the change log tells sync clients.
    """
    model = CONTENT[name]
    changing = model.hidden_at.is_(None) if when else model.hidden_at.is_not(None)
    rows = list(
        await session.scalars(
            select(model)
            .where(model.id.in_(ids), changing)
            .order_by(model.id)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
    )
    for row in rows:
        row.hidden_at = when
    await session.flush()
    if name == "comment" and rows:
        await _recount_comments(session, [row.id for row in rows], -1 if when else 1)
    return len(rows)


async def _recount_comments(
    session: AsyncSession, comment_ids: list[int], step: int
) -> None:
    """Move the counters of the resources whose live comments were hidden or shown."""
    rows = await session.execute(
        select(Comment.resource_type, Comment.resource_id, func.count())
        .where(Comment.id.in_(comment_ids), Comment.deleted_at.is_(None))
        .group_by(Comment.resource_type, Comment.resource_id)
        .order_by(Comment.resource_type, Comment.resource_id)
    )
    for resource_type, resource_id, count in rows.all():
        kind = kind_named(resource_type)
        await bump(session, kind.comments_count, resource_id, step * count)


def _tell_author(
    session: AsyncSession, moderation: Moderation, event: str, moderator: User | None
) -> None:
    """Tell the author what happened, never who reported it."""
    outbox.emit(
        session,
        event,
        {
            "moderation_id": moderation.id,
            "resource_type": moderation.resource_type,
            "resource_id": moderation.resource_id,
            "space_id": moderation.space_id,
            "author_id": moderation.author_id,
            "reports_count": moderation.reports_count,
            "by_moderator": moderator is not None,
        },
    )
    if moderator is not None:
        action_log.record(
            session,
            moderator,
            event,
            object_type=moderation.resource_type,
            object_id=moderation.resource_id,
            space_id=moderation.space_id,
        )


# Moderators' decisions


async def hide(
    session: AsyncSession, moderator: User, moderation_id: int
) -> ModerationView:
    """Hide the reported content until someone unhides it."""
    moderation = await _decidable(session, moderator, moderation_id)
    if moderation.resource_type not in CONTENT:
        raise ConflictError("People are not hidden; block them instead.")
    if moderation.hidden_at is None:
        await _hide(session, moderation, moderator)
    return await _view(session, moderation, with_reports=True)


async def unhide(
    session: AsyncSession, moderator: User, moderation_id: int
) -> ModerationView:
    """Show the content again; its reports stay on record."""
    moderation = await _decidable(session, moderator, moderation_id)
    if moderation.hidden_at is not None:
        await _unhide(session, moderation, moderator)
    return await _view(session, moderation, with_reports=True)


async def dismiss(
    session: AsyncSession, moderator: User, moderation_id: int
) -> ModerationView:
    """Judge the reports unfounded: the content shows, and reports no longer hide it."""
    moderation = await _decidable(session, moderator, moderation_id)
    if moderation.hidden_at is not None:
        await _unhide(session, moderation, moderator)
    moderation.dismissed_at = utcnow()
    await session.flush()
    return await _view(session, moderation, with_reports=True)


async def _decidable(
    session: AsyncSession, moderator: User, moderation_id: int
) -> Moderation:
    """The moderation, locked, once ``moderator`` may decide on it."""
    moderation = await _reload(session, moderation_id)
    await ensure_can(session, moderator, Action.MODERATE_SPACE, moderation.space_id)
    if moderation.author_id is not None and moderation.author_id != moderator.id:
        await ensure_outranks(
            session, moderator, moderation.author_id, moderation.space_id
        )
    return moderation


async def ensure_outranks(
    session: AsyncSession, moderator: User, person_id: int, space_id: int | None
) -> None:
    """A moderator never acts on an admin's or another moderator's account or text."""
    if moderator.is_admin:
        return
    person = await session.get(User, person_id)
    if person is not None and person.is_admin:
        raise PermissionDeniedError("Moderators cannot act on an admin.")
    if space_id is None:
        return
    staff = await session.scalar(
        select(SpaceRole.id).where(
            SpaceRole.space_id == space_id,
            SpaceRole.user_id == person_id,
            SpaceRole.role.in_([SpaceRoleName.ADMIN, SpaceRoleName.MODERATOR]),
        )
    )
    if staff is not None:
        raise PermissionDeniedError("Moderators cannot act on another moderator.")


# Reading


async def get_moderation(
    session: AsyncSession, moderator: User, moderation_id: int
) -> ModerationView:
    moderation = await session.get(Moderation, moderation_id)
    if moderation is None:
        raise NotFoundError(f"There is no moderation {moderation_id}.")
    await ensure_can(session, moderator, Action.MODERATE_SPACE, moderation.space_id)
    return await _view(session, moderation, with_reports=True)


async def list_moderations(
    session: AsyncSession,
    moderator: User,
    *,
    space_id: int | None,
    state: ModerationState | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[ModerationView], str | None]:
    """Reported things of a space (its moderators), or of all (organisation admins)."""
    await ensure_can(session, moderator, Action.MODERATE_SPACE, space_id)
    query = select(Moderation).order_by(Moderation.id.desc())
    if space_id is not None:
        query = query.where(Moderation.space_id == space_id)
    query = _in_state(query, state)
    if cursor is not None:
        query = query.where(Moderation.id < decode_cursor(cursor, (int,))[0])

    found = list((await session.scalars(query.limit(limit + 1))).all())
    page = found[:limit]
    excerpts = await _excerpts(session, page)
    views = [ModerationView(each, excerpts.get(each.id, "")) for each in page]
    next_cursor = encode_cursor([page[-1].id]) if len(found) > limit else None
    return views, next_cursor


def _in_state(query: Select[Any], state: ModerationState | None) -> Select[Any]:
    if state is ModerationState.HIDDEN:
        return query.where(Moderation.hidden_at.is_not(None))
    if state is ModerationState.DISMISSED:
        return query.where(
            Moderation.hidden_at.is_(None), Moderation.dismissed_at.is_not(None)
        )
    if state is ModerationState.PENDING:
        return query.where(
            Moderation.hidden_at.is_(None), Moderation.dismissed_at.is_(None)
        )
    return query


async def _view(
    session: AsyncSession, moderation: Moderation, *, with_reports: bool = False
) -> ModerationView:
    excerpts = await _excerpts(session, [moderation])
    reports = None
    if with_reports:
        reports = list(
            await session.scalars(
                select(Report)
                .where(Report.moderation_id == moderation.id)
                .order_by(Report.id)
            )
        )
    return ModerationView(moderation, excerpts.get(moderation.id, ""), reports)


async def _excerpts(
    session: AsyncSession, moderations: list[Moderation]
) -> dict[int, str]:
    """The reported text of each moderation: one query per kind, not per row."""
    by_kind: dict[str, dict[int, int]] = {}
    for each in moderations:
        by_kind.setdefault(each.resource_type, {})[each.resource_id] = each.id
    excerpts: dict[int, str] = {}
    for name, wanted in by_kind.items():
        model = User if name == "user" else CONTENT[name]
        rows = await session.scalars(select(model).where(model.id.in_(wanted)))
        for row in rows:
            excerpts[wanted[row.id]] = _excerpt(row)[:EXCERPT_LENGTH]
    return excerpts


def _excerpt(row: Any) -> str:
    if isinstance(row, User):
        return "" if row.deleted_at else f"{row.name} (@{row.nickname})"
    if isinstance(row, Comment):
        return row.body
    texts: dict[str, str] = row.title or {}
    return next(iter(texts.values()), "")


# Blocking


async def block(
    session: AsyncSession,
    admin: User,
    user_id: int,
    reason: str,
    *,
    hide_content: bool,
) -> tuple[User, int]:
    """Block a person (organisation admins only); optionally hide all they wrote."""
    ensure_allowed(admin, Action.MANAGE_USERS)
    person = await _person(session, user_id)
    if person.is_admin or person.id == admin.id:
        raise PermissionDeniedError("Admins cannot be blocked.")
    if person.blocked_at is None:
        person.blocked_at = utcnow()
    person.blocked_reason = reason.strip()
    await accounts.sign_out_everywhere(session, person)
    hidden = await hide_all_of(session, person) if hide_content else 0
    action_log.record(
        session,
        admin,
        "user.blocked",
        object_type="user",
        object_id=person.id,
        changes={"hidden": hidden},
    )
    outbox.emit(session, "user.blocked", {"user_id": person.id})
    return person, hidden


async def unblock(session: AsyncSession, admin: User, user_id: int) -> User:
    """Let a blocked person sign in again; hidden content stays hidden."""
    ensure_allowed(admin, Action.MANAGE_USERS)
    person = await _person(session, user_id)
    if person.blocked_at is not None:
        person.blocked_at = None
        person.blocked_reason = None
        action_log.record(
            session, admin, "user.unblocked", object_type="user", object_id=person.id
        )
        await session.flush()
    return person


async def _person(session: AsyncSession, user_id: int) -> User:
    person = await session.scalar(
        select(User).where(User.id == user_id).with_for_update()
    )
    if person is None or person.deleted_at is not None:
        raise NotFoundError(f"There is no user {user_id}.")
    return person


async def hide_all_of(session: AsyncSession, person: User) -> int:
    """Hide every contribution of ``person``; each gets a hidden moderation, so
    that a moderator can show it again."""
    now = utcnow()
    hidden = 0
    for name, model in CONTENT.items():
        ids = list(
            await session.scalars(
                select(model.id).where(
                    _AUTHOR[name] == person.id, model.hidden_at.is_(None)
                )
            )
        )
        if ids:
            hidden += await _set_hidden(session, name, ids, now)
            for resource_id in ids:
                await _record_hidden(session, name, resource_id, person.id, now)
    return hidden


async def _record_hidden(
    session: AsyncSession, name: str, resource_id: int, author_id: int, now: datetime
) -> None:
    space_id = await _space_of_content(session, name, resource_id)
    await session.execute(
        insert_ignoring_duplicates(
            session,
            Moderation,
            {
                "resource_type": name,
                "resource_id": resource_id,
                "space_id": space_id,
                "author_id": author_id,
                "reports_count": 0,
                "created_at": now,
                "updated_at": now,
            },
        )
    )
    await session.execute(
        update(Moderation)
        .where(Moderation.resource_type == name, Moderation.resource_id == resource_id)
        .values(hidden_at=now, dismissed_at=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )


async def _space_of_content(
    session: AsyncSession, name: str, resource_id: int
) -> int | None:
    if name != "comment":
        return await space_of(session, name, resource_id)
    row = (
        await session.execute(
            select(Comment.resource_type, Comment.resource_id).where(
                Comment.id == resource_id
            )
        )
    ).one()
    return await space_of(session, row[0], row[1])
