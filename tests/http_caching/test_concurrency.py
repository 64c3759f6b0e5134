"""Duplicates racing on PostgreSQL (real commits, separate connections)."""

import asyncio

import httpx
from sqlalchemy import func, select

from app.models.idempotency import IdempotencyRecord
from app.models.users import UserRole
from app.models.webhooks import WebhookSubscription
from app.runtime import Runtime
from app.services.idempotency import KeyedRequest
from tests import builders
from tests.http_caching.conftest import API, HOOK

KEY = "5c0ffee0-race"
RACERS = 5


async def signed_in_admin(runtime: Runtime) -> tuple[int, dict[str, str]]:
    async with runtime.sessionmaker() as session:
        admin = await builders.user(session, runtime, role=UserRole.ADMIN)
        await session.commit()
    return admin.id, {**builders.bearer(runtime, admin), "Idempotency-Key": KEY}


async def count(runtime: Runtime, model: type) -> int:
    async with runtime.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_five_identical_requests_at_once_have_one_effect(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    _, headers = await signed_in_admin(committed_runtime)

    answers = await asyncio.gather(
        *(
            committed_client.post(f"{API}/webhooks", json=HOOK, headers=headers)
            for _ in range(RACERS)
        )
    )
    retry = await committed_client.post(f"{API}/webhooks", json=HOOK, headers=headers)

    statuses = [answer.status_code for answer in answers]
    assert set(statuses) <= {201, 409}
    created = {answer.json()["id"] for answer in answers if answer.status_code == 201}
    assert len(created) == 1
    assert all(
        answer.headers["retry-after"] == "1"
        for answer in answers
        if answer.status_code == 409
    )
    assert retry.status_code == 201
    assert retry.json()["id"] in created
    assert retry.headers["idempotent-replayed"] == "true"
    assert await count(committed_runtime, WebhookSubscription) == 1
    assert await count(committed_runtime, IdempotencyRecord) == 1


async def test_a_duplicate_while_the_first_is_in_flight_is_409(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    user_id, headers = await signed_in_admin(committed_runtime)
    running = KeyedRequest(user_id, "POST", f"{API}/webhooks", KEY, fingerprint="")

    # Hold the key's lock, as the first request's transaction does while it runs.
    async with committed_runtime.engine.connect() as first:
        await first.execute(select(func.pg_advisory_lock(running.lock_id)))
        duplicate = await committed_client.post(
            f"{API}/webhooks", json=HOOK, headers=headers
        )
        await first.execute(select(func.pg_advisory_unlock(running.lock_id)))
    after = await committed_client.post(f"{API}/webhooks", json=HOOK, headers=headers)

    assert duplicate.status_code == 409
    assert duplicate.headers["retry-after"] == "1"
    assert after.status_code == 201
    assert await count(committed_runtime, WebhookSubscription) == 1
