"""iCalendar feeds of meetings: one meeting, a space, the organisation, a user's.

Events carry stable UIDs, their local times with the organisation's zone (and
its VTIMEZONE), STATUS:CANCELLED once called off, and the meeting's SEQUENCE,
which grows with every change a calendar shows.
"""

import re
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vText
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFoundError
from app.models.base import utcnow
from app.models.components import Component
from app.models.meetings import CalendarToken, Meeting, MeetingRegistration
from app.models.users import User
from app.schemas.translations import resolve
from app.security import hash_token, new_opaque_token
from app.services.meetings import get_meeting_view, joined, readable_meetings
from app.services.spaces import get_readable_space

FEED_CAP = 500
"""A feed holds at most this many meetings, the earliest first."""
FEED_HISTORY = timedelta(days=180)
"""Meetings that ended longer ago than this drop out of the feeds."""


@dataclass(frozen=True, slots=True)
class FeedOptions:
    """What the feed needs from the settings: where it lives, zone and locale."""

    public_url: str
    zone: str
    locale: str


async def meeting_feed(
    session: AsyncSession, viewer: User | None, meeting_id: int, options: FeedOptions
) -> bytes:
    view = await get_meeting_view(session, viewer, meeting_id)
    if view.meeting.published_at is None:
        raise NotFoundError(f"There is no meeting {meeting_id}.")
    return _calendar([view.meeting], resolve_title(view.meeting, options), options)


async def space_feed(
    session: AsyncSession, viewer: User | None, space_id: int, options: FeedOptions
) -> bytes:
    space = await get_readable_space(session, viewer, space_id)
    meetings = await _published(session, viewer, Component.space_id == space.id)
    name = resolve(space.title, options.locale, options.locale)
    return _calendar(meetings, name, options)


async def organisation_feed(
    session: AsyncSession, viewer: User | None, options: FeedOptions
) -> bytes:
    meetings = await _published(session, viewer)
    return _calendar(meetings, "Decide", options)


async def personal_feed(
    session: AsyncSession, token: str, options: FeedOptions
) -> bytes:
    """The meetings the token's owner registered for, as they may read them now."""
    user = await session.scalar(
        select(User)
        .join(CalendarToken, CalendarToken.user_id == User.id)
        .where(CalendarToken.token_hash == hash_token(token), User.deleted_at.is_(None))
    )
    if user is None or user.blocked_at is not None:
        raise NotFoundError("There is no calendar at this address.")
    registered = select(MeetingRegistration.meeting_id).where(
        MeetingRegistration.user_id == user.id
    )
    meetings = await _published(session, user, Meeting.id.in_(registered))
    return _calendar(meetings, "Decide", options)


async def issue_token(session: AsyncSession, user: User) -> str:
    """A new secret address for ``user``'s feed; the previous one stops working."""
    token = new_opaque_token()
    await session.execute(delete(CalendarToken).where(CalendarToken.user_id == user.id))
    session.add(CalendarToken(user_id=user.id, token_hash=hash_token(token)))
    await session.flush()
    return token


async def revoke_token(session: AsyncSession, user: User) -> None:
    deleted = await session.execute(
        delete(CalendarToken).where(CalendarToken.user_id == user.id)
    )
    if deleted.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFoundError("You have no calendar address.")


async def _published(
    session: AsyncSession, viewer: User | None, *conditions: Any
) -> list[Meeting]:
    query = (
        joined(select(Meeting))
        .where(
            readable_meetings(viewer),
            Meeting.published_at.is_not(None),
            Meeting.ends_at > utcnow() - FEED_HISTORY,
            *conditions,
        )
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(FEED_CAP)
    )
    return list((await session.scalars(query)).all())


def resolve_title(meeting: Meeting, options: FeedOptions) -> str:
    return resolve(meeting.title, options.locale, options.locale)


def _calendar(meetings: list[Meeting], name: str, options: FeedOptions) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Decide//Meetings//PT")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    # X- properties have no known type, so icalendar would write them raw: a line
    # break in a title would end the line and break (or inject into) the feed.
    calendar.add("x-wr-calname", vText(name))
    calendar.add("x-wr-timezone", vText(options.zone))
    for meeting in meetings:
        calendar.add_component(_event(meeting, options))
    calendar.add_missing_timezones()
    ical: bytes = calendar.to_ical()
    return ical


def _event(meeting: Meeting, options: FeedOptions) -> Event:
    zone = ZoneInfo(options.zone)
    event = Event()
    event.add("uid", f"meeting-{meeting.id}@{_host(options.public_url)}")
    event.add("dtstamp", meeting.updated_at)
    event.add("created", meeting.created_at)
    event.add("last-modified", meeting.updated_at)
    event.add("dtstart", meeting.starts_at.astimezone(zone))
    event.add("dtend", meeting.ends_at.astimezone(zone))
    event.add("summary", resolve_title(meeting, options))
    description = plain_text(
        resolve(meeting.description, options.locale, options.locale)
    )
    if description:
        event.add("description", description)
    if meeting.address:
        event.add("location", meeting.address)
    if meeting.latitude is not None and meeting.longitude is not None:
        event.add("geo", (meeting.latitude, meeting.longitude))
    event.add("url", f"{options.public_url.rstrip('/')}/api/v1/meetings/{meeting.id}")
    event.add("sequence", meeting.sequence)
    called_off = meeting.cancelled_at or meeting.withdrawn_at
    event.add("status", "CANCELLED" if called_off else "CONFIRMED")
    return event


def _host(public_url: str) -> str:
    return urlsplit(public_url).hostname or "decide"


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in {"p", "br", "li", "h2", "h3", "h4"}:
            self.parts.append("\n")


def plain_text(rich: str) -> str:
    """The text of sanitised HTML, without its tags, for a calendar's description."""
    parser = _TextOnly()
    parser.feed(rich)
    parser.close()
    text = "".join(parser.parts)
    return re.sub(r"\n{2,}", "\n\n", text).strip()
