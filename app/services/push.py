"""Push devices and the delivery of ``push.send`` events to them.

The notifications pipeline emits ``push.send`` with texts in every locale it
has; each device of the user gets them in its own locale, through its
platform's provider. Tokens a provider rejects are forgotten.
"""

from collections.abc import Callable
from typing import Any

import structlog
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.errors import NotFoundError
from app.models.base import utcnow
from app.models.devices import PushDevice
from app.models.users import User
from app.schemas.devices import DeviceRegister
from app.schemas.translations import resolve
from app.services.outbox import Handler
from app.services.push_providers import (
    Notification,
    Outcome,
    Provider,
    PushFailed,
    build_providers,
    http_client,
)

log = structlog.get_logger()

PUSH_SEND = "push.send"


async def register_device(
    session: AsyncSession, user: User, body: DeviceRegister
) -> PushDevice:
    """Register (or refresh) an install's token for ``user``, atomically: a
    token registered by another account moves to this one."""
    values = {
        "user_id": user.id,
        "platform": body.platform,
        "token": body.token,
        "locale": body.locale,
        "app_version": body.app_version,
        "last_registered_at": utcnow(),
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(PushDevice).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[PushDevice.token],
        set_={key: statement.excluded[key] for key in values if key != "token"}
        | {"updated_at": utcnow()},
    )
    await session.execute(statement)
    device = await session.scalar(
        select(PushDevice)
        .where(PushDevice.token == body.token)
        .execution_options(populate_existing=True)
    )
    assert device is not None
    return device


async def list_devices(session: AsyncSession, user: User) -> list[PushDevice]:
    found = await session.scalars(
        select(PushDevice).where(PushDevice.user_id == user.id).order_by(PushDevice.id)
    )
    return list(found)


async def unregister_device(session: AsyncSession, user: User, device_id: int) -> None:
    """Forget one of the user's devices; another user's is a 404."""
    removed = await session.execute(
        delete(PushDevice).where(
            PushDevice.id == device_id, PushDevice.user_id == user.id
        )
    )
    if removed.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFoundError(f"There is no device {device_id}.")


def notification_for(
    payload: dict[str, Any], locale: str, default_locale: str
) -> Notification:
    """The event's texts in ``locale``, else its language, else the default."""
    return Notification(
        title=resolve(payload.get("title"), locale, default_locale),
        body=resolve(payload.get("body"), locale, default_locale),
        url=payload.get("url"),
        data={
            key: str(payload[key])
            for key in ("notification_id", "event_type")
            if payload.get(key) is not None
        },
    )


class PushSender:
    """Delivers ``push.send`` events; holds the providers' HTTP client and
    their cached credentials for the life of the process."""

    def __init__(
        self,
        settings: Settings,
        sessions: Callable[[], async_sessionmaker[AsyncSession]],
    ) -> None:
        self._settings = settings
        self._sessions = sessions
        self._providers: dict[str, Provider] | None = None

    def providers(self) -> dict[str, Provider]:
        if self._providers is None:
            http = http_client(self._settings)
            self._providers = build_providers(self._settings, http)
        return self._providers

    async def deliver(self, payload: dict[str, Any]) -> None:
        """Send to every device of the user; fail (to be retried) if any
        provider failed, after trying them all."""
        async with self._sessions()() as session:
            devices = await session.scalars(
                select(PushDevice).where(PushDevice.user_id == int(payload["user_id"]))
            )
            targets = [(d.id, d.platform, d.token, d.locale) for d in devices]
        rejected: list[int] = []
        failures: list[str] = []
        for device_id, platform, token, locale in targets:
            provider = self.providers().get(platform)
            if provider is None:
                log.info("push.skipped", device_id=device_id, platform=platform)
                continue
            message = notification_for(payload, locale, self._settings.default_locale)
            try:
                outcome = await provider.send(token, message)
            except PushFailed as exc:
                failures.append(str(exc))
                continue
            if outcome is Outcome.REJECTED:
                rejected.append(device_id)
        await self._forget(rejected)
        if failures:
            raise PushFailed("; ".join(failures))

    async def _forget(self, device_ids: list[int]) -> None:
        if not device_ids:
            return
        async with self._sessions()() as session:
            await session.execute(
                delete(PushDevice).where(PushDevice.id.in_(device_ids))
            )
            await session.commit()
        log.info("push.tokens_removed", device_ids=device_ids)


def push_handler(sender: PushSender) -> Handler:
    return sender.deliver


async def forget_devices(session: AsyncSession, user: User) -> None:
    """Stop every push to ``user`` until their apps register again."""
    await session.execute(delete(PushDevice).where(PushDevice.user_id == user.id))
