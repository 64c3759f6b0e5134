"""Terms of use and privacy notice: accepted at sign-up, re-accepted on change."""

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.runtime import Runtime
from tests import builders
from tests.factories import sign_up
from tests.privacy.conftest import TERMS

API = "/api/v1"
MOBILE = "/mobile/v1"


async def test_sign_up_records_the_version_in_force(
    client: httpx.AsyncClient,
) -> None:
    created = await sign_up(client)

    assert created["terms_version"] == TERMS


async def test_an_old_acceptance_gets_428_until_the_new_terms_are_accepted(
    client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
) -> None:
    person = await builders.actor(session, runtime)
    follow = {"resource_type": "space", "resource_id": 1}

    refused = await client.post(
        f"{API}/me/follows", json=follow, headers=person.headers
    )
    own_account = await client.get(f"{MOBILE}/me", headers=person.headers)
    wrong = await client.post(
        f"{API}/me/terms", json={"version": "2020-01"}, headers=person.headers
    )
    accepted = await client.post(
        f"{MOBILE}/me/terms", json={"version": TERMS}, headers=person.headers
    )
    after = await client.post(f"{API}/me/follows", json=follow, headers=person.headers)

    assert refused.status_code == 428
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["terms_version"] == TERMS
    assert own_account.status_code == 200
    assert wrong.status_code == 409
    assert accepted.status_code == 200
    assert accepted.json()["terms_version"] == TERMS
    assert after.status_code != 428
