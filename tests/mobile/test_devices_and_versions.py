"""Devices register for pushes; an outdated app is told to update (426)."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import structlog
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app import __version__
from app.config import Settings
from app.runtime import Runtime
from tests import builders
from tests.conftest import shared_app
from tests.mobile.conftest import MOBILE, Scene

DEVICE = {
    "platform": "android",
    "token": "fcm:APA91bHun4MxP5egoKMwt2KZFBaFUH-1RYqx",
    "locale": "en",
    "app_version": "2.4.0",
}


class TestDevices:
    async def test_a_participant_registers_lists_and_unregisters_a_device(
        self, client: httpx.AsyncClient, scene: Scene
    ) -> None:
        headers = scene.participant.headers

        created = await client.post(f"{MOBILE}/devices", json=DEVICE, headers=headers)
        listed = await client.get(f"{MOBILE}/devices", headers=headers)
        removed = await client.delete(
            f"{MOBILE}/devices/{created.json()['id']}", headers=headers
        )
        after = await client.get(f"{MOBILE}/devices", headers=headers)

        assert created.status_code == 201
        assert created.json()["locale"] == "en"
        assert "token" not in created.json()
        assert [d["id"] for d in listed.json()] == [created.json()["id"]]
        assert removed.status_code == 204
        assert after.json() == []

    async def test_a_token_registered_by_another_account_moves_to_it(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        scene: Scene,
    ) -> None:
        other = await builders.actor(session, runtime)
        first = await client.post(
            f"{MOBILE}/devices", json=DEVICE, headers=scene.participant.headers
        )

        second = await client.post(
            f"{MOBILE}/devices",
            json={**DEVICE, "locale": "pt-BR"},
            headers=other.headers,
        )

        assert second.json()["id"] == first.json()["id"]
        assert second.json()["locale"] == "pt-BR"
        mine = await client.get(f"{MOBILE}/devices", headers=scene.participant.headers)
        assert mine.json() == []

    async def test_another_users_device_cannot_be_unregistered(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        scene: Scene,
    ) -> None:
        other = await builders.actor(session, runtime)
        created = await client.post(
            f"{MOBILE}/devices", json=DEVICE, headers=other.headers
        )

        answer = await client.delete(
            f"{MOBILE}/devices/{created.json()['id']}",
            headers=scene.participant.headers,
        )

        assert answer.status_code == 404

    async def test_registering_needs_a_sign_in(self, client: httpx.AsyncClient) -> None:
        answer = await client.post(f"{MOBILE}/devices", json=DEVICE)

        assert answer.status_code == 401

    async def test_an_unknown_platform_is_422(
        self, client: httpx.AsyncClient, scene: Scene
    ) -> None:
        answer = await client.post(
            f"{MOBILE}/devices",
            json={**DEVICE, "platform": "symbian"},
            headers=scene.participant.headers,
        )

        assert answer.status_code == 422


@pytest.fixture
async def gated_client(
    settings: Settings,
    runtime: Runtime,
    shared_apps: dict[str, FastAPI],
    tmp_path: Path,
) -> AsyncIterator[httpx.AsyncClient]:
    gated = settings.model_copy(update={"min_app_version": "2.4"})
    runtime.settings = gated
    app = shared_app(shared_apps, gated, runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


class TestMinimumVersion:
    @pytest.mark.parametrize("version", ["2.3.9", "1.99", "2.3.10-beta"])
    async def test_an_older_app_is_told_to_update(
        self, gated_client: httpx.AsyncClient, version: str
    ) -> None:
        answer = await gated_client.get(
            f"{MOBILE}/spaces", headers={"X-App-Version": version, "X-Platform": "ios"}
        )

        assert answer.status_code == 426
        assert answer.headers["content-type"] == "application/problem+json"
        problem = answer.json()
        assert problem["minimum_version"] == "2.4"
        assert "update" in problem["detail"]

    @pytest.mark.parametrize("version", ["2.4", "2.4.0", "2.10.1", None])
    async def test_a_current_app_or_a_browser_is_served(
        self, gated_client: httpx.AsyncClient, version: str | None
    ) -> None:
        headers = {"X-App-Version": version} if version else {}

        answer = await gated_client.get(f"{MOBILE}/spaces", headers=headers)

        assert answer.status_code == 200

    async def test_the_api_ignores_the_app_version(
        self, gated_client: httpx.AsyncClient
    ) -> None:
        answer = await gated_client.get(
            "/api/v1/spaces", headers={"X-App-Version": "1.0"}
        )

        assert answer.status_code == 200


class TestLogging:
    async def test_the_app_version_and_platform_are_on_the_access_log(
        self, client: httpx.AsyncClient
    ) -> None:
        with structlog.testing.capture_logs(
            processors=[structlog.contextvars.merge_contextvars]
        ) as logs:
            await client.get(
                f"{MOBILE}/spaces",
                headers={"X-App-Version": "2.4.1", "X-Platform": "android"},
            )
            await client.get(f"{MOBILE}/spaces", headers={"X-Platform": "<script>"})

        lines = [entry for entry in logs if entry["event"] == "http.request"]
        assert [(e["app_version"], e["platform"]) for e in lines] == [
            ("2.4.1", "android"),
            (__version__, None),
        ]
