"""The home feed: what a participant would want to see first, newest first.

Each source is a query of (reason, kind, id, at) rows the viewer may read; the
feed is their union, ordered by ``at`` then kind and id, cursor-paginated. A
domain adds a source with ``add_source`` (budgets and surveys closing soon will
register theirs when those domains land), so the feed needs no change for it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.components import Component
from app.models.follows import Follow
from app.models.meetings import Meeting, MeetingRegistration
from app.models.proposals import Proposal
from app.models.spaces import Space
from app.models.taxonomies import ResidentDeclaration
from app.models.users import User
from app.schemas.pagination import decode_cursor, encode_cursor
from app.services.meetings import readable_meetings
from app.services.proposals import readable_proposals
from app.services.taxonomies import scope_filter


@dataclass(frozen=True, slots=True)
class FeedContext:
    viewer: User
    now: datetime
    region_id: int | None
    """The scope the viewer declared living in, if any."""


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


async def read_feed(
    session: AsyncSession, viewer: User, *, cursor: str | None, limit: int
) -> tuple[list[FeedEntry], str | None]:
    """A page of the viewer's feed, newest first, and the next page's cursor."""
    region_id = await session.scalar(
        select(ResidentDeclaration.scope_id).where(
            ResidentDeclaration.user_id == viewer.id
        )
    )
    context = FeedContext(viewer, utcnow(), region_id)
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
