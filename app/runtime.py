"""The long-lived collaborators of one running service, built from its settings."""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.models.notifications import DigestFrequency
from app.security import AccessTokens, PasswordHashing
from app.services import (
    changelog,  # noqa: F401  (registers the change-log hook)
    sync,  # noqa: F401  (registers the visibility fan-out)
    webhooks,
)
from app.services.mail import MAIL_SEND, MailSender, create_sender, mail_handler
from app.services.notifications import RULES, notify
from app.services.outbox import Dispatcher, Envelope, Handler, Subscriber
from app.services.push import PUSH_SEND, PushSender, push_handler
from app.services.ratelimit import RateLimiter, create_storage
from app.services.scheduled import send_digests, send_meeting_reminders
from app.services.stats import refresh_if_due
from app.workers.scheduler import Job, Scheduler


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    passwords: PasswordHashing
    tokens: AccessTokens
    limiter: RateLimiter
    mail: MailSender
    handlers: dict[str, Handler] = field(default_factory=dict)
    subscribers: list[Subscriber] = field(default_factory=list)

    @classmethod
    def build(cls, settings: Settings, engine: AsyncEngine | None = None) -> "Runtime":
        engine = engine or create_engine(settings)
        mail = create_sender(settings)
        runtime = cls(
            settings=settings,
            engine=engine,
            sessionmaker=create_sessionmaker(engine),
            passwords=PasswordHashing(settings),
            tokens=AccessTokens(settings),
            limiter=RateLimiter(create_storage(settings.redis_url)),
            mail=mail,
        )
        runtime.handlers[MAIL_SEND] = mail_handler(settings, mail)
        runtime._add_webhooks()
        runtime.subscribers.append(runtime.notifier)
        sender = PushSender(settings, lambda: runtime.sessionmaker)
        runtime.handlers[PUSH_SEND] = push_handler(sender)
        return runtime

    async def notifier(self, event: Envelope) -> None:
        """Fan one event out to the people it concerns, in one transaction."""
        if event.event_type not in RULES:
            return
        async with self.sessionmaker() as session:
            await notify(
                session, self.settings, event.id, event.event_type, event.payload
            )
            await session.commit()

    def scheduled_jobs(self) -> dict[str, Job]:
        settings = self.settings

        async def reminders(session: AsyncSession) -> int:
            return await send_meeting_reminders(session, settings)

        async def daily(session: AsyncSession) -> int:
            return await send_digests(session, settings, DigestFrequency.DAILY)

        async def weekly(session: AsyncSession) -> int:
            return await send_digests(session, settings, DigestFrequency.WEEKLY)

        async def stats(session: AsyncSession) -> int:
            return await refresh_if_due(session, settings)

        return {
            "meeting_reminders": reminders,
            "daily_digests": daily,
            "weekly_digests": weekly,
            "stats_refresh": stats,
        }

    def scheduler(self) -> Scheduler:
        return Scheduler(
            self.sessionmaker,
            self.scheduled_jobs(),
            interval_seconds=self.settings.scheduler_interval_seconds,
        )

    def _add_webhooks(self) -> None:
        # Late-bound: tests point ``sessionmaker`` at their own connection.
        async def fan_out(event: Envelope) -> None:
            await webhooks.fan_out(self.sessionmaker, event)

        async def deliver(payload: dict[str, Any]) -> None:
            await webhooks.deliver(self.sessionmaker, self.settings, payload)

        self.subscribers.append(fan_out)
        self.handlers[webhooks.WEBHOOK_DELIVER] = deliver

    def dispatcher(self) -> Dispatcher:
        return Dispatcher(
            self.sessionmaker,
            self.handlers,
            max_attempts=self.settings.outbox_max_attempts,
            interval_seconds=self.settings.dispatcher_interval_seconds,
            subscribers=self.subscribers,
        )
