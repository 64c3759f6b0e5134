"""Meeting reminders 48 hours ahead and e-mail digests, each sent once."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.models.base import utcnow
from app.models.meetings import Meeting, MeetingRegistration, RegistrationStatus
from app.models.notifications import DigestFrequency
from app.models.spaces import Visibility
from app.runtime import Runtime
from app.services.scheduled import last_period, send_digests
from tests import builders
from tests.builders import Actor
from tests.meetings.conftest import meetings_component, open_meeting
from tests.notifications.conftest import (
    Relay,
    Stage,
    deliver,
    set_preferences,
    text_of,
)
from tests.notifications.test_inbox import told


async def register(
    session: AsyncSession,
    meeting: Meeting,
    who: Actor,
    status: RegistrationStatus = RegistrationStatus.CONFIRMED,
) -> None:
    session.add(
        MeetingRegistration(
            meeting_id=meeting.id,
            user_id=who.id,
            status=status,
            code=f"C{meeting.id:04d}{who.id:04d}",
        )
    )
    await session.flush()


async def run_jobs(runtime: Runtime) -> None:
    await runtime.scheduler().run_once()
    await deliver(runtime)


class TestMeetingReminders:
    async def test_those_registered_are_reminded_once_in_their_language(
        self,
        session: AsyncSession,
        runtime: Runtime,
        stage: Stage,
        relay: Relay,
    ) -> None:
        meetings = await meetings_component(session, stage.space)
        meeting = await open_meeting(
            session,
            meetings,
            starts_at=utcnow() + timedelta(hours=30),
            title={"pt-BR": "Plenária regional", "es": "Plenaria regional"},
        )
        await register(session, meeting, stage.follower)
        await register(session, meeting, stage.bystander, RegistrationStatus.WAITING)
        assert stage.follower.user is not None
        stage.follower.user.locale = "es"
        await session.commit()

        await run_jobs(runtime)
        await run_jobs(runtime)

        [message] = relay.to(stage.follower.user.email)
        assert message["Subject"].startswith("Recordatorio: Plenaria regional el ")
        plain = text_of(message)
        assert f"C{meeting.id:04d}{stage.follower.id:04d}" in plain
        assert "Praça da Cemig" in plain
        assert f"/meetings/{meeting.id}" in plain
        assert len(relay.received) == 1

    @pytest.mark.parametrize(
        "change",
        ["cancelled", "withdrawn", "unpublished", "later", "private", "opted_out"],
    )
    async def test_no_reminder_when_it_should_not_be_sent(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        stage: Stage,
        relay: Relay,
        change: str,
    ) -> None:
        meetings = await meetings_component(session, stage.space)
        starts = utcnow() + timedelta(hours=72 if change == "later" else 20)
        meeting = await open_meeting(session, meetings, starts_at=starts)
        await register(session, meeting, stage.follower)
        if change == "cancelled":
            meeting.cancelled_at = utcnow()
        elif change == "withdrawn":
            meeting.withdrawn_at = utcnow()
        elif change == "unpublished":
            meeting.published_at = None
        elif change == "private":
            stage.space.visibility = Visibility.PRIVATE
        elif change == "opted_out":
            await set_preferences(
                client,
                stage.follower,
                event_types=[{"event_type": "meeting.reminder", "email": False}],
            )
        await session.commit()

        await run_jobs(runtime)

        assert relay.received == []


class TestDigests:
    async def test_a_daily_digest_lists_yesterday_once_without_hidden_subjects(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        settings: Settings,
        runtime: Runtime,
        stage: Stage,
        relay: Relay,
    ) -> None:
        await set_preferences(client, stage.follower, email_digest="daily")
        hidden = await builders.space(
            session, title="Secreto", visibility=Visibility.PRIVATE
        )
        period = last_period(
            DigestFrequency.DAILY, utcnow(), ZoneInfo(settings.time_zone)
        )
        shown = await told(session, stage.follower, "space", stage.space.id)
        secret = await told(session, stage.follower, "space", hidden.id)
        today = await told(session, stage.follower, "space", stage.space.id)
        shown.body = {"pt-BR": "Visível ontem"}
        secret.body = {"pt-BR": "Segredo de ontem"}
        today.body = {"pt-BR": "Notícia de hoje"}
        for notification in (shown, secret):
            notification.created_at = period.start + timedelta(hours=3)
        await session.commit()

        sent = [
            await send_digests(session, settings, DigestFrequency.DAILY)
            for _ in range(2)
        ]
        await session.commit()
        await deliver(runtime)

        assert sent == [1, 0]
        [message] = relay.to(stage.follower.user.email)  # type: ignore[union-attr]
        assert message["Subject"] == "Seu resumo diário do Decide Contagem"
        plain = text_of(message)
        assert "Visível ontem" in plain
        assert "Segredo" not in plain and "Segredo" not in text_of(message, "html")
        assert "Notícia de hoje" not in plain

    async def test_a_weekly_digest_covers_last_week_for_weekly_subscribers(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        settings: Settings,
        runtime: Runtime,
        stage: Stage,
        relay: Relay,
    ) -> None:
        await set_preferences(client, stage.follower, email_digest="weekly")
        await set_preferences(client, stage.author, email_digest="daily")
        period = last_period(
            DigestFrequency.WEEKLY, utcnow(), ZoneInfo(settings.time_zone)
        )
        for who in (stage.follower, stage.author):
            old = await told(session, who, "space", stage.space.id)
            old.created_at = period.start + timedelta(days=2)
        await session.commit()

        sent = await send_digests(session, settings, DigestFrequency.WEEKLY)
        await session.commit()
        await deliver(runtime)

        assert sent == 1
        [message] = relay.received
        assert message["To"] == stage.follower.user.email  # type: ignore[union-attr]
        assert "semanal" in message["Subject"]


def test_periods_are_whole_local_days_and_weeks() -> None:
    zone = ZoneInfo("America/Sao_Paulo")
    now = utcnow().replace(year=2026, month=12, day=4, hour=2, minute=0)  # 23:00 on 3rd

    daily = last_period(DigestFrequency.DAILY, now, zone)
    weekly = last_period(DigestFrequency.WEEKLY, now, zone)

    assert daily.key == "2026-12-02"
    assert weekly.key == "2026-W48"
    assert weekly.end - weekly.start == timedelta(days=7)
    assert weekly.start.astimezone(zone).weekday() == 0
