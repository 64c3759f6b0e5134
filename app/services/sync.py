"""Delta sync: what changed in public view since a cursor, in commit order.

Both the app (``/mobile/v1/sync``) and integrators (``/api/v1/changes``) read
the change log through this one service. Whether a changed record is sent or
tombstoned is decided when it is read, through the resource registry and the
public (anonymous) viewer: whatever hides a record (deletion, unpublishing, a
private space, moderation) makes it a tombstone without the sync knowing why.

Content that did not change itself can still enter or leave public view when
its space or component does (published, made private, unpublished). A flush
hook here writes a change-log entry for every such record in the same
transaction, so a client that had passed them learns of them again, in commit
order, either as records or as tombstones.
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    event,
    false,
    func,
    insert,
    inspect,
    literal,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, UOWTransaction

from app.errors import InvalidInputError
from app.models.accountability import Result
from app.models.base import UTCDateTime, utcnow
from app.models.budgets import BudgetProject
from app.models.comments import Comment
from app.models.components import Component, Post
from app.models.debates import Debate
from app.models.events import ChangeLogEntry, ChangeOperation
from app.models.meetings import Meeting
from app.models.proposals import Proposal
from app.models.spaces import Phase, Space
from app.models.surveys import Survey
from app.models.users import User
from app.schemas.comments import CommentRead
from app.schemas.components import ComponentRead, Switches
from app.schemas.debates import DebateRead
from app.schemas.posts import PostRead
from app.schemas.spaces import SpaceRead
from app.services import (
    accountability,
    budgets,
    comments,
    debates,
    meetings,
    proposals,
    resources,
    spaces,
    surveys,
)
from app.services.changelog import ChangeCursor, read_changes
from app.services.components import switches_in_force

MAX_LIMIT = 500
SPACE_VISIBILITY = ("status", "visibility", "transparent")
COMPONENT_VISIBILITY = ("published_at",)


@dataclass(frozen=True, slots=True)
class Change:
    """One record in public view (``record`` set) or a tombstone (None)."""

    type: str
    id: int
    record: Any | None

    @property
    def deleted(self) -> bool:
        return self.record is None


@dataclass(frozen=True, slots=True)
class Batch:
    changes: list[Change]
    next_cursor: ChangeCursor
    more: bool


Contents = Callable[[ColumnElement[bool]], Select[Any]]
"""The ids of a kind's records inside the components matching a condition."""


@dataclass(frozen=True, slots=True)
class SyncKind:
    name: str
    model: Any
    contents: Contents | None
    """None for a kind that is not inside components (spaces)."""


def _in_components(model: Any) -> Contents:
    def contents(condition: ColumnElement[bool]) -> Select[Any]:
        return (
            select(model.id)
            .join(Component, Component.id == model.component_id)
            .where(condition)
        )

    return contents


def _components(condition: ColumnElement[bool]) -> Select[Any]:
    return select(Component.id).where(condition)


def _comments(condition: ColumnElement[bool]) -> Select[Any]:
    """Comments on every commentable kind that lives in components."""
    parts = []
    for name in resources.kind_names():
        kind = resources.kind_named(name)
        if not kind.commentable or kind.component_column is None:
            continue
        parts.append(
            select(Comment.id)
            .join(
                kind.model,
                (Comment.resource_type == name)
                & (Comment.resource_id == kind.model.id),
            )
            .join(Component, Component.id == kind.component_column)
            .where(condition)
        )
    if not parts:
        return select(Comment.id).where(false())
    return union_all(*parts).subquery().select()


KINDS: dict[str, SyncKind] = {
    kind.name: kind
    for kind in (
        SyncKind("space", Space, None),
        SyncKind("component", Component, _components),
        SyncKind("proposal", Proposal, _in_components(Proposal)),
        SyncKind("meeting", Meeting, _in_components(Meeting)),
        SyncKind("comment", Comment, _comments),
        SyncKind("debate", Debate, _in_components(Debate)),
        SyncKind("post", Post, _in_components(Post)),
        SyncKind("budget_project", BudgetProject, _in_components(BudgetProject)),
        SyncKind("result", Result, _in_components(Result)),
        SyncKind("survey", Survey, _in_components(Survey)),
    )
}


def parse_types(raw: str | None, allowed: Sequence[str]) -> list[str]:
    """The record types a client asked for (comma-separated); all by default."""
    if raw is None or not raw.strip():
        return list(allowed)
    asked = [name.strip() for name in raw.split(",") if name.strip()]
    unknown = sorted(set(asked) - set(allowed))
    if unknown:
        raise InvalidInputError(
            f"Unknown record types: {', '.join(unknown)}; "
            f"choose among {', '.join(allowed)}.",
            field="types",
        )
    return list(dict.fromkeys(asked))


def parse_cursor(raw: str | None) -> ChangeCursor | None:
    return None if raw is None else ChangeCursor.decode(raw)


async def read(
    session: AsyncSession,
    *,
    since: ChangeCursor | None,
    types: Sequence[str],
    limit: int,
) -> Batch:
    """Records and tombstones after ``since``, in commit order.

    A record changed twice in the batch appears once, at its last position:
    what is sent is its state now, so the earlier entry would repeat it.
    """
    entries, cursor = await read_changes(
        session, since=since, types=list(types), limit=limit
    )
    last: dict[tuple[str, int], int] = {}
    for position, entry in enumerate(entries):
        last[(entry.record_type, entry.record_id)] = position
    ordered = sorted(last, key=last.__getitem__)
    visible = await _visible(session, ordered)
    changes = [
        Change(name, record_id, visible.get((name, record_id)))
        for name, record_id in ordered
    ]
    return Batch(changes, cursor or ChangeCursor(0, 0), len(entries) == limit)


async def _visible(
    session: AsyncSession, keys: list[tuple[str, int]]
) -> dict[tuple[str, int], Any]:
    """The rows among ``keys`` that the public may read now, one query per type."""
    wanted: dict[str, list[int]] = {}
    for name, record_id in keys:
        wanted.setdefault(name, []).append(record_id)
    found: dict[tuple[str, int], Any] = {}
    for name, ids in wanted.items():
        model = KINDS[name].model
        query = select(model).where(model.id.in_(ids), _public(name))
        for row in await session.scalars(query):
            found[(name, row.id)] = row
    return found


def _public(name: str) -> ColumnElement[bool]:
    """The public read rule of a kind, as a condition on its id."""
    now = utcnow()
    if name in resources.kind_names():
        model = KINDS[name].model
        readable: ColumnElement[bool] = model.id.in_(
            resources.readable_ids(name, None, now)
        )
        return readable
    # Comments are not a kind of their own: one is public while it stands and
    # the resource it is on is public.
    commentable = [
        kind
        for kind in resources.kind_names()
        if resources.kind_named(kind).commentable
    ]
    return comments.standing() & resources.readable_reference(
        Comment.resource_type, Comment.resource_id, None, now, names=commentable
    )


# Fan-out: content that enters or leaves public view with its container.


def _changed(instance: Any, attributes: tuple[str, ...]) -> bool:
    state = inspect(instance)
    return any(state.attrs[key].history.has_changes() for key in attributes)


def _containers(session: Session) -> list[tuple[ColumnElement[bool], bool]]:
    """Conditions on ``Component`` naming the containers that changed
    visibility, each with whether the components themselves must be logged."""
    spaces = [
        instance.id
        for instance in session.dirty
        if isinstance(instance, Space) and _changed(instance, SPACE_VISIBILITY)
    ]
    components = [
        instance.id
        for instance in session.dirty
        if isinstance(instance, Component) and _changed(instance, COMPONENT_VISIBILITY)
    ]
    found: list[tuple[ColumnElement[bool], bool]] = []
    if spaces:
        found.append((Component.space_id.in_(spaces), True))
    if components:
        # A component whose publication changed is logged by the change log.
        found.append((Component.id.in_(components), False))
    return found


@event.listens_for(Session, "after_flush")
def _fan_out(session: Session, _flush: UOWTransaction) -> None:
    """Log every record whose container changed visibility in this flush."""
    containers = _containers(session)
    if not containers:
        return
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    txid = func.txid_current() if postgres else literal(0)
    now = literal(utcnow(), type_=UTCDateTime())
    columns = ["txid", "record_type", "record_id", "operation", "created_at"]
    for condition, with_components in containers:
        for kind in KINDS.values():
            if kind.contents is None or (
                kind.name == "component" and not with_components
            ):
                continue
            ids = kind.contents(condition).subquery()
            rows = select(
                txid,
                literal(kind.name),
                ids.c[0],
                literal(ChangeOperation.UPDATED.value),
                now,
            )
            connection.execute(insert(ChangeLogEntry).from_select(columns, rows))


# Full records, as /api/v1 reads them, for integrators.


async def full_records(
    session: AsyncSession, changes: Sequence[Change], zone: ZoneInfo
) -> dict[tuple[str, int], Any]:
    """The /api/v1 read body of every record among ``changes``, as the public
    reads it, in a fixed number of queries per type; ``zone`` is the
    organisation's, in which surveys open and close."""
    rows: dict[str, list[Any]] = {}
    for change in changes:
        if not change.deleted:
            rows.setdefault(change.type, []).append(change.record)
    built: dict[tuple[str, int], Any] = {}
    for name, found in rows.items():
        if name == "survey":
            reads = await _survey_reads(session, found, zone)
        else:
            reads = await _PRESENTERS[name](session, found)
        for read in reads:
            built[(name, read.id)] = read
    return built


async def _space_reads(session: AsyncSession, found: list[Space]) -> list[Any]:
    views = await spaces.views_of(session, None, found)
    return [SpaceRead.model_validate(view) for view in views]


async def _with_components(
    session: AsyncSession, component_ids: set[int]
) -> dict[int, tuple[Component, Switches]]:
    rows = await session.execute(
        select(Component, Phase.id)
        .outerjoin(Phase, and_(Phase.space_id == Component.space_id, Phase.active))
        .where(Component.id.in_(component_ids))
    )
    return {
        component.id: (component, switches_in_force(component, phase_id))
        for component, phase_id in rows
    }


async def _component_reads(session: AsyncSession, found: list[Component]) -> list[Any]:
    states = await _with_components(session, {c.id for c in found})
    return [ComponentRead.of(*states[component.id]) for component in found]


async def _proposal_reads(session: AsyncSession, found: list[Proposal]) -> list[Any]:
    states = await _with_components(session, {p.component_id for p in found})
    reads: list[Any] = []
    for component_id, (_component, switches) in states.items():
        group = [p for p in found if p.component_id == component_id]
        reads += await proposals.present(session, None, group, switches)
    return reads


async def _meeting_reads(session: AsyncSession, found: list[Meeting]) -> list[Any]:
    states = await _with_components(session, {m.component_id for m in found})
    return [
        meetings.meeting_read(
            meetings.MeetingView(
                meeting, states[meeting.component_id][0], False, False, False
            )
        )
        for meeting in found
    ]


async def _comment_reads(session: AsyncSession, found: list[Comment]) -> list[Any]:
    authors = {
        user.id: user
        for user in await session.scalars(
            select(User).where(User.id.in_({c.author_id for c in found}))
        )
    }
    return [CommentRead.of(c, authors[c.author_id], None) for c in found]


async def _debate_reads(_session: AsyncSession, found: list[Debate]) -> list[Any]:
    now = utcnow()
    return [DebateRead.of(d, debates.accepts_comments(d, now)) for d in found]


async def _post_reads(_session: AsyncSession, found: list[Post]) -> list[Any]:
    return [PostRead.model_validate(post) for post in found]


async def _project_reads(
    session: AsyncSession, found: list[BudgetProject]
) -> list[Any]:
    return await budgets.reads_of(session, None, found)


async def _result_reads(session: AsyncSession, found: list[Result]) -> list[Any]:
    spaces_by_component = await _spaces_of(session, {r.component_id for r in found})
    links = await accountability.links_of(session, None, [r.id for r in found])
    return [
        accountability.result_read(
            r, spaces_by_component[r.component_id], links.get(r.id, [])
        )
        for r in found
    ]


async def _survey_reads(
    session: AsyncSession, found: list[Survey], zone: ZoneInfo
) -> list[Any]:
    components = {
        component.id: component
        for component in await session.scalars(
            select(Component).where(Component.id.in_({s.component_id for s in found}))
        )
    }
    return [
        surveys.survey_read(
            surveys.SurveyView(survey, components[survey.component_id], False, False),
            zone,
        )
        for survey in found
    ]


async def _spaces_of(session: AsyncSession, component_ids: set[int]) -> dict[int, int]:
    rows = await session.execute(
        select(Component.id, Component.space_id).where(Component.id.in_(component_ids))
    )
    return {component_id: space_id for component_id, space_id in rows}


_PRESENTERS: dict[str, Callable[[AsyncSession, list[Any]], Awaitable[list[Any]]]] = {
    "space": _space_reads,
    "component": _component_reads,
    "proposal": _proposal_reads,
    "meeting": _meeting_reads,
    "comment": _comment_reads,
    "debate": _debate_reads,
    "post": _post_reads,
    "budget_project": _project_reads,
    "result": _result_reads,
}
