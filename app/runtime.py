"""The long-lived collaborators of one running service, built from its settings."""

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.security import AccessTokens, PasswordHashing
from app.services import (
    changelog,  # noqa: F401  (registers the change-log hook)
    sync,  # noqa: F401  (registers the visibility fan-out)
)
from app.services.mail import MAIL_SEND, MailSender, create_sender, mail_handler
from app.services.outbox import Dispatcher, Handler
from app.services.push import PUSH_SEND, PushSender, push_handler
from app.services.ratelimit import RateLimiter, create_storage


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
        sender = PushSender(settings, lambda: runtime.sessionmaker)
        runtime.handlers[PUSH_SEND] = push_handler(sender)
        return runtime

    def dispatcher(self) -> Dispatcher:
        return Dispatcher(
            self.sessionmaker,
            self.handlers,
            max_attempts=self.settings.outbox_max_attempts,
            interval_seconds=self.settings.dispatcher_interval_seconds,
        )
