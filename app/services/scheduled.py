"""Scheduled mails: meeting reminders and e-mail digests.

Every job may run at any moment, as often as wanted, on several workers at
once: what it sends is marked by a ``scheduled_sends`` row, written in the
transaction that queues the mail, whose unique key lets one send win.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.models.base import utcnow
from app.models.meetings import Meeting, MeetingRegistration, RegistrationStatus
from app.models.notifications import (
    DigestFrequency,
    Notification,
    NotificationSettings,
    ScheduledSend,
)
from app.models.users import User
from app.schemas.translations import resolve
from app.services import outbox
from app.services.conversation import insert_ignoring_duplicates
from app.services.mail import MAIL_SEND, mail_request
from app.services.notifications import (
    MEETING_REMINDER,
    channels_of,
    may_read,
    readable_subject,
    resource_url,
)

REMINDER_AHEAD = timedelta(hours=48)
_DATE_FORMATS = {"pt": "%d/%m/%Y às %H:%M", "es": "%d/%m/%Y a las %H:%M"}


async def mark_sent(session: AsyncSession, job: str, user_id: int, key: str) -> bool:
    """Claim the right to send ``job`` to ``user_id`` for ``key``; False if taken."""
    statement = insert_ignoring_duplicates(
        session, ScheduledSend, {"job": job, "user_id": user_id, "key": key}
    )
    return await session.scalar(statement.returning(ScheduledSend.id)) is not None


# Meeting reminders.


async def send_meeting_reminders(
    session: AsyncSession, settings: Settings, now: datetime | None = None
) -> int:
    """Remind those registered of a meeting that starts within 48 hours.

    A cancelled, withdrawn or unpublished meeting sends none, nor one the
    registrant may no longer read. The key holds the start, so a meeting
    moved to another day reminds again.
    """
    now = now or utcnow()
    due = await session.execute(
        select(Meeting, User, MeetingRegistration.code)
        .join(MeetingRegistration, MeetingRegistration.meeting_id == Meeting.id)
        .join(User, User.id == MeetingRegistration.user_id)
        .where(
            Meeting.starts_at > now,
            Meeting.starts_at <= now + REMINDER_AHEAD,
            Meeting.published_at.is_not(None),
            Meeting.cancelled_at.is_(None),
            Meeting.withdrawn_at.is_(None),
            MeetingRegistration.status == RegistrationStatus.CONFIRMED,
            User.deleted_at.is_(None),
            User.blocked_at.is_(None),
        )
        .order_by(Meeting.id, User.id)
    )
    rows = due.all()
    done = await _already_reminded(session, {_reminder_key(row[0]) for row in rows})
    sent = 0
    for meeting, user, code in rows:
        if (user.id, _reminder_key(meeting)) in done:
            continue
        if await _remind(session, settings, meeting, user, code):
            sent += 1
    return sent


def _reminder_key(meeting: Meeting) -> str:
    return f"{meeting.id}@{meeting.starts_at:%Y%m%dT%H%M}"


async def _already_reminded(
    session: AsyncSession, keys: set[str]
) -> set[tuple[int, str]]:
    rows = await session.execute(
        select(ScheduledSend.user_id, ScheduledSend.key).where(
            ScheduledSend.job == MEETING_REMINDER, ScheduledSend.key.in_(keys)
        )
    )
    return set(rows.all())


async def _remind(
    session: AsyncSession,
    settings: Settings,
    meeting: Meeting,
    user: User,
    code: str | None,
) -> bool:
    wanted = (await channels_of(session, [user.id], MEETING_REMINDER))[user.id]
    if not wanted.email or not await may_read(session, user, "meeting", meeting.id):
        return False
    if not await mark_sent(session, MEETING_REMINDER, user.id, _reminder_key(meeting)):
        return False
    zone = ZoneInfo(settings.time_zone)
    context = {
        "name": user.name,
        "title": resolve(meeting.title, user.locale, settings.default_locale),
        "starts": _local(meeting.starts_at, zone, user.locale),
        "address": meeting.address,
        "code": code,
        "url": resource_url(settings, "meeting", meeting.id),
    }
    outbox.emit(
        session,
        MAIL_SEND,
        mail_request("meeting_reminder", user.email, user.locale, context),
    )
    return True


def _local(moment: datetime, zone: ZoneInfo, locale: str) -> str:
    language = locale.split("-")[0].lower()
    return moment.astimezone(zone).strftime(
        _DATE_FORMATS.get(language, "%Y-%m-%d at %H:%M")
    )


# Digests.


@dataclass(frozen=True)
class Period:
    """A finished day or week in local time, the span a digest covers."""

    frequency: DigestFrequency
    key: str
    start: datetime
    end: datetime


def last_period(frequency: DigestFrequency, now: datetime, zone: ZoneInfo) -> Period:
    """The last whole local day (or Monday-to-Sunday week) before ``now``."""
    today = now.astimezone(zone).date()
    if frequency == DigestFrequency.DAILY:
        first = today - timedelta(days=1)
        return _period(frequency, first.isoformat(), first, today, zone)
    this_monday = today - timedelta(days=today.weekday())
    first = this_monday - timedelta(days=7)
    year, week, _ = first.isocalendar()
    return _period(frequency, f"{year}-W{week:02d}", first, this_monday, zone)


def _period(
    frequency: DigestFrequency, key: str, first: date, end: date, zone: ZoneInfo
) -> Period:
    return Period(
        frequency,
        key,
        datetime.combine(first, time(), zone),
        datetime.combine(end, time(), zone),
    )


def _digest_job(frequency: DigestFrequency) -> str:
    return f"digest.{frequency}"


async def send_digests(
    session: AsyncSession,
    settings: Settings,
    frequency: DigestFrequency,
    now: datetime | None = None,
) -> int:
    """Mail each subscriber their last period's notifications, once per period.

    A notification whose subject they may no longer read is left out, and a
    digest left empty is marked done without a mail.
    """
    period = last_period(frequency, now or utcnow(), ZoneInfo(settings.time_zone))
    job = _digest_job(frequency)
    subscribers = await session.scalars(
        select(User)
        .join(NotificationSettings, NotificationSettings.user_id == User.id)
        .where(
            NotificationSettings.email_digest == frequency,
            User.deleted_at.is_(None),
            User.blocked_at.is_(None),
            exists().where(
                Notification.user_id == User.id,
                Notification.created_at >= period.start,
                Notification.created_at < period.end,
            ),
            ~exists().where(
                ScheduledSend.job == job,
                ScheduledSend.user_id == User.id,
                ScheduledSend.key == period.key,
            ),
        )
        .order_by(User.id)
    )
    sent = 0
    for user in subscribers.all():
        if await _digest(session, settings, user, period):
            sent += 1
    return sent


async def _digest(
    session: AsyncSession, settings: Settings, user: User, period: Period
) -> bool:
    if not await mark_sent(session, _digest_job(period.frequency), user.id, period.key):
        return False
    rows = await session.scalars(
        select(Notification)
        .where(
            Notification.user_id == user.id,
            Notification.created_at >= period.start,
            Notification.created_at < period.end,
            readable_subject(user, utcnow()),
        )
        .order_by(Notification.id)
    )
    items = [_digest_item(settings, user, row) for row in rows.all()]
    if not items:
        return False
    context = {"name": user.name, "frequency": str(period.frequency), "items": items}
    outbox.emit(
        session, MAIL_SEND, mail_request("digest", user.email, user.locale, context)
    )
    return True


def _digest_item(
    settings: Settings, user: User, notification: Notification
) -> dict[str, Any]:
    default = settings.default_locale
    return {
        "title": resolve(notification.title, user.locale, default),
        "body": resolve(notification.body, user.locale, default),
        "url": notification.url,
    }
