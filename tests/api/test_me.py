"""The signed-in user's own account: reading and changing it."""

import httpx
import pytest

from app.runtime import Runtime
from tests.api.problems import assert_problem, assert_unauthenticated, failing_fields
from tests.factories import Account, confirmed_account, sign_up
from tests.mailbox import Mailbox

ME = "/api/v1/me"


@pytest.fixture
async def account(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
) -> Account:
    return await confirmed_account(client, runtime, mailbox)


async def test_me_shows_the_account(client: httpx.AsyncClient, account: Account):
    response = await client.get(ME, headers=account.headers)

    assert response.status_code == 200
    me = response.json()
    assert me["id"] == account.id
    assert me["email"] == account.email
    assert me["role"] == "participant"
    assert me["locale"] == "pt-BR"
    assert me["confirmed_at"] is not None
    assert not {"password_hash", "token_version", "blocked_at"} & me.keys()


async def test_anonymous_gets_401_with_www_authenticate(client: httpx.AsyncClient):
    response = await client.get(ME)

    assert_unauthenticated(response)


async def test_patch_changes_name_nickname_and_locale(
    client: httpx.AsyncClient, account: Account
):
    changes = {"name": "Maria das Dores", "nickname": "Dores_BH", "locale": "es"}

    response = await client.patch(ME, json=changes, headers=account.headers)

    assert response.status_code == 200, response.text
    me = response.json()
    assert (me["name"], me["nickname"], me["locale"]) == (
        "Maria das Dores",
        "dores_bh",
        "es",
    )
    again = await client.get(ME, headers=account.headers)
    assert again.json() == me


async def test_patch_leaves_fields_not_sent_alone(
    client: httpx.AsyncClient, account: Account
):
    before = (await client.get(ME, headers=account.headers)).json()

    response = await client.patch(ME, json={"locale": "en"}, headers=account.headers)

    assert response.json()["name"] == before["name"]
    assert response.json()["nickname"] == before["nickname"]


async def test_nickname_taken_is_409(client: httpx.AsyncClient, account: Account):
    await sign_up(client, nickname="ocupado")

    response = await client.patch(
        ME, json={"nickname": "Ocupado"}, headers=account.headers
    )

    body = assert_problem(response, 409, "conflict")
    assert body["field"] == "nickname"


async def test_own_nickname_in_another_case_is_kept(
    client: httpx.AsyncClient, account: Account
):
    nickname = (await client.get(ME, headers=account.headers)).json()["nickname"]

    response = await client.patch(
        ME, json={"nickname": nickname.upper()}, headers=account.headers
    )

    assert response.status_code == 200, response.text
    assert response.json()["nickname"] == nickname


@pytest.mark.parametrize(
    "changes",
    [
        {"email": "new@example.org"},
        {"role": "admin"},
        {"name": ""},
        {"name": "n" * 101},
        {"nickname": "bad nickname"},
        {"locale": "de"},
    ],
)
async def test_invalid_or_forbidden_changes_are_422(
    client: httpx.AsyncClient, account: Account, changes: dict[str, str]
):
    response = await client.patch(ME, json=changes, headers=account.headers)

    body = assert_problem(response, 422, "validation-error")
    assert failing_fields(body) == set(changes)


async def test_mobile_ignores_fields_it_may_not_change(
    client: httpx.AsyncClient, account: Account
):
    response = await client.patch(
        "/mobile/v1/me",
        json={"role": "admin", "email": "new@example.org", "name": "Nova"},
        headers=account.headers,
    )

    assert response.status_code == 200, response.text
    assert response.json()["role"] == "participant"
    assert response.json()["email"] == account.email
    assert response.json()["name"] == "Nova"


async def test_anonymous_patch_is_401(client: httpx.AsyncClient):
    response = await client.patch(ME, json={"name": "Someone"})

    assert_unauthenticated(response)
