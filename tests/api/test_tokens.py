"""Access tokens: forged, expired, foreign or garbled ones all get a 401."""

import base64
import json
import time
from typing import Any

import httpx
import pytest
from jose import jwt
from sqlalchemy import update

from app.config import Settings
from app.models.base import utcnow
from app.models.users import User
from app.runtime import Runtime
from tests.api.conftest import AppBuilder, Database
from tests.api.problems import assert_unauthenticated
from tests.factories import Account, bearer, confirmed_account, sign_in
from tests.mailbox import Mailbox

ME = "/api/v1/me"
OTHER_SECRET = "another-secret-key-that-is-long-enough-0123"


@pytest.fixture
async def account(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
) -> Account:
    return await confirmed_account(client, runtime, mailbox)


@pytest.fixture
def secret(settings: Settings) -> str:
    return settings.secret_key.get_secret_value()


def _claims(account: Account, **changes: Any) -> dict[str, Any]:
    """The claims of the account's real token, changed; ``None`` drops one."""
    claims: dict[str, Any] = jwt.get_unverified_claims(account.access_token)
    claims.update(changes)
    return {key: value for key, value in claims.items() if value is not None}


def _kid(account: Account) -> str:
    return str(jwt.get_unverified_header(account.access_token)["kid"])


def _sign(claims: dict[str, Any], key: str, **headers: Any) -> str:
    return jwt.encode(claims, key, algorithm="HS256", headers=headers or None)


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def test_the_real_token_is_accepted(client: httpx.AsyncClient, account: Account):
    response = await client.get(ME, headers=account.headers)

    assert response.status_code == 200


async def test_a_token_signed_by_us_with_the_test_secret_is_accepted(
    client: httpx.AsyncClient, account: Account, secret: str
):
    token = _sign(_claims(account, jti="forged-by-the-test"), secret, kid=_kid(account))

    response = await client.get(ME, headers=bearer(token))

    assert response.status_code == 200, "the forging helpers must be sound"


async def test_tampered_signature_is_401(client: httpx.AsyncClient, account: Account):
    header, payload, signature = account.access_token.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]

    response = await client.get(ME, headers=bearer(f"{header}.{payload}.{flipped}"))

    assert_unauthenticated(response)


async def test_tampered_claims_are_401(
    client: httpx.AsyncClient, account: Account, runtime: Runtime, mailbox: Mailbox
):
    other = await confirmed_account(client, runtime, mailbox)
    header, _payload, signature = account.access_token.split(".")
    payload = _b64(_claims(account, sub=str(other.id)))

    response = await client.get(ME, headers=bearer(f"{header}.{payload}.{signature}"))

    assert_unauthenticated(response)


async def test_expired_token_is_401(
    client: httpx.AsyncClient, account: Account, secret: str
):
    now = int(time.time())
    claims = _claims(account, iat=now - 3600, exp=now - 60)
    token = _sign(claims, secret, kid=_kid(account))

    response = await client.get(ME, headers=bearer(token))

    assert_unauthenticated(response)


async def test_alg_none_is_401(client: httpx.AsyncClient, account: Account):
    header = _b64({"alg": "none", "typ": "JWT", "kid": _kid(account)})
    token = f"{header}.{_b64(_claims(account))}."

    response = await client.get(ME, headers=bearer(token))

    assert_unauthenticated(response)


async def test_another_algorithm_is_401(
    client: httpx.AsyncClient, account: Account, secret: str
):
    token = jwt.encode(
        _claims(account), secret, algorithm="HS512", headers={"kid": _kid(account)}
    )

    response = await client.get(ME, headers=bearer(token))

    assert_unauthenticated(response)


async def test_wrong_key_under_our_key_id_is_401(
    client: httpx.AsyncClient, account: Account
):
    token = _sign(_claims(account), OTHER_SECRET, kid=_kid(account))

    response = await client.get(ME, headers=bearer(token))

    assert_unauthenticated(response)


async def test_unknown_key_id_is_401(client: httpx.AsyncClient, account: Account):
    token = _sign(_claims(account), OTHER_SECRET, kid="0123456789abcdef")

    response = await client.get(ME, headers=bearer(token))

    assert_unauthenticated(response)


async def test_missing_key_id_is_401(
    client: httpx.AsyncClient, account: Account, secret: str
):
    token = _sign(_claims(account), secret)

    response = await client.get(ME, headers=bearer(token))

    assert_unauthenticated(response)


@pytest.mark.parametrize(
    "changes",
    [
        {"typ": "refresh"},
        {"typ": None},
        {"iss": "someone-else"},
        {"exp": None},
        {"sub": None},
        {"sub": "admin"},
        {"ver": None},
        {"ver": "0"},
        {"sub": "987654321"},
        {"sub": "\u00b2"},
        {"sub": "9" * 30},
        {"sub": "-1"},
    ],
    ids=[
        "not-an-access-token",
        "no-type",
        "other-issuer",
        "no-expiry",
        "no-subject",
        "subject-not-an-id",
        "no-version",
        "version-not-a-number",
        "no-such-user",
        "superscript-digit",
        "id-beyond-bigint",
        "negative-id",
    ],
)
async def test_well_signed_but_wrong_claims_are_401(
    client: httpx.AsyncClient, account: Account, secret: str, changes: dict[str, Any]
):
    token = _sign(_claims(account, **changes), secret, kid=_kid(account))

    response = await client.get(ME, headers=bearer(token))

    assert_unauthenticated(response)


@pytest.mark.parametrize(
    "token",
    ["garbage", "a.b.c", "...", "eyJhbGciOiJIUzI1NiJ9", "é" * 20, "x" * 5000],
)
async def test_garbage_is_401(client: httpx.AsyncClient, token: str):
    response = await client.get(
        ME, headers={"Authorization": f"Bearer {token}".encode()}
    )

    assert_unauthenticated(response)


async def test_empty_bearer_is_401(client: httpx.AsyncClient):
    response = await client.get(ME, headers={"Authorization": "Bearer "})

    assert_unauthenticated(response)


async def test_a_refresh_token_is_not_an_access_token(
    client: httpx.AsyncClient, account: Account
):
    response = await client.get(ME, headers=bearer(account.refresh_token))

    assert_unauthenticated(response)


async def test_another_scheme_is_treated_as_anonymous(client: httpx.AsyncClient):
    response = await client.get(ME, headers={"Authorization": "Basic dXNlcjpwYXNz"})

    body = assert_unauthenticated(response)
    assert body["detail"] == "Sign in to do this."


class TestKeyRotation:
    async def test_a_token_signed_with_a_previous_key_is_accepted(
        self, account: Account, build_app: AppBuilder, secret: str
    ):
        rotated = build_app(secret_key=OTHER_SECRET, previous_secret_keys=[secret])
        client = await rotated.client()

        response = await client.get(ME, headers=account.headers)

        assert response.status_code == 200, response.text

    async def test_new_tokens_are_signed_with_the_new_key(
        self, account: Account, build_app: AppBuilder, secret: str
    ):
        rotated = build_app(secret_key=OTHER_SECRET, previous_secret_keys=[secret])
        client = await rotated.client()

        tokens = await sign_in(client, account.email)

        assert jwt.get_unverified_header(tokens["access_token"])["kid"] != _kid(account)
        me = await client.get(ME, headers=bearer(tokens["access_token"]))
        assert me.status_code == 200

    async def test_a_key_no_longer_listed_is_refused(
        self, account: Account, build_app: AppBuilder
    ):
        rotated = build_app(secret_key=OTHER_SECRET)
        client = await rotated.client()

        response = await client.get(ME, headers=account.headers)

        assert_unauthenticated(response)

    async def test_a_previous_key_cannot_sign_under_the_new_key_id(
        self,
        client: httpx.AsyncClient,
        account: Account,
        build_app: AppBuilder,
        secret: str,
    ):
        rotated = build_app(secret_key=OTHER_SECRET, previous_secret_keys=[secret])
        rotated_client = await rotated.client()
        tokens = await sign_in(rotated_client, account.email)
        new_kid = jwt.get_unverified_header(tokens["access_token"])["kid"]
        forged = _sign(_claims(account), secret, kid=new_kid)

        response = await rotated_client.get(ME, headers=bearer(forged))

        assert_unauthenticated(response)


@pytest.mark.parametrize("prefix", ["/api/v1", "/mobile/v1"])
async def test_problems_carry_www_authenticate_on_both_apis(
    client: httpx.AsyncClient, prefix: str
):
    response = await client.get(f"{prefix}/me", headers=bearer("garbage"))

    assert_unauthenticated(response)


async def test_a_deleted_accounts_token_is_401(
    client: httpx.AsyncClient, account: Account, db: Database
):
    await db.execute(
        update(User).where(User.id == account.id).values(deleted_at=utcnow())
    )

    response = await client.get(ME, headers=account.headers)

    assert_unauthenticated(response)
