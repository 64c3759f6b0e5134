"""Events reach a real endpoint on loopback, signed, retried, logged, replayable."""

import json

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from standardwebhooks import Webhook

from app.models.events import OutboxEvent, OutboxStatus
from app.models.webhooks import WebhookDelivery
from app.runtime import Runtime
from app.services import webhooks
from app.services.outbox import Envelope
from tests.builders import Actor
from tests.webhooks.conftest import (
    API,
    Receiver,
    emit_meeting_published,
    run_outbox,
    subscribe,
)


async def deliveries(client: httpx.AsyncClient, admin: Actor, hook_id: int) -> list:
    response = await client.get(
        f"{API}/webhooks/{hook_id}/deliveries", headers=admin.headers
    )
    assert response.status_code == 200, response.text
    items: list = response.json()["items"]
    return items


async def test_integrator_verifies_the_signature_and_reads_the_event(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    admin: Actor,
    receiver: Receiver,
) -> None:
    hook = await subscribe(client, admin, receiver.url, "meeting.published")
    await emit_meeting_published(session, meeting_id=42)

    await run_outbox(runtime, rounds=2)

    [request] = receiver.requests
    message = Webhook(hook["secret"]).verify(request.body, request.headers)
    assert message["type"] == "meeting.published"
    assert message["data"]["meeting_id"] == 42
    assert message["id"] == request.headers["webhook-id"]
    assert request.headers["webhook-id"].startswith("evt_")
    assert request.headers["content-type"] == "application/json"


async def test_a_signature_with_another_secret_fails_verification(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    admin: Actor,
    receiver: Receiver,
) -> None:
    await subscribe(client, admin, receiver.url)
    await emit_meeting_published(session)

    await run_outbox(runtime, rounds=2)

    [request] = receiver.requests
    with pytest.raises(Exception, match="No matching signature"):
        Webhook(webhooks.new_secret()).verify(request.body, request.headers)


async def test_only_subscribed_event_types_are_sent(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    admin: Actor,
    receiver: Receiver,
) -> None:
    await subscribe(client, admin, receiver.url, "proposal.published")
    await emit_meeting_published(session)

    await run_outbox(runtime, rounds=2)

    assert receiver.requests == []


async def test_a_failed_delivery_is_retried_with_the_same_event_id(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    admin: Actor,
    receiver: Receiver,
) -> None:
    hook = await subscribe(client, admin, receiver.url)
    receiver.answers = [(500, {}), (503, {})]
    await emit_meeting_published(session)

    await run_outbox(runtime, rounds=2)
    [failing] = await deliveries(client, admin, hook["id"])
    await run_outbox(runtime, rounds=2)

    assert failing["status"] == "retrying"
    assert failing["last_status_code"] == 500
    assert [request.headers["webhook-id"] for request in receiver.requests] == [
        failing["message_id"]
    ] * 3
    [delivered] = await deliveries(client, admin, hook["id"])
    assert delivered["status"] == "delivered"
    assert delivered["attempts"] == 3
    assert delivered["last_status_code"] == 204
    assert delivered["delivered_at"] is not None


async def test_retries_wait_longer_each_time(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    admin: Actor,
    receiver: Receiver,
) -> None:
    await subscribe(client, admin, receiver.url)
    receiver.answers = [(500, {})]
    await emit_meeting_published(session)

    await runtime.dispatcher().run_once()
    await runtime.dispatcher().run_once()

    queued = await session.scalar(
        select(OutboxEvent).where(OutboxEvent.event_type == webhooks.WEBHOOK_DELIVER)
    )
    assert queued is not None
    await session.refresh(queued)
    assert queued.status == OutboxStatus.PENDING
    assert queued.attempts == 1
    assert queued.available_at > queued.updated_at
    assert "HTTP 500" in (queued.last_error or "")


async def test_a_redirect_is_not_followed(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    admin: Actor,
    receiver: Receiver,
) -> None:
    hook = await subscribe(client, admin, receiver.url)
    receiver.answers = [(307, {"Location": receiver.url + "/elsewhere"})]
    await emit_meeting_published(session)

    await run_outbox(runtime, rounds=2)

    assert [request.path for request in receiver.requests] == ["/hooks"]
    [delivery] = await deliveries(client, admin, hook["id"])
    assert delivery["status"] == "retrying"
    assert delivery["last_status_code"] == 307


async def test_after_the_last_attempt_the_delivery_is_failed_and_can_be_replayed(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    admin: Actor,
    receiver: Receiver,
) -> None:
    hook = await subscribe(client, admin, receiver.url)
    attempts = runtime.settings.outbox_max_attempts
    receiver.answers = [(500, {})] * attempts
    await emit_meeting_published(session)

    await run_outbox(runtime, rounds=attempts + 2)
    [failed] = await deliveries(client, admin, hook["id"])
    replayed = await client.post(
        f"{API}/webhooks/{hook['id']}/deliveries/{failed['id']}/replay",
        headers=admin.headers,
    )
    await run_outbox(runtime)

    assert failed["status"] == "failed"
    assert failed["attempts"] == attempts
    assert replayed.status_code == 202
    assert replayed.json()["status"] == "pending"
    [delivered] = await deliveries(client, admin, hook["id"])
    assert delivered["status"] == "delivered"
    assert delivered["attempts"] == attempts + 1
    ids = {request.headers["webhook-id"] for request in receiver.requests}
    assert ids == {failed["message_id"]}


async def test_a_delivered_event_can_be_replayed(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    admin: Actor,
    receiver: Receiver,
) -> None:
    hook = await subscribe(client, admin, receiver.url)
    await emit_meeting_published(session)
    await run_outbox(runtime, rounds=2)
    [delivery] = await deliveries(client, admin, hook["id"])

    await client.post(
        f"{API}/webhooks/{hook['id']}/deliveries/{delivery['id']}/replay",
        headers=admin.headers,
    )
    await run_outbox(runtime)

    first, second = receiver.requests
    assert first.body == second.body
    assert first.headers["webhook-id"] == second.headers["webhook-id"]


async def test_fan_out_run_twice_for_one_event_delivers_once(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    admin: Actor,
    receiver: Receiver,
) -> None:
    await subscribe(client, admin, receiver.url)
    await emit_meeting_published(session)
    event = await session.scalar(select(OutboxEvent))
    assert event is not None
    envelope = Envelope(event.id, event.event_type, event.payload, event.created_at)

    # A dispatcher that died after the fan-out committed runs it again.
    await webhooks.fan_out(runtime.sessionmaker, envelope)
    await run_outbox(runtime, rounds=2)

    count = await session.scalar(select(func.count()).select_from(WebhookDelivery))
    assert count == 1
    assert len(receiver.requests) == 1


async def test_every_subscription_gets_its_own_delivery(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    admin: Actor,
    receiver: Receiver,
) -> None:
    first = await subscribe(client, admin, receiver.url)
    second = await subscribe(client, admin, receiver.url + "/second")
    await emit_meeting_published(session)

    await run_outbox(runtime, rounds=2)

    assert sorted(request.path for request in receiver.requests) == [
        "/hooks",
        "/hooks/second",
    ]
    bodies = {json.loads(request.body)["id"] for request in receiver.requests}
    assert len(bodies) == 1
    for hook in (first, second):
        [delivery] = await deliveries(client, admin, hook["id"])
        assert delivery["status"] == "delivered"


async def test_a_deactivated_subscription_gets_nothing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    admin: Actor,
    receiver: Receiver,
) -> None:
    hook = await subscribe(client, admin, receiver.url)
    await emit_meeting_published(session)
    await run_outbox(runtime)
    await client.patch(
        f"{API}/webhooks/{hook['id']}", json={"active": False}, headers=admin.headers
    )

    await run_outbox(runtime)

    assert receiver.requests == []
    [delivery] = await deliveries(client, admin, hook["id"])
    assert delivery["status"] == "cancelled"


async def test_a_named_host_is_reached_at_its_checked_address_with_its_name(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    admin: Actor,
    receiver: Receiver,
) -> None:
    named = receiver.url.replace("127.0.0.1", "localhost")
    await subscribe(client, admin, named)
    await emit_meeting_published(session)

    await run_outbox(runtime, rounds=2)

    [request] = receiver.requests
    assert request.headers["host"] == named.removeprefix("http://").split("/")[0]
