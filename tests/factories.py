"""Building blocks for tests: accounts created through the API, as users do."""

from dataclasses import dataclass
from itertools import count
from typing import Any

import httpx

from app.runtime import Runtime
from tests.mailbox import Mailbox

_serial = count(1)
PASSWORD = "correct horse battery"


@dataclass
class Account:
    id: int
    email: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def sign_up_body(**overrides: Any) -> dict[str, Any]:
    """A valid sign-up body with a fresh e-mail and nickname."""
    serial = next(_serial)
    body: dict[str, Any] = {
        "email": f"pessoa{serial}@example.org",
        "name": f"Pessoa {serial}",
        "nickname": f"pessoa_{serial}",
        "password": PASSWORD,
        "locale": "pt-BR",
        "tos_accepted": True,
    }
    body.update(overrides)
    return body


async def deliver_mail(runtime: Runtime) -> int:
    """Run the outbox once, as the dispatcher would."""
    return await runtime.dispatcher().run_once()


async def sign_up(
    client: httpx.AsyncClient,
    *,
    email: str | None = None,
    prefix: str = "/api/v1",
    **overrides: Any,
) -> dict[str, object]:
    body = sign_up_body(**overrides)
    if email is not None:
        body["email"] = email
    response = await client.post(f"{prefix}/auth/sign-up", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, object] = response.json()
    return created


async def confirm(
    client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox, email: str
) -> None:
    """Follow the link of the newest confirmation mail to ``email``."""
    await deliver_mail(runtime)
    token = mailbox.last_token(email)
    confirmed = await client.post("/api/v1/auth/confirm", json={"token": token})
    assert confirmed.status_code == 200, confirmed.text


async def sign_in(
    client: httpx.AsyncClient,
    email: str,
    password: str = PASSWORD,
    *,
    prefix: str = "/api/v1",
    device_id: str | None = None,
) -> dict[str, Any]:
    """Sign in by JSON and return the token pair."""
    body: dict[str, Any] = {"email": email, "password": password}
    if device_id is not None:
        body["device_id"] = device_id
    signed_in = await client.post(f"{prefix}/auth/sign-in", json=body)
    assert signed_in.status_code == 200, signed_in.text
    tokens: dict[str, Any] = signed_in.json()
    return tokens


async def confirmed_account(
    client: httpx.AsyncClient,
    runtime: Runtime,
    mailbox: Mailbox,
    *,
    email: str | None = None,
    device_id: str | None = None,
) -> Account:
    """Sign up, confirm with the mailed token and sign in."""
    user = await sign_up(client, email=email)
    await confirm(client, runtime, mailbox, str(user["email"]))
    tokens = await sign_in(client, str(user["email"]), device_id=device_id)
    return Account(
        id=int(str(user["id"])),
        email=str(user["email"]),
        password=PASSWORD,
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
    )


def bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}
