"""Sign-in by JSON and by the OAuth2 password form; refused accounts."""

import httpx
import pytest
from jose import jwt
from sqlalchemy import update

from app.models.base import utcnow
from app.models.users import User
from app.runtime import Runtime
from tests.api.conftest import Database
from tests.api.problems import assert_problem, assert_unauthenticated
from tests.factories import (
    PASSWORD,
    Account,
    bearer,
    confirm,
    confirmed_account,
    sign_up,
)
from tests.mailbox import Mailbox

SIGN_IN = "/api/v1/auth/sign-in"


async def _confirmed_email(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox, **fields: object
) -> str:
    created = await sign_up(client, **fields)
    email = str(created["email"])
    await confirm(client, runtime, mailbox, email)
    return email


async def test_json_sign_in_returns_a_token_pair(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
):
    email = await _confirmed_email(client, runtime, mailbox)

    response = await client.post(SIGN_IN, json={"email": email, "password": PASSWORD})

    assert response.status_code == 200, response.text
    tokens = response.json()
    assert set(tokens) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 15 * 60
    me = await client.get("/api/v1/me", headers=bearer(tokens["access_token"]))
    assert me.json()["email"] == email


async def test_the_access_token_is_a_jwt_with_a_key_id(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
):
    account = await confirmed_account(client, runtime, mailbox)

    header = jwt.get_unverified_header(account.access_token)
    claims = jwt.get_unverified_claims(account.access_token)

    assert header["alg"] == "HS256"
    assert header["kid"]
    assert claims["sub"] == str(account.id)
    assert claims["exp"] - claims["iat"] == 15 * 60


async def test_the_email_is_matched_without_regard_to_case(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
):
    await _confirmed_email(client, runtime, mailbox, email="Rita@Example.org")

    response = await client.post(
        SIGN_IN, json={"email": "RITA@example.ORG", "password": PASSWORD}
    )

    assert response.status_code == 200, response.text


@pytest.mark.parametrize("prefix", ["/api/v1", "/mobile/v1"])
async def test_oauth2_password_form_signs_in(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox, prefix: str
):
    email = await _confirmed_email(client, runtime, mailbox)

    response = await client.post(
        f"{prefix}/auth/token",
        data={"grant_type": "password", "username": email, "password": PASSWORD},
    )

    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "bearer"
    me = await client.get(
        f"{prefix}/me", headers=bearer(response.json()["access_token"])
    )
    assert me.status_code == 200


async def test_oauth2_form_with_a_wrong_password_is_401(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
):
    email = await _confirmed_email(client, runtime, mailbox)

    response = await client.post(
        "/api/v1/auth/token", data={"username": email, "password": "wrong password"}
    )

    assert_unauthenticated(response)


async def test_oauth2_form_without_a_password_is_422(client: httpx.AsyncClient):
    response = await client.post(
        "/api/v1/auth/token", data={"username": "x@example.org"}
    )

    assert_problem(response, 422, "validation-error")


async def test_json_sent_to_the_form_endpoint_is_422(client: httpx.AsyncClient):
    response = await client.post(
        "/api/v1/auth/token", json={"username": "x@example.org", "password": "p"}
    )

    assert_problem(response, 422, "validation-error")


async def test_wrong_password_is_401_with_www_authenticate(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
):
    email = await _confirmed_email(client, runtime, mailbox)

    response = await client.post(
        SIGN_IN, json={"email": email, "password": "not the password"}
    )

    body = assert_unauthenticated(response)
    assert body["detail"] == "The e-mail or password is wrong."


async def test_unknown_email_gets_the_same_answer_as_a_wrong_password(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
):
    email = await _confirmed_email(client, runtime, mailbox)
    wrong_password = await client.post(
        SIGN_IN, json={"email": email, "password": "not the password"}
    )

    unknown = await client.post(
        SIGN_IN, json={"email": "nobody@example.org", "password": PASSWORD}
    )

    assert_unauthenticated(unknown)
    assert unknown.json()["detail"] == wrong_password.json()["detail"]


async def test_unconfirmed_account_is_403_email_unconfirmed(
    client: httpx.AsyncClient,
):
    created = await sign_up(client)

    response = await client.post(
        SIGN_IN, json={"email": created["email"], "password": PASSWORD}
    )

    assert_problem(response, 403, "email-unconfirmed")


async def test_unconfirmed_account_with_a_wrong_password_is_401(
    client: httpx.AsyncClient,
):
    created = await sign_up(client)

    response = await client.post(
        SIGN_IN, json={"email": created["email"], "password": "not the password"}
    )

    assert_unauthenticated(response)


async def test_blocked_account_is_403_account_blocked(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox, db: Database
):
    account = await confirmed_account(client, runtime, mailbox)
    await db.execute(
        update(User).where(User.id == account.id).values(blocked_at=utcnow())
    )

    response = await client.post(
        SIGN_IN, json={"email": account.email, "password": PASSWORD}
    )

    assert_problem(response, 403, "account-blocked")


async def test_blocked_account_access_token_is_refused(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox, db: Database
):
    account = await confirmed_account(client, runtime, mailbox)
    await db.execute(
        update(User).where(User.id == account.id).values(blocked_at=utcnow())
    )

    response = await client.get("/api/v1/me", headers=account.headers)

    assert_problem(response, 403, "account-blocked")


async def test_deleted_account_cannot_sign_in(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox, db: Database
):
    account = await confirmed_account(client, runtime, mailbox)
    await db.execute(
        update(User).where(User.id == account.id).values(deleted_at=utcnow())
    )

    response = await client.post(
        SIGN_IN, json={"email": account.email, "password": PASSWORD}
    )

    assert_unauthenticated(response)


async def test_sign_in_records_the_time_shown_to_admins(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox, admin: Account
):
    account = await confirmed_account(client, runtime, mailbox)

    response = await client.get(
        "/api/v1/users", params={"q": account.email}, headers=admin.headers
    )

    [listed] = response.json()["items"]
    assert listed["last_sign_in_at"] is not None


@pytest.mark.parametrize(
    "body",
    [
        {"email": "x@example.org"},
        {"password": PASSWORD},
        {"email": "x@example.org", "password": ""},
        {"email": "x@example.org", "password": PASSWORD, "remember": True},
        {"email": "x@example.org", "password": PASSWORD, "device_id": ""},
        {"email": 7, "password": PASSWORD},
    ],
)
async def test_invalid_body_is_422(client: httpx.AsyncClient, body: dict[str, object]):
    response = await client.post(SIGN_IN, json=body)

    assert_problem(response, 422, "validation-error")


class TestPasswordsAreTakenAsTyped:
    """Spaces are part of a password: no endpoint may trim them."""

    PADDED = "  spaced out password  "

    async def test_the_oauth2_form_accepts_a_padded_password(
        self, client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
    ):
        email = await _confirmed_email(client, runtime, mailbox, password=self.PADDED)

        response = await client.post(
            "/api/v1/auth/token", data={"username": email, "password": self.PADDED}
        )

        assert response.status_code == 200, response.text

    async def test_the_trimmed_password_is_refused(
        self, client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
    ):
        email = await _confirmed_email(client, runtime, mailbox, password=self.PADDED)

        response = await client.post(
            SIGN_IN, json={"email": email, "password": self.PADDED.strip()}
        )

        assert_unauthenticated(response)

    async def test_a_padded_new_password_is_kept_on_change(
        self, client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
    ):
        account = await confirmed_account(client, runtime, mailbox)
        await client.post(
            "/api/v1/auth/password",
            json={"current_password": PASSWORD, "new_password": self.PADDED},
            headers=account.headers,
        )

        response = await client.post(
            "/api/v1/auth/token",
            data={"username": account.email, "password": self.PADDED},
        )

        assert response.status_code == 200, response.text

    async def test_a_password_of_spaces_only_is_a_password(
        self, client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
    ):
        email = await _confirmed_email(client, runtime, mailbox, password=" " * 12)

        response = await client.post(
            "/mobile/v1/auth/sign-in", json={"email": email, "password": " " * 12}
        )

        assert response.status_code == 200, response.text


async def test_a_password_typed_with_combining_accents_signs_in(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
):
    composed = "cora\u00e7\u00e3o valente"
    decomposed = "corac\u0327a\u0303o valente"
    email = await _confirmed_email(client, runtime, mailbox, password=composed)

    response = await client.post(SIGN_IN, json={"email": email, "password": decomposed})

    assert response.status_code == 200, response.text
