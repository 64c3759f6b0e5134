"""The worker: a stopped worker loses nothing, workers side by side deliver each
event once, parked events are shown to admins and retried."""

import asyncio
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.events import OutboxEvent, OutboxStatus
from app.models.meetings import MeetingRegistration, RegistrationStatus
from app.models.notifications import Notification, ScheduledSend
from app.runtime import Runtime
from app.services import outbox
from app.services.mail import MAIL_SEND, mail_request
from app.services.outbox import Dispatcher, Envelope
from tests import builders
from tests.meetings.conftest import meetings_component, open_meeting
from tests.notifications.conftest import API, Relay, Stage, deliver, follow, text_of

EVENTS = 30


async def arrange_comments(runtime: Runtime, events: int) -> list[int]:
    """A followed proposal and ``events`` comment events about it; the ids of
    the two people each event concerns (author and follower)."""
    async with runtime.sessionmaker() as session:
        space = await builders.space(session)
        component = await builders.component(session, space)
        author = await builders.user(session, runtime)
        follower = await builders.user(session, runtime)
        commenter = await builders.user(session, runtime)
        proposal = await builders.proposal(
            session,
            await builders.component(session, space, type=component.type.PROPOSALS),
            author,
        )
        await follow(session, follower, "proposal", proposal.id)
        for n in range(events):
            outbox.emit(
                session,
                "comment.created",
                {
                    "comment_id": n + 1,
                    "resource_type": "proposal",
                    "resource_id": proposal.id,
                    "space_id": space.id,
                    "author_id": commenter.id,
                    "parent_author_id": None,
                },
            )
        await session.commit()
    return [author.id, follower.id]


def dispatcher(runtime: Runtime, consume: Any, **options: Any) -> Dispatcher:
    """A dispatcher whose only subscriber is ``consume`` (no mail, no webhooks)."""
    return Dispatcher(
        runtime.sessionmaker,
        {},
        max_attempts=5,
        interval_seconds=0.01,
        subscribers=[consume],
        **options,
    )


async def notification_tally(runtime: Runtime) -> Counter[tuple[int, int]]:
    async with runtime.sessionmaker() as session:
        rows = await session.execute(
            select(Notification.event_id, Notification.user_id)
        )
        return Counter(tuple(row) for row in rows.all())


async def delivered_events(runtime: Runtime) -> int:
    async with runtime.sessionmaker() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(OutboxEvent)
                .where(
                    OutboxEvent.event_type == "comment.created",
                    OutboxEvent.status == OutboxStatus.DELIVERED,
                )
            )
            or 0
        )


class TestStoppedMidBatch:
    async def test_a_new_worker_finishes_the_batch_and_notifies_nobody_twice(
        self, durable_runtime: Runtime
    ) -> None:
        runtime = durable_runtime
        people = await arrange_comments(runtime, EVENTS)
        stop_after = 10
        calls = 0
        stopped = asyncio.Event()

        async def dies_mid_batch(event: Envelope) -> None:
            nonlocal calls
            if event.event_type != "comment.created":
                return
            calls += 1
            await runtime.notifier(event)
            if calls == stop_after:
                # Notified and committed, but the event is not marked delivered.
                stopped.set()
                await asyncio.sleep(3600)

        first = dispatcher(runtime, dies_mid_batch, lease=timedelta(0))
        first.start()
        await asyncio.wait_for(stopped.wait(), 60)
        await first.stop()
        assert await delivered_events(runtime) == stop_after - 1

        second = dispatcher(runtime, runtime.notifier)
        while await second.run_once():
            pass

        tally = await notification_tally(runtime)
        assert await delivered_events(runtime) == EVENTS
        assert len(tally) == EVENTS * len(people)
        assert set(tally.values()) == {1}
        assert Counter(user for _, user in tally) == {
            person: EVENTS for person in people
        }


class TestParkedEvents:
    async def test_admins_see_parked_events_without_secrets_and_retry_them(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        stage: Stage,
        relay: Relay,
    ) -> None:
        context = {"name": "Ana", "token": "s3cret"}
        parked = OutboxEvent(
            event_type=MAIL_SEND,
            payload=mail_request("confirm_email", "ana@example.org", "en", context),
            status=OutboxStatus.PARKED,
            attempts=8,
            last_error="SMTPServerDisconnected: lost",
        )
        session.add(parked)
        await session.commit()
        admin = stage.org_admin.headers

        listed = await client.get(f"{API}/admin/outbox-events", headers=admin)
        refused = await client.get(
            f"{API}/admin/outbox-events", headers=stage.follower.headers
        )
        retried = await client.post(
            f"{API}/admin/outbox-events/{parked.id}/retry", headers=admin
        )
        twice = await client.post(
            f"{API}/admin/outbox-events/{parked.id}/retry", headers=admin
        )
        await deliver(runtime)

        [shown] = listed.json()["items"]
        assert shown["id"] == parked.id
        assert shown["attempts"] == 8
        assert shown["last_error"] == "SMTPServerDisconnected: lost"
        assert shown["payload"]["context"]["token"] == "[redacted]"
        assert refused.status_code == 403
        assert retried.status_code == 200
        assert retried.json()["status"] == "pending"
        assert retried.json()["attempts"] == 0
        assert twice.status_code == 409
        [message] = relay.to("ana@example.org")
        assert "s3cret" in text_of(message)

    async def test_retrying_an_unknown_event_is_404(
        self, client: httpx.AsyncClient, stage: Stage
    ) -> None:
        response = await client.post(
            f"{API}/admin/outbox-events/999999/retry", headers=stage.org_admin.headers
        )

        assert response.status_code == 404


class TestWorkersSideBySide:
    """PostgreSQL: rows claimed with SKIP LOCKED, sends marked by unique keys."""

    async def test_two_dispatchers_deliver_each_event_once(
        self, committed_runtime: Runtime
    ) -> None:
        runtime = committed_runtime
        people = await arrange_comments(runtime, 40)
        handled: Counter[int] = Counter()

        async def counting(event: Envelope) -> None:
            if event.event_type == "comment.created":
                handled[event.id] += 1
            await runtime.notifier(event)

        async def drain(worker: Dispatcher) -> None:
            while await worker.run_once():
                pass

        await asyncio.gather(
            *(drain(dispatcher(runtime, counting, batch_size=5)) for _ in range(3))
        )

        tally = await notification_tally(runtime)
        assert len(handled) == 40
        assert set(handled.values()) == {1}
        assert len(tally) == 40 * len(people)
        assert set(tally.values()) == {1}

    async def test_two_schedulers_remind_each_registrant_once(
        self, committed_runtime: Runtime
    ) -> None:
        runtime = committed_runtime
        async with runtime.sessionmaker() as session:
            space = await builders.space(session)
            meeting = await open_meeting(
                session,
                await meetings_component(session, space),
                starts_at=utcnow() + timedelta(hours=24),
            )
            for n in range(10):
                user = await builders.user(session, runtime)
                session.add(
                    MeetingRegistration(
                        meeting_id=meeting.id,
                        user_id=user.id,
                        status=RegistrationStatus.CONFIRMED,
                        code=f"P{n:05d}",
                    )
                )
            await session.commit()

        await asyncio.gather(*(runtime.scheduler().run_once() for _ in range(3)))

        async with runtime.sessionmaker() as session:
            mails = await session.scalar(
                select(func.count())
                .select_from(OutboxEvent)
                .where(OutboxEvent.event_type == MAIL_SEND)
            )
            marks = await session.scalar(
                select(func.count()).select_from(ScheduledSend)
            )
        assert mails == 10
        assert marks == 10
