"""Sign-up: the account it creates, the conflicts and the refused bodies."""

from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from sqlalchemy import func, select

from app.models.users import User
from app.runtime import Runtime
from tests.api.conftest import Database
from tests.api.problems import assert_problem, failing_fields
from tests.factories import PASSWORD, deliver_mail, sign_up, sign_up_body
from tests.mailbox import Mailbox

SIGN_UP = "/api/v1/auth/sign-up"


async def test_sign_up_creates_an_unconfirmed_participant(client: httpx.AsyncClient):
    body = sign_up_body(nickname="Maria_Silva", locale="en")

    response = await client.post(SIGN_UP, json=body)

    assert response.status_code == 201, response.text
    created = response.json()
    assert isinstance(created["id"], int)
    assert created["email"] == body["email"]
    assert created["name"] == body["name"]
    assert created["nickname"] == "maria_silva"
    assert created["locale"] == "en"
    assert created["role"] == "participant"
    assert created["confirmed_at"] is None
    assert "+00:00" in created["created_at"] or created["created_at"].endswith("Z")
    assert not {"password", "password_hash", "token_version"} & created.keys()


async def test_sign_up_mails_a_confirmation_link_with_a_token(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
):
    created = await sign_up(client)

    await deliver_mail(runtime)

    [mail] = mailbox.messages(str(created["email"]))
    assert "Confirme seu e-mail" in mail["Subject"]
    text = mail.get_body(preferencelist=("plain",)).get_content()
    [link] = [urlparse(word) for word in text.split() if word.startswith("http")]
    assert link.path == "/confirm"
    assert list(parse_qs(link.query)) == ["token"]
    assert "Pessoa" in text


async def test_confirmation_mail_follows_the_account_locale(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
):
    created = await sign_up(client, locale="en")

    await deliver_mail(runtime)

    [mail] = mailbox.messages(str(created["email"]))
    assert mail["Subject"] == "Confirm your e-mail on Decide Contagem"


async def test_the_mail_leaves_only_once_the_sign_up_is_answered(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
):
    await sign_up(client)

    assert mailbox.messages() == []
    assert await deliver_mail(runtime) == 1


async def test_email_taken_in_another_case_is_409(client: httpx.AsyncClient):
    await sign_up(client, email="Ana.Souza@Example.org")

    response = await client.post(
        SIGN_UP, json=sign_up_body(email="ana.souza@example.ORG")
    )

    body = assert_problem(response, 409, "conflict")
    assert body["field"] == "email"


async def test_email_taken_makes_no_second_account(
    client: httpx.AsyncClient, db: Database
):
    await sign_up(client, email="ana@example.org")

    await client.post(SIGN_UP, json=sign_up_body(email="ANA@example.org"))

    [(count,)] = await db.all(
        select(func.count()).where(User.email_normalized == "ana@example.org")
    )
    assert count == 1


async def test_nickname_taken_in_another_case_is_409(client: httpx.AsyncClient):
    await sign_up(client, nickname="joao_contagem")

    response = await client.post(SIGN_UP, json=sign_up_body(nickname="Joao_Contagem"))

    body = assert_problem(response, 409, "conflict")
    assert body["field"] == "nickname"


async def test_terms_not_accepted_is_422(client: httpx.AsyncClient):
    response = await client.post(SIGN_UP, json=sign_up_body(tos_accepted=False))

    body = assert_problem(response, 422, "validation-error")
    assert failing_fields(body) == {"tos_accepted"}


async def test_missing_fields_are_each_reported(client: httpx.AsyncClient):
    response = await client.post(SIGN_UP, json={"email": "x@example.org"})

    body = assert_problem(response, 422, "validation-error")
    assert failing_fields(body) == {"name", "nickname", "password", "tos_accepted"}


async def test_unknown_field_is_refused_on_the_api(client: httpx.AsyncClient):
    response = await client.post(SIGN_UP, json=sign_up_body(nick_name="typo"))

    body = assert_problem(response, 422, "validation-error")
    assert failing_fields(body) == {"nick_name"}


async def test_unknown_field_is_ignored_on_mobile(client: httpx.AsyncClient):
    body = sign_up_body(push_opt_in=True)

    response = await client.post("/mobile/v1/auth/sign-up", json=body)

    assert response.status_code == 201, response.text
    assert "push_opt_in" not in response.json()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not-an-email"),
        ("email", "a" * 250 + "@example.org"),
        ("name", ""),
        ("name", "   "),
        ("nickname", "x"),
        ("nickname", "n" * 31),
        ("nickname", "joão"),
        ("nickname", "with space"),
        ("password", "short"),
        ("password", "p" * 257),
        ("locale", "fr"),
        ("tos_accepted", None),
        ("tos_accepted", "yes"),
        ("tos_accepted", 1),
        ("name", 42),
    ],
)
async def test_invalid_field_is_422(
    client: httpx.AsyncClient, field: str, value: object
):
    response = await client.post(SIGN_UP, json=sign_up_body(**{field: value}))

    body = assert_problem(response, 422, "validation-error")
    assert failing_fields(body) == {field}


async def test_malformed_json_is_400(client: httpx.AsyncClient):
    response = await client.post(
        SIGN_UP,
        content=b'{"email": "x@example.org",',
        headers={"Content-Type": "application/json"},
    )

    assert_problem(response, 400, "malformed-json")


async def test_a_body_that_is_not_an_object_is_422(client: httpx.AsyncClient):
    response = await client.post(SIGN_UP, json=["email", "password"])

    assert_problem(response, 422, "validation-error")


class TestNameLength:
    """Names are limited to 100 characters as people count them: code points."""

    @pytest.mark.parametrize("character", ["a", "ã", "語", "🗳"])
    async def test_100_code_points_are_accepted_and_kept(
        self, client: httpx.AsyncClient, character: str
    ):
        name = character * 100

        response = await client.post(SIGN_UP, json=sign_up_body(name=name))

        assert response.status_code == 201, response.text
        assert response.json()["name"] == name

    @pytest.mark.parametrize("character", ["a", "ã", "語", "🗳"])
    async def test_101_code_points_are_422(
        self, client: httpx.AsyncClient, character: str
    ):
        response = await client.post(SIGN_UP, json=sign_up_body(name=character * 101))

        body = assert_problem(response, 422, "validation-error")
        assert failing_fields(body) == {"name"}

    async def test_decomposed_accents_count_once_composed(
        self, client: httpx.AsyncClient
    ):
        decomposed = "a\u0303" * 100

        response = await client.post(SIGN_UP, json=sign_up_body(name=decomposed))

        assert len(decomposed) == 200
        assert response.status_code == 201, response.text
        assert response.json()["name"] == "\u00e3" * 100

    async def test_surrounding_spaces_do_not_count(self, client: httpx.AsyncClient):
        response = await client.post(
            SIGN_UP, json=sign_up_body(name="  " + "b" * 100 + "  ")
        )

        assert response.status_code == 201, response.text
        assert response.json()["name"] == "b" * 100


async def test_password_of_256_code_points_signs_in(client: httpx.AsyncClient):
    password = "senha-forte-ç" + "🔑" * 243
    created = await sign_up(client, password=password)

    response = await client.post(
        "/api/v1/auth/sign-in", json={"email": created["email"], "password": password}
    )

    assert len(password) == 256
    assert_problem(response, 403, "email-unconfirmed")


async def test_the_password_is_not_stored_in_clear(
    client: httpx.AsyncClient, db: Database
):
    created = await sign_up(client)

    [(password_hash,)] = await db.all(
        select(User.password_hash).where(User.id == created["id"])
    )

    assert PASSWORD not in password_hash
    assert password_hash.startswith("$argon2id$")
