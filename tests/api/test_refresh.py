"""Refresh tokens: rotation, reuse detection, device binding, sign-out."""

from datetime import timedelta

import httpx
from sqlalchemy import select, update

from app.models.base import utcnow
from app.models.users import RefreshToken, User
from app.runtime import Runtime
from tests.api.conftest import Database
from tests.api.problems import assert_problem, assert_unauthenticated
from tests.factories import bearer, confirmed_account, sign_in
from tests.mailbox import Mailbox

REFRESH = "/api/v1/auth/refresh"


async def test_refresh_returns_a_new_pair_whose_access_token_works(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
):
    account = await confirmed_account(client, runtime, mailbox)

    response = await client.post(REFRESH, json={"refresh_token": account.refresh_token})

    assert response.status_code == 200, response.text
    tokens = response.json()
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 15 * 60
    assert tokens["refresh_token"] != account.refresh_token
    me = await client.get("/api/v1/me", headers=bearer(tokens["access_token"]))
    assert me.json()["id"] == account.id


async def test_the_new_refresh_token_can_be_used_in_turn(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
):
    account = await confirmed_account(client, runtime, mailbox)
    first = await client.post(REFRESH, json={"refresh_token": account.refresh_token})

    second = await client.post(
        REFRESH, json={"refresh_token": first.json()["refresh_token"]}
    )

    assert second.status_code == 200, second.text


async def test_a_rotated_refresh_token_is_refused(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
):
    account = await confirmed_account(client, runtime, mailbox)
    await client.post(REFRESH, json={"refresh_token": account.refresh_token})

    response = await client.post(REFRESH, json={"refresh_token": account.refresh_token})

    body = assert_unauthenticated(response)
    assert "already used" in body["detail"]


async def test_reused_refresh_token_revokes_family(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
):
    account = await confirmed_account(client, runtime, mailbox)
    rotated = await client.post(REFRESH, json={"refresh_token": account.refresh_token})
    newest = rotated.json()["refresh_token"]
    await client.post(REFRESH, json={"refresh_token": account.refresh_token})

    response = await client.post(REFRESH, json={"refresh_token": newest})

    assert_unauthenticated(response)


async def test_reuse_revocation_is_stored_although_the_request_fails(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox, db: Database
):
    account = await confirmed_account(client, runtime, mailbox)
    await client.post(REFRESH, json={"refresh_token": account.refresh_token})

    await client.post(REFRESH, json={"refresh_token": account.refresh_token})

    rows = await db.all(
        select(RefreshToken.revoked_at).where(RefreshToken.user_id == account.id)
    )
    assert len(rows) == 2
    assert all(revoked_at is not None for (revoked_at,) in rows)


async def test_reuse_leaves_the_accounts_other_sessions_alone(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
):
    account = await confirmed_account(client, runtime, mailbox)
    other_session = await sign_in(client, account.email)
    await client.post(REFRESH, json={"refresh_token": account.refresh_token})
    await client.post(REFRESH, json={"refresh_token": account.refresh_token})

    response = await client.post(
        REFRESH, json={"refresh_token": other_session["refresh_token"]}
    )

    assert response.status_code == 200, response.text


async def test_unknown_refresh_token_is_401(client: httpx.AsyncClient):
    response = await client.post(REFRESH, json={"refresh_token": "made-up-token"})

    assert_unauthenticated(response)


async def test_an_access_token_is_not_a_refresh_token(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
):
    account = await confirmed_account(client, runtime, mailbox)

    response = await client.post(REFRESH, json={"refresh_token": account.access_token})

    assert response.status_code in {401, 422}
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_expired_refresh_token_is_401(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox, db: Database
):
    account = await confirmed_account(client, runtime, mailbox)
    await db.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == account.id)
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )

    response = await client.post(REFRESH, json={"refresh_token": account.refresh_token})

    body = assert_unauthenticated(response)
    assert "expired" in body["detail"]


async def test_missing_refresh_token_is_422(client: httpx.AsyncClient):
    response = await client.post(REFRESH, json={})

    assert_problem(response, 422, "validation-error")


class TestDeviceBinding:
    async def test_refresh_from_the_same_device_succeeds(
        self, client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
    ):
        account = await confirmed_account(client, runtime, mailbox, device_id="phone-1")

        response = await client.post(
            REFRESH,
            json={"refresh_token": account.refresh_token, "device_id": "phone-1"},
        )

        assert response.status_code == 200, response.text

    async def test_refresh_without_the_device_id_is_401(
        self, client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
    ):
        account = await confirmed_account(client, runtime, mailbox, device_id="phone-1")

        response = await client.post(
            REFRESH, json={"refresh_token": account.refresh_token}
        )

        body = assert_unauthenticated(response)
        assert "device" in body["detail"]

    async def test_refresh_from_another_device_is_401(
        self, client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
    ):
        account = await confirmed_account(client, runtime, mailbox, device_id="phone-1")

        response = await client.post(
            REFRESH,
            json={"refresh_token": account.refresh_token, "device_id": "phone-2"},
        )

        assert_unauthenticated(response)

    async def test_a_wrong_device_does_not_spend_the_token(
        self, client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
    ):
        account = await confirmed_account(client, runtime, mailbox, device_id="phone-1")
        await client.post(
            REFRESH,
            json={"refresh_token": account.refresh_token, "device_id": "phone-2"},
        )

        response = await client.post(
            REFRESH,
            json={"refresh_token": account.refresh_token, "device_id": "phone-1"},
        )

        assert response.status_code == 200, response.text

    async def test_the_rotated_token_stays_bound_to_the_device(
        self, client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
    ):
        account = await confirmed_account(client, runtime, mailbox, device_id="phone-1")
        rotated = await client.post(
            REFRESH,
            json={"refresh_token": account.refresh_token, "device_id": "phone-1"},
        )

        response = await client.post(
            REFRESH,
            json={"refresh_token": rotated.json()["refresh_token"], "device_id": "x"},
        )

        assert_unauthenticated(response)


async def test_blocked_account_cannot_refresh(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox, db: Database
):
    account = await confirmed_account(client, runtime, mailbox)
    await db.execute(
        update(User).where(User.id == account.id).values(blocked_at=utcnow())
    )

    response = await client.post(REFRESH, json={"refresh_token": account.refresh_token})

    assert_problem(response, 403, "account-blocked")


class TestSignOut:
    async def test_sign_out_ends_the_session(
        self, client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
    ):
        account = await confirmed_account(client, runtime, mailbox)

        response = await client.post(
            "/api/v1/auth/sign-out", json={"refresh_token": account.refresh_token}
        )

        assert response.status_code == 204
        assert response.content == b""
        refreshed = await client.post(
            REFRESH, json={"refresh_token": account.refresh_token}
        )
        assert_unauthenticated(refreshed)

    async def test_sign_out_ends_the_tokens_rotated_from_it(
        self, client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
    ):
        account = await confirmed_account(client, runtime, mailbox)
        rotated = await client.post(
            REFRESH, json={"refresh_token": account.refresh_token}
        )
        newest = rotated.json()["refresh_token"]

        await client.post(
            "/api/v1/auth/sign-out", json={"refresh_token": account.refresh_token}
        )

        refreshed = await client.post(REFRESH, json={"refresh_token": newest})
        assert_unauthenticated(refreshed)

    async def test_sign_out_leaves_other_sessions_alone(
        self, client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
    ):
        account = await confirmed_account(client, runtime, mailbox)
        other_session = await sign_in(client, account.email)

        await client.post(
            "/api/v1/auth/sign-out", json={"refresh_token": account.refresh_token}
        )

        refreshed = await client.post(
            REFRESH, json={"refresh_token": other_session["refresh_token"]}
        )
        assert refreshed.status_code == 200, refreshed.text

    async def test_sign_out_with_an_unknown_token_is_204(
        self, client: httpx.AsyncClient
    ):
        response = await client.post(
            "/api/v1/auth/sign-out", json={"refresh_token": "never-issued"}
        )

        assert response.status_code == 204


class TestSignOutEverywhere:
    async def test_existing_access_tokens_get_401(
        self, client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
    ):
        account = await confirmed_account(client, runtime, mailbox)
        other_session = await sign_in(client, account.email)

        response = await client.post(
            "/api/v1/auth/sign-out-everywhere", headers=account.headers
        )

        assert response.status_code == 204
        for token in (account.access_token, other_session["access_token"]):
            me = await client.get("/api/v1/me", headers=bearer(token))
            assert_unauthenticated(me)

    async def test_every_refresh_token_is_revoked(
        self, client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
    ):
        account = await confirmed_account(client, runtime, mailbox)
        other_session = await sign_in(client, account.email)

        await client.post("/api/v1/auth/sign-out-everywhere", headers=account.headers)

        for token in (account.refresh_token, other_session["refresh_token"]):
            refreshed = await client.post(REFRESH, json={"refresh_token": token})
            assert_unauthenticated(refreshed)

    async def test_signing_in_again_works(
        self, client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
    ):
        account = await confirmed_account(client, runtime, mailbox)
        await client.post("/api/v1/auth/sign-out-everywhere", headers=account.headers)

        tokens = await sign_in(client, account.email)

        me = await client.get("/api/v1/me", headers=bearer(tokens["access_token"]))
        assert me.status_code == 200

    async def test_anonymous_gets_401(self, client: httpx.AsyncClient):
        response = await client.post("/api/v1/auth/sign-out-everywhere")

        assert_unauthenticated(response)
