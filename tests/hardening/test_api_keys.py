"""API keys: issued by admins, shown once, stored hashed, scoped, revocable."""

import hashlib

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.api_keys import ApiKey
from app.models.spaces import Visibility
from app.models.users import UserRole
from app.runtime import Runtime
from tests import builders
from tests.builders import Actor

API = "/api/v1"


async def issue(
    client: httpx.AsyncClient, admin: Actor, scope: str = "read"
) -> dict[str, object]:
    response = await client.post(
        f"{API}/api-keys",
        json={"name": "Portal de dados abertos", "scope": scope},
        headers=admin.headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


async def test_a_key_is_shown_once_and_stored_hashed(
    client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
) -> None:
    admin = await builders.actor(session, runtime, UserRole.ADMIN)

    created = await issue(client, admin)
    listed = await client.get(f"{API}/api-keys", headers=admin.headers)

    key = str(created["key"])
    assert key.startswith("dk_")
    assert key not in listed.text
    stored = await session.scalar(select(ApiKey))
    assert stored is not None
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in stored.key_hash


async def test_a_read_key_reads_by_either_header_and_records_its_use(
    client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
) -> None:
    admin = await builders.actor(session, runtime, UserRole.ADMIN)
    private = await builders.space(session, visibility=Visibility.PRIVATE)
    key = str((await issue(client, admin))["key"])

    by_header = await client.get(
        f"{API}/spaces/{private.id}", headers={"X-API-Key": key}
    )
    by_bearer = await client.get(
        f"{API}/spaces/{private.id}", headers={"Authorization": f"Bearer {key}"}
    )
    writing = await client.post(
        f"{API}/me/follows",
        json={"resource_type": "space", "resource_id": private.id},
        headers={"X-API-Key": key},
    )

    assert by_header.status_code == 200
    assert by_bearer.status_code == 200
    assert writing.status_code == 403
    assert writing.json()["reason"] == "insufficient_scope"
    stored = await session.scalar(
        select(ApiKey).execution_options(populate_existing=True)
    )
    assert stored is not None and stored.last_used_at is not None


async def test_a_write_key_writes(
    client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
) -> None:
    admin = await builders.actor(session, runtime, UserRole.ADMIN)
    space = await builders.space(session)
    key = str((await issue(client, admin, "write"))["key"])

    response = await client.post(
        f"{API}/me/follows",
        json={"resource_type": "space", "resource_id": space.id},
        headers={"X-API-Key": key},
    )

    assert response.status_code in (200, 201), response.text


async def test_a_revoked_or_unknown_key_is_refused(
    client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
) -> None:
    admin = await builders.actor(session, runtime, UserRole.ADMIN)
    created = await issue(client, admin)

    revoked = await client.delete(
        f"{API}/api-keys/{created['id']}", headers=admin.headers
    )
    after = await client.get(f"{API}/me", headers={"X-API-Key": str(created["key"])})
    unknown = await client.get(f"{API}/me", headers={"X-API-Key": "dk_nothing"})

    assert revoked.status_code == 204
    assert after.status_code == 401
    assert unknown.status_code == 401


async def test_only_organisation_admins_issue_keys(
    client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
) -> None:
    participant = await builders.actor(session, runtime)

    response = await client.post(
        f"{API}/api-keys", json={"name": "x"}, headers=participant.headers
    )

    assert response.status_code == 403
