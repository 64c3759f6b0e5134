"""The mobile API shares accounts and tokens with /api/v1, and is lenient."""

import httpx

from app.runtime import Runtime
from tests.api.problems import assert_problem, assert_unauthenticated
from tests.factories import (
    PASSWORD,
    bearer,
    confirmed_account,
    deliver_mail,
    sign_in,
    sign_up,
    sign_up_body,
)
from tests.mailbox import Mailbox

MOBILE = "/mobile/v1"


async def test_an_api_token_works_on_mobile(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
):
    account = await confirmed_account(client, runtime, mailbox)

    response = await client.get(f"{MOBILE}/me", headers=account.headers)

    assert response.status_code == 200
    assert response.json()["id"] == account.id


async def test_a_mobile_token_works_on_the_api(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
):
    account = await confirmed_account(client, runtime, mailbox)
    tokens = await sign_in(client, account.email, prefix=MOBILE, device_id="phone")

    response = await client.get("/api/v1/me", headers=bearer(tokens["access_token"]))

    assert response.status_code == 200
    assert response.json()["id"] == account.id


async def test_the_whole_life_cycle_on_mobile(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
):
    created = await sign_up(client, prefix=MOBILE)
    email = str(created["email"])
    await deliver_mail(runtime)
    confirmed = await client.post(
        f"{MOBILE}/auth/confirm",
        json={"token": mailbox.last_token(email), "app_build": 12},
    )
    tokens = await sign_in(client, email, prefix=MOBILE, device_id="phone")

    refreshed = await client.post(
        f"{MOBILE}/auth/refresh",
        json={"refresh_token": tokens["refresh_token"], "device_id": "phone"},
    )
    signed_out = await client.post(
        f"{MOBILE}/auth/sign-out",
        json={"refresh_token": refreshed.json()["refresh_token"]},
    )

    assert confirmed.status_code == 200, confirmed.text
    assert refreshed.status_code == 200, refreshed.text
    assert signed_out.status_code == 204
    spent = await client.post(
        f"{MOBILE}/auth/refresh",
        json={"refresh_token": refreshed.json()["refresh_token"], "device_id": "phone"},
    )
    assert_unauthenticated(spent)


async def test_a_refresh_token_from_mobile_is_bound_on_the_api_too(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
):
    account = await confirmed_account(client, runtime, mailbox)
    tokens = await sign_in(client, account.email, prefix=MOBILE, device_id="phone")

    response = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )

    assert_unauthenticated(response)


async def test_unknown_fields_are_ignored_on_every_mobile_body(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
):
    account = await confirmed_account(client, runtime, mailbox)
    extra = {"app_version": "2.0.0"}

    signed_in = await client.post(
        f"{MOBILE}/auth/sign-in",
        json={"email": account.email, "password": PASSWORD, **extra},
    )
    reset = await client.post(
        f"{MOBILE}/auth/password-reset", json={"email": account.email, **extra}
    )
    resend = await client.post(
        f"{MOBILE}/auth/confirm/resend", json={"email": account.email, **extra}
    )
    refreshed = await client.post(
        f"{MOBILE}/auth/refresh",
        json={"refresh_token": signed_in.json()["refresh_token"], **extra},
    )

    assert signed_in.status_code == 200, signed_in.text
    assert reset.status_code == 202, reset.text
    assert resend.status_code == 202, resend.text
    assert refreshed.status_code == 200, refreshed.text


async def test_mobile_still_validates_known_fields(client: httpx.AsyncClient):
    response = await client.post(
        f"{MOBILE}/auth/sign-up", json=sign_up_body(tos_accepted=False, extra=1)
    )

    assert_problem(response, 422, "validation-error")


async def test_mobile_errors_are_problems_too(client: httpx.AsyncClient):
    response = await client.post(
        f"{MOBILE}/auth/sign-in",
        json={"email": "nobody@example.org", "password": PASSWORD},
    )

    assert_unauthenticated(response)


async def test_mobile_sign_up_conflicts_with_an_api_account(
    client: httpx.AsyncClient,
):
    await sign_up(client, email="shared@example.org")

    response = await client.post(
        f"{MOBILE}/auth/sign-up", json=sign_up_body(email="SHARED@example.org")
    )

    assert_problem(response, 409, "conflict")


async def test_a_password_change_on_the_phone_keeps_the_pair_bound_to_it(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
):
    account = await confirmed_account(client, runtime, mailbox, device_id="phone")
    changed = await client.post(
        f"{MOBILE}/auth/password",
        json={
            "current_password": PASSWORD,
            "new_password": "a brand new password",
            "device_id": "phone",
        },
        headers=account.headers,
    )
    refresh_token = changed.json()["refresh_token"]

    elsewhere = await client.post(
        f"{MOBILE}/auth/refresh", json={"refresh_token": refresh_token}
    )
    on_the_phone = await client.post(
        f"{MOBILE}/auth/refresh",
        json={"refresh_token": refresh_token, "device_id": "phone"},
    )

    assert changed.status_code == 200, changed.text
    assert_unauthenticated(elsewhere)
    assert on_the_phone.status_code == 200, on_the_phone.text
