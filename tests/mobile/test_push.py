"""Pushes reach each device of a user in its locale, through the real FCM and
APNs clients talking to a stand-in on loopback; rejected tokens are forgotten."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.config import Environment, Settings
from app.models.base import utcnow
from app.models.devices import Platform, PushDevice
from app.models.events import OutboxEvent, OutboxStatus
from app.models.users import User
from app.runtime import Runtime
from app.services import outbox
from app.services.push import PUSH_SEND
from app.services.push_providers import PushFailed
from tests import builders
from tests.conftest import make_settings
from tests.mailbox import Mailbox
from tests.mobile.providers import StandIn, serve


@pytest.fixture
async def stand_in(tmp_path: Path) -> AsyncIterator[StandIn]:
    async with serve(tmp_path) as running:
        yield running


@pytest.fixture
def push_runtime(
    database_url: str,
    mailbox: Mailbox,
    stand_in: StandIn,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> Runtime:
    settings = make_settings(database_url, mailbox.folder, **stand_in.settings())
    runtime = Runtime.build(settings, engine=engine)
    runtime.sessionmaker = sessionmaker
    return runtime


async def device(
    session: AsyncSession, user: User, platform: Platform, token: str, locale: str
) -> PushDevice:
    added = PushDevice(
        user_id=user.id,
        platform=platform,
        token=token,
        locale=locale,
        last_registered_at=utcnow(),
    )
    session.add(added)
    await session.flush()
    return added


def payload(user: User, **overrides: Any) -> dict[str, Any]:
    return {
        "user_id": user.id,
        "notification_id": 42,
        "event_type": "proposal.answered",
        "title": {
            "pt-BR": "Sua proposta foi respondida",
            "en": "Your proposal was answered",
        },
        "body": {"pt-BR": "Veja a resposta da prefeitura.", "en": "See the answer."},
        "url": "decide://proposals/7",
        **overrides,
    }


async def tokens_of(session: AsyncSession, user: User) -> set[str]:
    found = await session.scalars(
        select(PushDevice.token).where(PushDevice.user_id == user.id)
    )
    return set(found)


class TestDelivery:
    async def test_an_android_device_gets_its_own_locale_through_fcm(
        self, session: AsyncSession, push_runtime: Runtime, stand_in: StandIn
    ) -> None:
        user = await builders.user(session, push_runtime)
        await device(session, user, Platform.ANDROID, "fcm-token-1", "en")
        await device(session, user, Platform.ANDROID, "fcm-token-2", "pt-BR")

        await push_runtime.handlers[PUSH_SEND](payload(user))

        by_token = {message["token"]: message for message in stand_in.fcm}
        assert by_token["fcm-token-1"]["notification"]["title"] == (
            "Your proposal was answered"
        )
        assert by_token["fcm-token-2"]["notification"]["title"] == (
            "Sua proposta foi respondida"
        )
        assert by_token["fcm-token-1"]["data"] == {
            "notification_id": "42",
            "event_type": "proposal.answered",
            "url": "decide://proposals/7",
        }
        assert stand_in.token_exchanges == 1

    async def test_an_iphone_in_another_locale_gets_the_default_through_apns(
        self, session: AsyncSession, push_runtime: Runtime, stand_in: StandIn
    ) -> None:
        user = await builders.user(session, push_runtime)
        await device(session, user, Platform.IOS, "a1b2c3d4e5f6", "es")

        await push_runtime.handlers[PUSH_SEND](payload(user))

        [sent] = stand_in.apns
        assert sent["token"] == "a1b2c3d4e5f6"
        assert sent["aps"]["alert"] == {
            "title": "Sua proposta foi respondida",
            "body": "Veja a resposta da prefeitura.",
        }
        assert sent["url"] == "decide://proposals/7"

    async def test_the_outbox_delivers_push_send_events(
        self, session: AsyncSession, push_runtime: Runtime, stand_in: StandIn
    ) -> None:
        user = await builders.user(session, push_runtime)
        await device(session, user, Platform.ANDROID, "fcm-token-3", "pt-BR")
        outbox.emit(session, PUSH_SEND, payload(user))
        await session.commit()

        delivered = await push_runtime.dispatcher().run_once()

        assert delivered == 1
        assert [m["token"] for m in stand_in.fcm] == ["fcm-token-3"]
        event = await session.scalar(
            select(OutboxEvent).where(OutboxEvent.event_type == PUSH_SEND)
        )
        assert event is not None
        await session.refresh(event)
        assert event.status == OutboxStatus.DELIVERED


class TestRejectedTokens:
    async def test_tokens_the_providers_reject_are_removed(
        self, session: AsyncSession, push_runtime: Runtime, stand_in: StandIn
    ) -> None:
        user = await builders.user(session, push_runtime)
        await device(session, user, Platform.ANDROID, "gone-fcm-token", "pt-BR")
        await device(session, user, Platform.IOS, "gone0apns0token", "pt-BR")
        await device(session, user, Platform.IOS, "bad0apns0token", "pt-BR")
        await device(session, user, Platform.ANDROID, "fcm-token-kept", "pt-BR")

        await push_runtime.handlers[PUSH_SEND](payload(user))

        assert await tokens_of(session, user) == {"fcm-token-kept"}

    async def test_an_outage_fails_the_event_for_a_retry_and_keeps_the_device(
        self, session: AsyncSession, push_runtime: Runtime, stand_in: StandIn
    ) -> None:
        user = await builders.user(session, push_runtime)
        await device(session, user, Platform.ANDROID, "down-fcm-token", "pt-BR")
        await device(session, user, Platform.IOS, "a1b2c3d4e5f7", "pt-BR")

        with pytest.raises(PushFailed, match="503"):
            await push_runtime.handlers[PUSH_SEND](payload(user))

        assert len(stand_in.apns) == 1
        assert await tokens_of(session, user) == {"down-fcm-token", "a1b2c3d4e5f7"}


class TestEndpointSettings:
    def test_production_accepts_only_the_providers_hosts(self, tmp_path: Path) -> None:
        with pytest.raises(ValidationError, match="DECIDE_FCM_ENDPOINT"):
            make_settings(
                "sqlite+aiosqlite://",
                tmp_path,
                env=Environment.PRODUCTION,
                fcm_endpoint="http://127.0.0.1:9999",
            )

    def test_production_with_the_defaults_is_accepted(self, tmp_path: Path) -> None:
        settings = make_settings(
            "sqlite+aiosqlite://", tmp_path, env=Environment.PRODUCTION
        )

        assert settings.apns_endpoint == "https://api.push.apple.com"

    @pytest.mark.parametrize(
        "endpoint", ["https://push.example.org", "http://fcm.googleapis.com"]
    )
    def test_a_foreign_or_plain_http_host_is_refused_everywhere(
        self, tmp_path: Path, endpoint: str
    ) -> None:
        with pytest.raises(ValidationError, match="DECIDE_APNS_ENDPOINT"):
            make_settings("sqlite+aiosqlite://", tmp_path, apns_endpoint=endpoint)

    def test_loopback_is_accepted_outside_production(self, tmp_path: Path) -> None:
        settings: Settings = make_settings(
            "sqlite+aiosqlite://", tmp_path, apns_endpoint="http://[::1]:8443"
        )

        assert settings.apns_endpoint == "http://[::1]:8443"
