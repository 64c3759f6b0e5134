"""Writes with an Idempotency-Key: a retry replays the first answer."""

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.idempotency import IdempotencyRecord
from app.models.users import UserRole
from app.models.webhooks import WebhookSubscription
from app.runtime import Runtime
from app.services import idempotency
from tests.builders import ANONYMOUS, PASSWORD, Actor, actor
from tests.http_caching.conftest import API, HOOK, MOBILE


def keyed(actor: Actor, key: str = "8d7c2f1e-retry-1") -> dict[str, str]:
    return {**actor.headers, "Idempotency-Key": key}


async def subscriptions(session: AsyncSession) -> int:
    return int(
        await session.scalar(select(func.count()).select_from(WebhookSubscription)) or 0
    )


async def keys(session: AsyncSession) -> int:
    return int(
        await session.scalar(select(func.count()).select_from(IdempotencyRecord)) or 0
    )


async def test_a_retry_with_the_same_key_replays_the_first_answer(
    client: httpx.AsyncClient, session: AsyncSession, admin: Actor
) -> None:
    first = await client.post(f"{API}/webhooks", json=HOOK, headers=keyed(admin))
    retry = await client.post(f"{API}/webhooks", json=HOOK, headers=keyed(admin))

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["content-type"] == first.headers["content-type"]
    assert retry.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await subscriptions(session) == 1


async def test_without_a_key_each_write_counts(
    client: httpx.AsyncClient, session: AsyncSession, admin: Actor
) -> None:
    await client.post(f"{API}/webhooks", json=HOOK, headers=admin.headers)
    await client.post(f"{API}/webhooks", json=HOOK, headers=admin.headers)

    assert await subscriptions(session) == 2


async def test_the_same_key_with_another_body_is_422(
    client: httpx.AsyncClient, session: AsyncSession, admin: Actor
) -> None:
    await client.post(f"{API}/webhooks", json=HOOK, headers=keyed(admin))

    other = await client.post(
        f"{API}/webhooks",
        json={**HOOK, "description": "another"},
        headers=keyed(admin),
    )

    assert other.status_code == 422
    assert other.json()["errors"][0]["code"] == "idempotency_key_reused"
    assert await subscriptions(session) == 1


async def test_keys_are_scoped_to_the_user(
    client: httpx.AsyncClient, session: AsyncSession, admin: Actor, runtime: Runtime
) -> None:
    other_admin = await actor(session, runtime, role=UserRole.ADMIN)

    first = await client.post(f"{API}/webhooks", json=HOOK, headers=keyed(admin))
    second = await client.post(f"{API}/webhooks", json=HOOK, headers=keyed(other_admin))

    assert second.status_code == 201
    assert second.json()["id"] != first.json()["id"]
    assert await subscriptions(session) == 2


async def test_keys_are_scoped_to_the_method_and_path(
    client: httpx.AsyncClient, session: AsyncSession, admin: Actor
) -> None:
    created = await client.post(f"{API}/webhooks", json=HOOK, headers=keyed(admin))
    hook_id = created.json()["id"]

    changed = await client.patch(
        f"{API}/webhooks/{hook_id}", json={"description": "BI"}, headers=keyed(admin)
    )

    assert changed.status_code == 200
    assert changed.json()["description"] == "BI"


async def test_a_refused_write_leaves_no_key(
    client: httpx.AsyncClient, session: AsyncSession, admin: Actor
) -> None:
    refused = await client.post(
        f"{API}/webhooks",
        json={**HOOK, "url": "http://example.org/hooks"},
        headers=keyed(admin),
    )

    corrected = await client.post(f"{API}/webhooks", json=HOOK, headers=keyed(admin))

    assert refused.status_code == 422
    assert corrected.status_code == 201
    assert "idempotent-replayed" not in corrected.headers
    assert await keys(session) == 1


async def test_a_forbidden_write_is_not_stored(
    client: httpx.AsyncClient, session: AsyncSession, participant: Actor
) -> None:
    first = await client.post(f"{API}/webhooks", json=HOOK, headers=keyed(participant))
    retry = await client.post(f"{API}/webhooks", json=HOOK, headers=keyed(participant))

    assert first.status_code == retry.status_code == 403
    assert "idempotent-replayed" not in retry.headers
    assert await keys(session) == 0


async def test_an_expired_key_runs_the_write_again(
    client: httpx.AsyncClient, session: AsyncSession, admin: Actor
) -> None:
    await client.post(f"{API}/webhooks", json=HOOK, headers=keyed(admin))
    await session.execute(
        update(IdempotencyRecord).values(expires_at=utcnow() - timedelta(seconds=1))
    )
    await session.commit()

    again = await client.post(f"{API}/webhooks", json=HOOK, headers=keyed(admin))

    assert again.status_code == 201
    assert "idempotent-replayed" not in again.headers
    assert await subscriptions(session) == 2
    assert await keys(session) == 1


async def test_a_key_lives_for_the_configured_hours(
    client: httpx.AsyncClient, session: AsyncSession, admin: Actor
) -> None:
    await client.post(f"{API}/webhooks", json=HOOK, headers=keyed(admin))

    record = await session.scalar(select(IdempotencyRecord))

    assert record is not None
    assert record.expires_at - record.created_at == timedelta(hours=24)


async def test_the_cleanup_purges_expired_keys_only(
    client: httpx.AsyncClient, session: AsyncSession, admin: Actor
) -> None:
    await client.post(f"{API}/webhooks", json=HOOK, headers=keyed(admin, "old"))
    await session.execute(
        update(IdempotencyRecord).values(expires_at=utcnow() - timedelta(seconds=1))
    )
    await client.post(f"{API}/webhooks", json=HOOK, headers=keyed(admin, "new"))

    purged = await idempotency.purge_expired(session)

    assert purged == 1
    assert [
        record.key for record in await session.scalars(select(IdempotencyRecord))
    ] == ["new"]


async def test_a_malformed_key_is_422(
    client: httpx.AsyncClient, session: AsyncSession, admin: Actor
) -> None:
    response = await client.post(
        f"{API}/webhooks", json=HOOK, headers=keyed(admin, "x" * 256)
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert await subscriptions(session) == 0


async def test_an_anonymous_write_ignores_the_key(
    client: httpx.AsyncClient, session: AsyncSession, participant: Actor
) -> None:
    assert participant.user is not None
    body = {"email": participant.user.email, "password": PASSWORD}

    signed_in = await client.post(
        f"{API}/auth/sign-in", json=body, headers=keyed(ANONYMOUS)
    )

    assert signed_in.status_code == 200
    assert await keys(session) == 0


async def test_the_mobile_api_replays_too(
    client: httpx.AsyncClient, session: AsyncSession, participant: Actor
) -> None:
    first = await client.patch(
        f"{MOBILE}/me", json={"name": "Maria Aparecida"}, headers=keyed(participant)
    )
    retry = await client.patch(
        f"{MOBILE}/me", json={"name": "Maria Aparecida"}, headers=keyed(participant)
    )

    assert first.status_code == 200
    assert retry.json() == first.json()
    assert retry.headers["idempotent-replayed"] == "true"


async def test_a_streamed_body_over_the_limit_is_413(
    client: httpx.AsyncClient, session: AsyncSession, admin: Actor
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b" " * 100_000

    response = await client.post(
        f"{API}/webhooks",
        content=chunks(),
        headers={**keyed(admin), "Content-Type": "application/json"},
    )

    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert await keys(session) == 0
