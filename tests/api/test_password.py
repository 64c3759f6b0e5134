"""Password reset by mailed link, and password change by the signed-in user."""

from datetime import timedelta

import httpx
from sqlalchemy import update

from app.models.base import utcnow
from app.models.users import UserToken
from app.runtime import Runtime
from tests.api.conftest import Database
from tests.api.problems import (
    assert_problem,
    assert_unauthenticated,
    failing_fields,
)
from tests.factories import (
    PASSWORD,
    bearer,
    confirmed_account,
    deliver_mail,
    sign_in,
    sign_up,
)
from tests.mailbox import Mailbox

REQUEST = "/api/v1/auth/password-reset"
CONFIRM = "/api/v1/auth/password-reset/confirm"
CHANGE = "/api/v1/auth/password"
NEW_PASSWORD = "uma senha nova e longa"


async def _reset_token(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox, email: str
) -> str:
    await client.post(REQUEST, json={"email": email})
    await deliver_mail(runtime)
    return mailbox.last_token(email)


class TestResetRequest:
    async def test_known_email_gets_202_and_a_mail_with_a_link(
        self, client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
    ):
        account = await confirmed_account(client, runtime, mailbox)

        response = await client.post(REQUEST, json={"email": account.email.upper()})
        await deliver_mail(runtime)

        assert response.status_code == 202
        mail = mailbox.messages(account.email)[-1]
        assert "Redefinição de senha" in mail["Subject"]
        assert mailbox.last_token(account.email)

    async def test_unknown_email_gets_the_same_answer_and_no_mail(
        self, client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
    ):
        account = await confirmed_account(client, runtime, mailbox)
        known = await client.post(REQUEST, json={"email": account.email})

        unknown = await client.post(REQUEST, json={"email": "nobody@example.org"})
        await deliver_mail(runtime)

        assert unknown.status_code == known.status_code == 202
        assert unknown.json() == known.json()
        assert mailbox.messages("nobody@example.org") == []

    async def test_invalid_email_is_422(self, client: httpx.AsyncClient):
        response = await client.post(REQUEST, json={"email": "nobody"})

        assert_problem(response, 422, "validation-error")


class TestResetConfirm:
    async def test_the_mailed_token_sets_the_new_password(
        self, client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
    ):
        account = await confirmed_account(client, runtime, mailbox)
        token = await _reset_token(client, runtime, mailbox, account.email)

        response = await client.post(
            CONFIRM, json={"token": token, "password": NEW_PASSWORD}
        )

        assert response.status_code == 204
        assert await sign_in(client, account.email, NEW_PASSWORD)

    async def test_the_old_password_is_refused(
        self, client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
    ):
        account = await confirmed_account(client, runtime, mailbox)
        token = await _reset_token(client, runtime, mailbox, account.email)

        await client.post(CONFIRM, json={"token": token, "password": NEW_PASSWORD})

        signed_in = await client.post(
            "/api/v1/auth/sign-in",
            json={"email": account.email, "password": PASSWORD},
        )
        assert_unauthenticated(signed_in)

    async def test_every_session_ends(
        self, client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
    ):
        account = await confirmed_account(client, runtime, mailbox)
        token = await _reset_token(client, runtime, mailbox, account.email)

        await client.post(CONFIRM, json={"token": token, "password": NEW_PASSWORD})

        me = await client.get("/api/v1/me", headers=account.headers)
        assert_unauthenticated(me)
        refreshed = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": account.refresh_token}
        )
        assert_unauthenticated(refreshed)

    async def test_the_token_works_once(
        self, client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
    ):
        account = await confirmed_account(client, runtime, mailbox)
        token = await _reset_token(client, runtime, mailbox, account.email)
        await client.post(CONFIRM, json={"token": token, "password": NEW_PASSWORD})

        response = await client.post(
            CONFIRM, json={"token": token, "password": "yet another password"}
        )

        assert_problem(response, 400, "invalid-token")
        assert await sign_in(client, account.email, NEW_PASSWORD)

    async def test_an_expired_token_is_400(
        self,
        client: httpx.AsyncClient,
        runtime: Runtime,
        mailbox: Mailbox,
        db: Database,
    ):
        account = await confirmed_account(client, runtime, mailbox)
        token = await _reset_token(client, runtime, mailbox, account.email)
        await db.execute(
            update(UserToken).values(expires_at=utcnow() - timedelta(seconds=1))
        )

        response = await client.post(
            CONFIRM, json={"token": token, "password": NEW_PASSWORD}
        )

        assert_problem(response, 400, "invalid-token")
        assert await sign_in(client, account.email, PASSWORD)

    async def test_an_unknown_token_is_400(self, client: httpx.AsyncClient):
        response = await client.post(
            CONFIRM, json={"token": "never-mailed", "password": NEW_PASSWORD}
        )

        assert_problem(response, 400, "invalid-token")

    async def test_a_confirmation_token_does_not_reset(
        self, client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
    ):
        created = await sign_up(client)
        await deliver_mail(runtime)
        confirmation_token = mailbox.last_token(str(created["email"]))

        response = await client.post(
            CONFIRM, json={"token": confirmation_token, "password": NEW_PASSWORD}
        )

        assert_problem(response, 400, "invalid-token")

    async def test_a_short_password_is_422_and_keeps_the_token(
        self, client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
    ):
        account = await confirmed_account(client, runtime, mailbox)
        token = await _reset_token(client, runtime, mailbox, account.email)

        short = await client.post(CONFIRM, json={"token": token, "password": "short"})
        response = await client.post(
            CONFIRM, json={"token": token, "password": NEW_PASSWORD}
        )

        assert_problem(short, 422, "validation-error")
        assert response.status_code == 204

    async def test_reset_confirms_an_unconfirmed_account(
        self, client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
    ):
        created = await sign_up(client)
        email = str(created["email"])
        token = await _reset_token(client, runtime, mailbox, email)

        await client.post(CONFIRM, json={"token": token, "password": NEW_PASSWORD})

        assert await sign_in(client, email, NEW_PASSWORD)


class TestChangePassword:
    async def test_change_returns_a_new_pair_that_works(
        self, client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
    ):
        account = await confirmed_account(client, runtime, mailbox)

        response = await client.post(
            CHANGE,
            json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
            headers=account.headers,
        )

        assert response.status_code == 200, response.text
        tokens = response.json()
        me = await client.get("/api/v1/me", headers=bearer(tokens["access_token"]))
        assert me.status_code == 200
        refreshed = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        assert refreshed.status_code == 200, refreshed.text

    async def test_only_the_new_password_signs_in(
        self, client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
    ):
        account = await confirmed_account(client, runtime, mailbox)

        await client.post(
            CHANGE,
            json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
            headers=account.headers,
        )

        old = await client.post(
            "/api/v1/auth/sign-in",
            json={"email": account.email, "password": PASSWORD},
        )
        assert_unauthenticated(old)
        assert await sign_in(client, account.email, NEW_PASSWORD)

    async def test_other_sessions_end(
        self, client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
    ):
        account = await confirmed_account(client, runtime, mailbox)

        await client.post(
            CHANGE,
            json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
            headers=account.headers,
        )

        me = await client.get("/api/v1/me", headers=account.headers)
        assert_unauthenticated(me)
        refreshed = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": account.refresh_token}
        )
        assert_unauthenticated(refreshed)

    async def test_a_wrong_current_password_is_422_and_changes_nothing(
        self, client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
    ):
        account = await confirmed_account(client, runtime, mailbox)

        response = await client.post(
            CHANGE,
            json={"current_password": "a guess", "new_password": NEW_PASSWORD},
            headers=account.headers,
        )

        problem = assert_problem(response, 422, "validation-error")
        assert failing_fields(problem) == {"current_password"}
        me = await client.get("/api/v1/me", headers=account.headers)
        assert me.status_code == 200
        assert await sign_in(client, account.email, PASSWORD)

    async def test_a_short_new_password_is_422(
        self, client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
    ):
        account = await confirmed_account(client, runtime, mailbox)

        response = await client.post(
            CHANGE,
            json={"current_password": PASSWORD, "new_password": "short"},
            headers=account.headers,
        )

        assert_problem(response, 422, "validation-error")

    async def test_anonymous_gets_401(self, client: httpx.AsyncClient):
        response = await client.post(
            CHANGE, json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
        )

        assert_unauthenticated(response)
