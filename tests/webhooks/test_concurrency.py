"""Workers racing on PostgreSQL deliver each event to each subscription once."""

import asyncio

from sqlalchemy import select

from app.models.webhooks import DeliveryStatus, WebhookDelivery, WebhookSubscription
from app.runtime import Runtime
from app.services import webhooks
from tests.webhooks.conftest import Receiver, dispatcher, emit_meeting_published

SUBSCRIPTIONS = 4
WORKERS = 3


async def test_racing_workers_deliver_each_message_once(
    committed_runtime: Runtime, receiver: Receiver
) -> None:
    async with committed_runtime.sessionmaker() as session:
        for number in range(SUBSCRIPTIONS):
            session.add(
                WebhookSubscription(
                    url=f"{receiver.url}/{number}",
                    event_types=["meeting.published"],
                    secret=webhooks.new_secret(),
                )
            )
        await session.commit()
        await emit_meeting_published(session)
    workers = [dispatcher(committed_runtime) for _ in range(WORKERS)]

    for _ in range(3):
        await asyncio.gather(*(worker.run_once() for worker in workers))

    paths = sorted(request.path for request in receiver.requests)
    assert paths == [f"/hooks/{number}" for number in range(SUBSCRIPTIONS)]
    async with committed_runtime.sessionmaker() as session:
        statuses = (await session.scalars(select(WebhookDelivery.status))).all()
    assert statuses == [DeliveryStatus.DELIVERED] * SUBSCRIPTIONS
