"""Rate limits per account, key and IP; security headers; CORS; strict filters."""

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.runtime import Runtime
from tests import builders
from tests.conftest import make_settings, shared_app
from tests.mailbox import Mailbox

API = "/api/v1"


@pytest.fixture
def settings(database_url: str, mailbox: Mailbox) -> Settings:
    return make_settings(
        database_url,
        mailbox.folder,
        rate_limit_writes="3/minute",
        rate_limit_writes_ip="5/minute",
        rate_limit_reads="4/minute",
        rate_limit_reads_ip="50/minute",
        cors_origins=["https://decide.contagem.mg.gov.br"],
    )


@pytest.fixture
def app(
    settings: Settings, runtime: Runtime, shared_apps: dict[str, FastAPI]
) -> FastAPI:
    return shared_app(shared_apps, settings, runtime)


async def follow(
    client: httpx.AsyncClient, headers: dict[str, str], space_id: int
) -> httpx.Response:
    return await client.post(
        f"{API}/me/follows",
        json={"resource_type": "space", "resource_id": space_id},
        headers=headers,
    )


class TestRateLimits:
    async def test_an_account_past_its_write_limit_gets_429(
        self, client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
    ) -> None:
        person = await builders.actor(session, runtime)
        space = await builders.space(session)

        answers = [await follow(client, person.headers, space.id) for _ in range(4)]

        assert [answer.status_code != 429 for answer in answers] == [
            True,
            True,
            True,
            False,
        ]
        assert answers[0].headers["RateLimit-Limit"] == "3"
        assert answers[0].headers["RateLimit-Remaining"] == "2"
        refused = answers[-1]
        assert refused.headers["content-type"] == "application/problem+json"
        assert int(refused.headers["Retry-After"]) >= 1
        assert refused.json()["status"] == 429

    async def test_accounts_count_apart_but_share_the_ip_limit(
        self, client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
    ) -> None:
        space = await builders.space(session)
        people = [await builders.actor(session, runtime) for _ in range(3)]

        statuses = [
            (await follow(client, person.headers, space.id)).status_code
            for person in people
            for _ in range(2)
        ]

        assert statuses[:5] == [s for s in statuses[:5] if s != 429]
        assert statuses[5] == 429

    async def test_reads_have_their_own_limit_per_account(
        self, client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
    ) -> None:
        person = await builders.actor(session, runtime)

        statuses = [
            (await client.get(f"{API}/me", headers=person.headers)).status_code
            for _ in range(5)
        ]
        anonymous = await client.get(f"{API}/spaces")

        assert statuses == [200, 200, 200, 200, 429]
        assert anonymous.status_code == 200

    async def test_an_api_key_has_its_own_count(
        self, client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
    ) -> None:
        statuses = [
            (
                await client.get(f"{API}/spaces", headers={"X-API-Key": "dk_unknown"})
            ).status_code
            for _ in range(5)
        ]

        assert statuses == [401, 401, 401, 401, 429]


class TestHeaders:
    @pytest.mark.parametrize(
        "path", ["/api/v1/spaces", "/mobile/v1/me", "/healthz", "/api/v1/nowhere"]
    )
    async def test_every_answer_carries_the_security_headers(
        self, client: httpx.AsyncClient, path: str
    ) -> None:
        response = await client.get(path)

        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]

    async def test_cors_answers_only_configured_origins(
        self, client: httpx.AsyncClient
    ) -> None:
        allowed = await client.get(
            f"{API}/spaces", headers={"Origin": "https://decide.contagem.mg.gov.br"}
        )
        foreign = await client.get(
            f"{API}/spaces", headers={"Origin": "https://evil.example"}
        )
        preflight = await client.options(
            f"{API}/spaces",
            headers={
                "Origin": "https://evil.example",
                "Access-Control-Request-Method": "POST",
            },
        )

        origin = "access-control-allow-origin"
        assert allowed.headers[origin] == "https://decide.contagem.mg.gov.br"
        assert "RateLimit-Remaining" in allowed.headers["access-control-expose-headers"]
        assert origin not in foreign.headers
        assert origin not in preflight.headers


class TestStrictFilters:
    async def test_an_undocumented_filter_is_422_not_ignored(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get(f"{API}/spaces", params={"stauts": "draft"})

        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "stauts"

    async def test_an_undocumented_sort_value_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        space = await builders.space(session)
        component = await builders.component(session, space)

        response = await client.get(
            f"{API}/components/{component.id}/proposals", params={"sort": "id; drop"}
        )

        assert response.status_code == 422

    async def test_documented_filters_still_work(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get(f"{API}/spaces", params={"limit": 5})

        assert response.status_code == 200
