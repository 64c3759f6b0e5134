"""E-mail confirmation: the mailed link, its single use, its expiry, resending."""

from datetime import timedelta

import httpx
from sqlalchemy import update

from app.models.base import utcnow
from app.models.users import UserToken
from app.runtime import Runtime
from tests.api.conftest import Database
from tests.api.problems import assert_problem
from tests.factories import deliver_mail, sign_in, sign_up
from tests.mailbox import Mailbox

CONFIRM = "/api/v1/auth/confirm"
RESEND = "/api/v1/auth/confirm/resend"


async def _mailed_token(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
) -> tuple[str, str]:
    created = await sign_up(client)
    await deliver_mail(runtime)
    email = str(created["email"])
    return email, mailbox.last_token(email)


async def test_the_mailed_token_confirms_the_account(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
):
    email, token = await _mailed_token(client, runtime, mailbox)

    response = await client.post(CONFIRM, json={"token": token})

    assert response.status_code == 200, response.text
    assert response.json()["email"] == email
    assert response.json()["confirmed_at"] is not None


async def test_a_confirmed_account_can_sign_in(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
):
    email, token = await _mailed_token(client, runtime, mailbox)
    await client.post(CONFIRM, json={"token": token})

    tokens = await sign_in(client, email)

    assert tokens["access_token"]


async def test_a_used_token_is_400(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
):
    _email, token = await _mailed_token(client, runtime, mailbox)
    await client.post(CONFIRM, json={"token": token})

    response = await client.post(CONFIRM, json={"token": token})

    assert_problem(response, 400, "invalid-token")


async def test_an_unknown_token_is_400(client: httpx.AsyncClient):
    response = await client.post(CONFIRM, json={"token": "not-a-token-we-sent"})

    assert_problem(response, 400, "invalid-token")


async def test_an_expired_token_is_400(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox, db: Database
):
    email, token = await _mailed_token(client, runtime, mailbox)
    await db.execute(
        update(UserToken).values(expires_at=utcnow() - timedelta(seconds=1))
    )

    response = await client.post(CONFIRM, json={"token": token})

    assert_problem(response, 400, "invalid-token")
    signed_in = await client.post(
        "/api/v1/auth/sign-in",
        json={"email": email, "password": "correct horse battery"},
    )
    assert_problem(signed_in, 403, "email-unconfirmed")


async def test_a_password_reset_token_does_not_confirm(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
):
    email, _token = await _mailed_token(client, runtime, mailbox)
    await client.post("/api/v1/auth/password-reset", json={"email": email})
    await deliver_mail(runtime)
    reset_token = mailbox.last_token(email)

    response = await client.post(CONFIRM, json={"token": reset_token})

    assert_problem(response, 400, "invalid-token")


async def test_an_empty_token_is_422(client: httpx.AsyncClient):
    response = await client.post(CONFIRM, json={"token": ""})

    assert_problem(response, 422, "validation-error")


class TestResend:
    async def test_resend_mails_a_new_link_that_confirms(
        self, client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
    ):
        email, first_token = await _mailed_token(client, runtime, mailbox)

        response = await client.post(RESEND, json={"email": email.upper()})
        await deliver_mail(runtime)

        assert response.status_code == 202
        assert response.json()["detail"]
        assert len(mailbox.messages(email)) == 2
        second_token = mailbox.last_token(email)
        assert second_token != first_token
        confirmed = await client.post(CONFIRM, json={"token": second_token})
        assert confirmed.status_code == 200, confirmed.text

    async def test_unknown_email_gets_the_same_answer_and_no_mail(
        self, client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
    ):
        email, _token = await _mailed_token(client, runtime, mailbox)
        known = await client.post(RESEND, json={"email": email})

        unknown = await client.post(RESEND, json={"email": "nobody@example.org"})
        await deliver_mail(runtime)

        assert unknown.status_code == known.status_code == 202
        assert unknown.json() == known.json()
        assert mailbox.messages("nobody@example.org") == []

    async def test_a_confirmed_account_gets_no_new_mail(
        self, client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
    ):
        email, token = await _mailed_token(client, runtime, mailbox)
        await client.post(CONFIRM, json={"token": token})

        response = await client.post(RESEND, json={"email": email})
        await deliver_mail(runtime)

        assert response.status_code == 202
        assert len(mailbox.messages(email)) == 1
