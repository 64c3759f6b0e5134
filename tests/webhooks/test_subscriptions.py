"""Admins register, list, change and remove webhook subscriptions."""

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Environment, Settings
from app.main import create_app
from app.models.webhooks import WebhookDelivery, WebhookSubscription
from app.runtime import Runtime
from app.services import webhooks
from app.services.webhooks import UnsafeAddress
from tests.builders import ANONYMOUS, Actor
from tests.webhooks.conftest import API, Receiver, subscribe

SUPPLIED_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


async def test_the_secret_is_shown_once(
    client: httpx.AsyncClient, admin: Actor, receiver: Receiver
) -> None:
    created = await subscribe(client, admin, receiver.url, "proposal.published")

    shown = await client.get(f"{API}/webhooks/{created['id']}", headers=admin.headers)

    assert created["secret"].startswith("whsec_")
    assert created["event_types"] == ["proposal.published"]
    assert created["active"] is True
    assert shown.status_code == 200
    assert "secret" not in shown.json()


async def test_an_admin_may_supply_the_secret(
    client: httpx.AsyncClient, admin: Actor, receiver: Receiver
) -> None:
    response = await client.post(
        f"{API}/webhooks",
        json={
            "url": receiver.url,
            "event_types": ["meeting.published"],
            "secret": SUPPLIED_SECRET,
        },
        headers=admin.headers,
    )

    assert response.status_code == 201
    assert response.json()["secret"] == SUPPLIED_SECRET


@pytest.mark.parametrize(
    "secret", ["plain-text-secret", "whsec_not base64!", "whsec_c2hvcnQ="]
)
async def test_a_secret_that_is_not_whsec_base64_is_refused(
    client: httpx.AsyncClient, admin: Actor, receiver: Receiver, secret: str
) -> None:
    response = await client.post(
        f"{API}/webhooks",
        json={
            "url": receiver.url,
            "event_types": ["meeting.published"],
            "secret": secret,
        },
        headers=admin.headers,
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "secret"


async def test_an_unknown_event_type_is_refused(
    client: httpx.AsyncClient, admin: Actor, receiver: Receiver
) -> None:
    response = await client.post(
        f"{API}/webhooks",
        json={"url": receiver.url, "event_types": ["proposal.eaten", "mail.send"]},
        headers=admin.headers,
    )

    assert response.status_code == 422
    assert "mail.send, proposal.eaten" in response.json()["errors"][0]["message"]


async def test_admins_list_update_rotate_and_delete(
    client: httpx.AsyncClient, admin: Actor, receiver: Receiver
) -> None:
    first = await subscribe(client, admin, receiver.url)
    second = await subscribe(client, admin, receiver.url + "/2")

    page = await client.get(f"{API}/webhooks?limit=1", headers=admin.headers)
    updated = await client.patch(
        f"{API}/webhooks/{first['id']}",
        json={
            "event_types": ["debate.created", "comment.created"],
            "description": "BI",
        },
        headers=admin.headers,
    )
    rotated = await client.post(
        f"{API}/webhooks/{first['id']}/secret", headers=admin.headers
    )
    deleted = await client.delete(
        f"{API}/webhooks/{second['id']}", headers=admin.headers
    )
    gone = await client.get(f"{API}/webhooks/{second['id']}", headers=admin.headers)

    assert [hook["id"] for hook in page.json()["items"]] == [first["id"]]
    assert page.json()["next_cursor"] is not None
    assert updated.json()["event_types"] == ["comment.created", "debate.created"]
    assert updated.json()["description"] == "BI"
    assert rotated.json()["secret"] not in (first["secret"], None)
    assert deleted.status_code == 204
    assert gone.status_code == 404


async def test_deleting_a_subscription_drops_its_delivery_log(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin: Actor,
    receiver: Receiver,
) -> None:
    hook = await subscribe(client, admin, receiver.url)
    session.add(
        WebhookDelivery(
            subscription_id=hook["id"],
            event_id=1,
            event_type="meeting.published",
            occurred_at=webhooks.utcnow(),
            payload={},
        )
    )
    await session.commit()

    deleted = await client.delete(f"{API}/webhooks/{hook['id']}", headers=admin.headers)

    assert deleted.status_code == 204
    assert await session.get(WebhookSubscription, hook["id"]) is None


@pytest.mark.parametrize("who", ["participant", "anonymous"])
async def test_only_organisation_admins_manage_webhooks(
    client: httpx.AsyncClient, participant: Actor, receiver: Receiver, who: str
) -> None:
    caller = participant if who == "participant" else ANONYMOUS

    listed = await client.get(f"{API}/webhooks", headers=caller.headers)
    created = await client.post(
        f"{API}/webhooks",
        json={"url": receiver.url, "event_types": ["meeting.published"]},
        headers=caller.headers,
    )

    expected = 403 if who == "participant" else 401
    assert listed.status_code == created.status_code == expected


async def test_the_event_types_are_listed_for_anyone(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{API}/event-types")

    names = [event["name"] for event in response.json()]
    assert response.status_code == 200
    assert "proposal.published" in names
    assert "mail.send" not in names
    assert names == sorted(names)


# Addresses


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/hooks",
        "ftp://127.0.0.1/hooks",
        "https://user:pass@127.0.0.1/hooks",
        "not a url",
    ],
)
async def test_urls_are_https_except_to_loopback(
    client: httpx.AsyncClient, admin: Actor, url: str
) -> None:
    response = await client.post(
        f"{API}/webhooks",
        json={"url": url, "event_types": ["meeting.published"]},
        headers=admin.headers,
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "url"


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hooks",
        "https://localhost/hooks",
        "https://[::1]/hooks",
        "https://10.1.2.3/hooks",
        "https://192.168.0.10/hooks",
        "https://172.16.5.4/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://[fe80::1]/hooks",
        "https://[::ffff:127.0.0.1]/hooks",
        "https://100.64.0.1/hooks",
        "https://0.0.0.0/hooks",
        "http://127.0.0.1:8080/hooks",
    ],
)
async def test_production_refuses_private_loopback_and_link_local(url: str) -> None:
    with pytest.raises(UnsafeAddress):
        await webhooks.resolve(url, Environment.PRODUCTION)


async def test_production_accepts_a_public_https_address() -> None:
    target = await webhooks.resolve("https://8.8.8.8/hooks", Environment.PRODUCTION)

    assert target.addresses == ("8.8.8.8",)
    assert target.port == 443


@pytest.fixture
def production_app(settings: Settings, runtime: Runtime) -> FastAPI:
    production = settings.model_copy(update={"env": Environment.PRODUCTION})
    runtime.settings = production
    return create_app(production, runtime)


async def test_production_refuses_registering_a_loopback_url(
    production_app: FastAPI, admin: Actor
) -> None:
    transport = httpx.ASGITransport(app=production_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post(
            f"{API}/webhooks",
            json={
                "url": "https://localhost/hooks",
                "event_types": ["meeting.published"],
            },
            headers=admin.headers,
        )

    assert response.status_code == 422
    assert "private, loopback or link-local" in response.json()["detail"]


async def test_production_checks_the_address_again_at_delivery(
    session: AsyncSession, runtime: Runtime, receiver: Receiver, tmp_path: Path
) -> None:
    # Registered when the name pointed elsewhere; it resolves to loopback now.
    url = receiver.url.replace("http://127.0.0.1", "https://localhost")
    production = runtime.settings.model_copy(update={"env": Environment.PRODUCTION})

    outcome = await webhooks.post(
        url, webhooks.new_secret(), "evt_1", b"{}", production
    )

    assert outcome.status_code is None
    assert outcome.error is not None and "refused" in outcome.error
    assert receiver.requests == []
