"""Building blocks for tests: accounts created through the API, as users do."""

from dataclasses import dataclass
from itertools import count

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


async def deliver_mail(runtime: Runtime) -> int:
    """Run the outbox once, as the dispatcher would."""
    return await runtime.dispatcher().run_once()


async def sign_up(
    client: httpx.AsyncClient, *, email: str | None = None, prefix: str = "/api/v1"
) -> dict[str, object]:
    serial = next(_serial)
    body = {
        "email": email or f"pessoa{serial}@example.org",
        "name": f"Pessoa {serial}",
        "nickname": f"pessoa_{serial}",
        "password": PASSWORD,
        "locale": "pt-BR",
        "tos_accepted": True,
    }
    response = await client.post(f"{prefix}/auth/sign-up", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, object] = response.json()
    return created


async def confirmed_account(
    client: httpx.AsyncClient,
    runtime: Runtime,
    mailbox: Mailbox,
    *,
    email: str | None = None,
) -> Account:
    """Sign up, confirm with the mailed token and sign in."""
    user = await sign_up(client, email=email)
    await deliver_mail(runtime)
    token = mailbox.last_token(str(user["email"]))
    confirmed = await client.post("/api/v1/auth/confirm", json={"token": token})
    assert confirmed.status_code == 200, confirmed.text
    signed_in = await client.post(
        "/api/v1/auth/sign-in", json={"email": user["email"], "password": PASSWORD}
    )
    assert signed_in.status_code == 200, signed_in.text
    tokens = signed_in.json()
    return Account(
        id=int(str(user["id"])),
        email=str(user["email"]),
        password=PASSWORD,
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
    )
