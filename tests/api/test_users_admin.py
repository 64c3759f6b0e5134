"""The admins' list of accounts: who may read it, and its cursor pagination."""

import base64

import httpx
import pytest

from app.runtime import Runtime
from tests.api.problems import assert_problem, assert_unauthenticated
from tests.factories import Account, confirmed_account, sign_up
from tests.mailbox import Mailbox

USERS = "/api/v1/users"


async def test_anonymous_gets_401(client: httpx.AsyncClient):
    response = await client.get(USERS)

    assert_unauthenticated(response)


async def test_participant_gets_403(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
):
    account = await confirmed_account(client, runtime, mailbox)

    response = await client.get(USERS, headers=account.headers)

    body = assert_problem(response, 403, "forbidden")
    assert body["action"] == "users.manage"


async def test_admin_sees_accounts_with_admin_fields(
    client: httpx.AsyncClient, admin: Account
):
    created = await sign_up(client)

    response = await client.get(USERS, headers=admin.headers)

    assert response.status_code == 200
    page = response.json()
    assert page["next_cursor"] is None
    assert "link" not in response.headers
    assert [user["id"] for user in page["items"]] == [created["id"], admin.id]
    newest = page["items"][0]
    assert newest["email"] == created["email"]
    assert newest["blocked_at"] is None
    assert newest["last_sign_in_at"] is None
    assert "password_hash" not in newest


class TestPagination:
    @pytest.fixture
    async def user_ids(self, client: httpx.AsyncClient, admin: Account) -> list[int]:
        """Every account, newest first: eleven sign-ups and the admin."""
        created = [await sign_up(client) for _ in range(11)]
        return [int(str(user["id"])) for user in reversed(created)] + [admin.id]

    async def test_following_next_cursor_visits_every_account_once(
        self, client: httpx.AsyncClient, admin: Account, user_ids: list[int]
    ):
        seen: list[int] = []
        cursor = None

        for _ in range(10):
            params = {"limit": 5} | ({"cursor": cursor} if cursor else {})
            response = await client.get(USERS, params=params, headers=admin.headers)
            assert response.status_code == 200, response.text
            seen += [user["id"] for user in response.json()["items"]]
            cursor = response.json()["next_cursor"]
            if cursor is None:
                break

        assert seen == user_ids

    async def test_pages_are_full_until_the_last(
        self, client: httpx.AsyncClient, admin: Account, user_ids: list[int]
    ):
        first = await client.get(USERS, params={"limit": 6}, headers=admin.headers)

        second = await client.get(
            USERS,
            params={"limit": 6, "cursor": first.json()["next_cursor"]},
            headers=admin.headers,
        )

        assert len(first.json()["items"]) == 6
        assert len(second.json()["items"]) == 6
        assert second.json()["next_cursor"] is None
        assert "link" not in second.headers

    async def test_link_header_points_to_the_next_page(
        self, client: httpx.AsyncClient, admin: Account, user_ids: list[int]
    ):
        first = await client.get(
            USERS, params={"limit": 5, "role": "participant"}, headers=admin.headers
        )
        link = first.headers["link"]
        url, rel = link.split(";", 1)
        assert rel.strip() == 'rel="next"'
        next_url = httpx.URL(url.strip().strip("<>"))

        second = await client.get(next_url, headers=admin.headers)

        assert next_url.path == USERS
        assert next_url.params["cursor"] == first.json()["next_cursor"]
        assert next_url.params["role"] == "participant"
        assert [user["id"] for user in second.json()["items"]] == user_ids[5:10]

    async def test_default_limit_is_25(
        self, client: httpx.AsyncClient, admin: Account, user_ids: list[int]
    ):
        response = await client.get(USERS, headers=admin.headers)

        assert len(response.json()["items"]) == len(user_ids)
        assert response.json()["next_cursor"] is None

    async def test_accounts_created_after_the_first_page_do_not_shift_it(
        self, client: httpx.AsyncClient, admin: Account, user_ids: list[int]
    ):
        first = await client.get(USERS, params={"limit": 5}, headers=admin.headers)
        await sign_up(client)

        second = await client.get(
            USERS,
            params={"limit": 5, "cursor": first.json()["next_cursor"]},
            headers=admin.headers,
        )

        assert [user["id"] for user in second.json()["items"]] == user_ids[5:10]


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor",
        "!!!",
        base64.urlsafe_b64encode(b"[1, 2]").decode(),
        base64.urlsafe_b64encode(b'["7"]').decode(),
        base64.urlsafe_b64encode(b"[true]").decode(),
        base64.urlsafe_b64encode(b'{"id": 7}').decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        "x" * 513,
    ],
)
async def test_malformed_cursor_is_422(
    client: httpx.AsyncClient, admin: Account, cursor: str
):
    response = await client.get(USERS, params={"cursor": cursor}, headers=admin.headers)

    body = assert_problem(response, 422, "validation-error")
    assert "cursor" in {error["field"] for error in body["errors"]}


@pytest.mark.parametrize("limit", ["0", "101", "-1", "ten", "2.5"])
async def test_limit_out_of_range_is_422(
    client: httpx.AsyncClient, admin: Account, limit: str
):
    response = await client.get(USERS, params={"limit": limit}, headers=admin.headers)

    body = assert_problem(response, 422, "validation-error")
    assert {error["field"] for error in body["errors"]} == {"limit"}


@pytest.mark.parametrize("limit", ["1", "100"])
async def test_limit_bounds_are_accepted(
    client: httpx.AsyncClient, admin: Account, limit: str
):
    response = await client.get(USERS, params={"limit": limit}, headers=admin.headers)

    assert response.status_code == 200


class TestFilters:
    async def test_text_matches_name_nickname_or_email(
        self, client: httpx.AsyncClient, admin: Account
    ):
        by_name = await sign_up(client, name="Conceição Evaristo")
        by_nickname = await sign_up(client, nickname="evaristo_fan")
        by_email = await sign_up(client, email="leitora.evaristo@example.org")
        await sign_up(client, name="Someone Else")

        response = await client.get(
            USERS, params={"q": "EVARISTO"}, headers=admin.headers
        )

        assert {user["id"] for user in response.json()["items"]} == {
            by_name["id"],
            by_nickname["id"],
            by_email["id"],
        }

    async def test_wildcards_in_the_text_are_taken_literally(
        self, client: httpx.AsyncClient, admin: Account
    ):
        await sign_up(client, name="Ana")
        percent = await sign_up(client, name="100% Ana")

        response = await client.get(USERS, params={"q": "%"}, headers=admin.headers)

        assert [user["id"] for user in response.json()["items"]] == [percent["id"]]

    async def test_underscore_is_taken_literally(
        self, client: httpx.AsyncClient, admin: Account
    ):
        await sign_up(client, nickname="anab")
        underscored = await sign_up(client, nickname="ana_b")

        response = await client.get(USERS, params={"q": "ana_"}, headers=admin.headers)

        assert [user["id"] for user in response.json()["items"]] == [underscored["id"]]

    async def test_role_filter(self, client: httpx.AsyncClient, admin: Account):
        await sign_up(client)

        response = await client.get(
            USERS, params={"role": "admin"}, headers=admin.headers
        )

        assert [user["id"] for user in response.json()["items"]] == [admin.id]

    async def test_unknown_role_is_422(self, client: httpx.AsyncClient, admin: Account):
        response = await client.get(
            USERS, params={"role": "superuser"}, headers=admin.headers
        )

        assert_problem(response, 422, "validation-error")
