"""One account from sign-up to a forgotten password, as a resident lives it."""

import httpx

from app.runtime import Runtime
from tests.api.problems import assert_problem, assert_unauthenticated
from tests.factories import PASSWORD, bearer, deliver_mail, sign_up_body
from tests.mailbox import Mailbox


async def test_the_account_life_cycle(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
):
    body = sign_up_body(email="Beatriz@Example.org", nickname="bia_contagem")
    created = await client.post("/api/v1/auth/sign-up", json=body)
    assert created.status_code == 201, created.text
    email = created.json()["email"]
    too_early = await client.post(
        "/api/v1/auth/sign-in", json={"email": email, "password": PASSWORD}
    )
    assert_problem(too_early, 403, "email-unconfirmed")

    await deliver_mail(runtime)
    confirmed = await client.post(
        "/api/v1/auth/confirm", json={"token": mailbox.last_token(email)}
    )
    assert confirmed.status_code == 200, confirmed.text

    signed_in = await client.post(
        "/api/v1/auth/token",
        data={"username": "beatriz@example.org", "password": PASSWORD},
    )
    assert signed_in.status_code == 200, signed_in.text
    tokens = signed_in.json()
    patched = await client.patch(
        "/mobile/v1/me",
        json={"name": "Beatriz Nascimento"},
        headers=bearer(tokens["access_token"]),
    )
    assert patched.json()["name"] == "Beatriz Nascimento"

    refreshed = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 200, refreshed.text
    tokens = refreshed.json()

    changed = await client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "segunda senha forte"},
        headers=bearer(tokens["access_token"]),
    )
    assert changed.status_code == 200, changed.text
    assert_unauthenticated(
        await client.get("/api/v1/me", headers=bearer(tokens["access_token"]))
    )
    tokens = changed.json()

    signed_out = await client.post(
        "/api/v1/auth/sign-out", json={"refresh_token": tokens["refresh_token"]}
    )
    assert signed_out.status_code == 204

    await client.post("/api/v1/auth/password-reset", json={"email": email})
    await deliver_mail(runtime)
    reset = await client.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": mailbox.last_token(email), "password": "terceira senha forte"},
    )
    assert reset.status_code == 204

    final = await client.post(
        "/api/v1/auth/sign-in",
        json={"email": email, "password": "terceira senha forte"},
    )
    me = await client.get("/api/v1/me", headers=bearer(final.json()["access_token"]))
    assert me.json() | {"updated_at": None} == {
        **confirmed.json(),
        "name": "Beatriz Nascimento",
        "updated_at": None,
    }
