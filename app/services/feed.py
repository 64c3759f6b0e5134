"""The home feed: what a participant would want to see first, newest first.

Each source is a query of (reason, kind, id, at) rows the viewer may read; the
feed is their union, ordered by ``at`` then kind and id, cursor-paginated. A
domain adds a source with ``add_source``, so the feed needs no change for it.

Votes and surveys closing soon come with the moment their window is over as
``at`` (a window's last day is a date: the sort key is the midnight, UTC,
after it), so they lead the feed while they are open.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from app.models.base import UTCDateTime, utcnow
from app.models.budgets import Budget
from app.models.components import Component, ComponentType
from app.models.follows import Follow
from app.models.meetings import Meeting, MeetingRegistration
from app.models.proposals import Proposal
from app.models.spaces import Phase, Space
from app.models.surveys import Survey
from app.models.taxonomies import ResidentDeclaration
from app.models.users import User
from app.schemas.pagination import decode_cursor, encode_cursor
from app.services.meetings import readable_meetings
from app.services.proposals import readable_proposals
from app.services.surveys import readable_surveys
from app.services.taxonomies import scope_filter
from app.services.visibility import readable_components

CLOSING_SOON = timedelta(days=7)
"""How near its last day a vote or a survey shows in the feed as closing soon."""


@dataclass(frozen=True, slots=True)
class FeedContext:
    viewer: User
    now: datetime
    region_id: int | None
    """The scope the viewer declared living in, if any."""
    today: date
    """Today in the organisation's time zone: windows end on its days."""


@dataclass(frozen=True, slots=True)
class FeedEntry:
    reason: str
    kind: str
    id: int
    at: datetime


Source = Callable[[FeedContext], Select[Any] | None]
"""Rows (reason, kind, id, at) for a viewer; None when it has nothing for them."""

_SOURCES: list[Source] = []


def add_source(source: Source) -> Source:
    _SOURCES.append(source)
    return source


def _rows(reason: str, kind: str, model: Any, at: Any, *conditions: Any) -> Select[Any]:
    return (
        select(
            literal(reason).label("reason"),
            literal(kind).label("kind"),
            model.id.label("id"),
            at.label("at"),
        )
        .join(Component, Component.id == model.component_id)
        .join(Space, Space.id == Component.space_id)
        .where(*conditions)
    )


def _followed_space(viewer: User) -> ColumnElement[bool]:
    return Component.space_id.in_(
        select(Follow.resource_id).where(
            Follow.user_id == viewer.id, Follow.resource_type == "space"
        )
    )


@add_source
def _proposals_in_followed_spaces(context: FeedContext) -> Select[Any]:
    return _rows(
        "followed_space",
        "proposal",
        Proposal,
        Proposal.published_at,
        Proposal.published_at.is_not(None),
        _followed_space(context.viewer),
        readable_proposals(context.viewer),
    )


@add_source
def _meetings_in_followed_spaces(context: FeedContext) -> Select[Any]:
    return _rows(
        "followed_space",
        "meeting",
        Meeting,
        Meeting.published_at,
        Meeting.published_at.is_not(None),
        Meeting.ends_at > context.now,
        _followed_space(context.viewer),
        readable_meetings(context.viewer),
    )


@add_source
def _proposals_in_my_region(context: FeedContext) -> Select[Any] | None:
    if context.region_id is None:
        return None
    return _rows(
        "my_region",
        "proposal",
        Proposal,
        Proposal.published_at,
        Proposal.published_at.is_not(None),
        or_(
            scope_filter(Proposal.scope_id, context.region_id),
            and_(
                Proposal.scope_id.is_(None),
                scope_filter(Space.scope_id, context.region_id),
            ),
        ),
        readable_proposals(context.viewer),
    )


@add_source
def _meetings_in_my_region(context: FeedContext) -> Select[Any] | None:
    if context.region_id is None:
        return None
    return _rows(
        "my_region",
        "meeting",
        Meeting,
        Meeting.published_at,
        Meeting.published_at.is_not(None),
        Meeting.ends_at > context.now,
        scope_filter(Meeting.scope_id, context.region_id),
        readable_meetings(context.viewer),
    )


@add_source
def _my_meetings(context: FeedContext) -> Select[Any]:
    return _rows(
        "registered_meeting",
        "meeting",
        Meeting,
        MeetingRegistration.created_at,
        Meeting.ends_at > context.now,
        readable_meetings(context.viewer),
    ).join(
        MeetingRegistration,
        and_(
            MeetingRegistration.meeting_id == Meeting.id,
            MeetingRegistration.user_id == context.viewer.id,
        ),
    )


@add_source
def _answers_to_my_proposals(context: FeedContext) -> Select[Any]:
    return _rows(
        "answered_proposal",
        "proposal",
        Proposal,
        Proposal.answer_published_at,
        Proposal.author_id == context.viewer.id,
        Proposal.answer_published_at.is_not(None),
        readable_proposals(context.viewer),
    )


class _DayAfter(FunctionElement[datetime]):
    """The midnight (UTC) after a date, as a timestamp the other sources' match."""

    type = UTCDateTime()
    inherit_cache = True


@compiles(_DayAfter)
def _day_after(element: _DayAfter, compiler: SQLCompiler, **kw: Any) -> str:
    day = compiler.process(element.clauses, **kw)
    return f"(CAST(({day}) + 1 AS TIMESTAMP) AT TIME ZONE 'UTC')"


@compiles(_DayAfter, "sqlite")
def _day_after_sqlite(element: _DayAfter, compiler: SQLCompiler, **kw: Any) -> str:
    # In the text format SQLAlchemy stores timestamps in, so that they compare.
    day = compiler.process(element.clauses, **kw)
    return f"(datetime({day}, '+1 day') || '.000000')"


def _in_my_places(
    context: FeedContext, scope_column: Any | None = None
) -> ColumnElement[bool]:
    """In a space the viewer follows, or in their region (the content's scope
    if it has one, else its space's)."""
    places = [_followed_space(context.viewer)]
    region_id = context.region_id
    if region_id is not None:
        in_space = scope_filter(Space.scope_id, region_id)
        if scope_column is not None:
            in_space = or_(
                scope_filter(scope_column, region_id),
                and_(scope_column.is_(None), in_space),
            )
        places.append(in_space)
    return or_(*places)


def _closing_soon(context: FeedContext, last_day: Any) -> ColumnElement[bool]:
    return and_(last_day >= context.today, last_day <= context.today + CLOSING_SOON)


@add_source
def _votes_closing_soon(context: FeedContext) -> Select[Any]:
    """Budgets of a published component whose space's active phase ends soon;
    whether voting is open in that phase is for the reader of the feed to
    check with the budget's switches."""
    return _rows(
        "closing_soon",
        "budget",
        Budget,
        _DayAfter(Phase.end_date),
        Component.type == ComponentType.BUDGETS,
        Component.published_at.is_not(None),
        _closing_soon(context, Phase.end_date),
        _in_my_places(context, Budget.scope_id),
        readable_components(context.viewer),
    ).join(Phase, and_(Phase.space_id == Space.id, Phase.active))


@add_source
def _surveys_closing_soon(context: FeedContext) -> Select[Any]:
    """Published surveys whose last day is near; whether one takes answers
    (its component's settings) is the surveys service's to say."""
    return _rows(
        "closing_soon",
        "survey",
        Survey,
        _DayAfter(Survey.closes_on),
        Survey.published_at.is_not(None),
        Component.published_at.is_not(None),
        _closing_soon(context, Survey.closes_on),
        _in_my_places(context),
        readable_surveys(context.viewer),
    )


async def read_feed(
    session: AsyncSession,
    viewer: User,
    *,
    cursor: str | None,
    limit: int,
    zone: ZoneInfo | None = None,
) -> tuple[list[FeedEntry], str | None]:
    """A page of the viewer's feed, newest first, and the next page's cursor."""
    region_id = await session.scalar(
        select(ResidentDeclaration.scope_id).where(
            ResidentDeclaration.user_id == viewer.id
        )
    )
    now = utcnow()
    today = now.astimezone(zone or UTC).date()
    context = FeedContext(viewer, now, region_id, today)
    parts = [query for source in _SOURCES if (query := source(context)) is not None]
    feed = union_all(*parts).subquery()
    query = select(feed).order_by(feed.c.at.desc(), feed.c.kind, feed.c.id.desc())
    if cursor is not None:
        at, kind, last_id = decode_cursor(cursor, (datetime, str, int))
        query = query.where(
            or_(
                feed.c.at < at,
                and_(feed.c.at == at, feed.c.kind > kind),
                and_(feed.c.at == at, feed.c.kind == kind, feed.c.id < last_id),
            )
        )
    rows = list((await session.execute(query.limit(limit + 1))).all())
    page = [FeedEntry(r.reason, r.kind, r.id, r.at) for r in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = page[-1]
        next_cursor = encode_cursor([last.at.isoformat(), last.kind, last.id])
    # An item reached by two sources (a followed space in the viewer's region)
    # shares its key with itself: shown once, under its first reason.
    seen: set[tuple[str, int]] = set()
    entries = []
    for entry in page:
        if (entry.kind, entry.id) not in seen:
            seen.add((entry.kind, entry.id))
            entries.append(entry)
    return entries, next_cursor
