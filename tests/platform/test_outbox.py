"""The outbox: events written with the change, delivered at least once."""

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models.base import utcnow
from app.models.events import OutboxEvent, OutboxStatus
from app.runtime import Runtime
from app.services import outbox
from app.services.outbox import REDACTED, Dispatcher, backoff
from tests.platform.conftest import RuntimeFactory

PROBE = "probe.happened"


class Recorder:
    """A handler that records what it is given; it can fail or hang first."""

    def __init__(self, *, failures: int = 0, hang: bool = False) -> None:
        self.payloads: list[dict[str, Any]] = []
        self.calls = 0
        self.failures = failures
        self.hang = hang
        self.started = asyncio.Event()
        self.delivered = asyncio.Event()

    async def __call__(self, payload: dict[str, Any]) -> None:
        self.calls += 1
        self.started.set()
        if self.hang:
            await asyncio.Event().wait()
        if self.calls <= self.failures:
            raise ConnectionError(f"relay down (call {self.calls})")
        self.payloads.append(payload)
        self.delivered.set()


def dispatcher(
    sessionmaker: async_sessionmaker[AsyncSession],
    handler: Recorder,
    **options: Any,
) -> Dispatcher:
    settings: dict[str, Any] = {"max_attempts": 5, "interval_seconds": 60}
    settings.update(options)
    return Dispatcher(sessionmaker, {PROBE: handler}, **settings)


async def emit_committed(
    sessionmaker: async_sessionmaker[AsyncSession], *payloads: dict[str, Any]
) -> None:
    async with sessionmaker() as session:
        for payload in payloads:
            outbox.emit(session, PROBE, payload)
        await session.commit()


async def events(sessionmaker: async_sessionmaker[AsyncSession]) -> list[OutboxEvent]:
    async with sessionmaker() as session:
        query = select(OutboxEvent).where(OutboxEvent.event_type == PROBE)
        return list(await session.scalars(query.order_by(OutboxEvent.id)))


class TestEmit:
    async def test_the_event_is_part_of_the_callers_transaction(
        self, session: AsyncSession
    ) -> None:
        outbox.emit(session, PROBE, {"n": 1})
        await session.flush()
        written = await session.scalar(select(OutboxEvent.payload))

        await session.rollback()

        assert written == {"n": 1}
        assert await session.scalar(select(OutboxEvent.id)) is None


class TestDelivery:
    async def test_run_once_delivers_due_events_in_order_and_marks_them(
        self, runtime: Runtime
    ) -> None:
        handler = Recorder()
        await emit_committed(runtime.sessionmaker, {"n": 1}, {"n": 2})

        delivered = await dispatcher(runtime.sessionmaker, handler).run_once()

        assert delivered == 2
        assert handler.payloads == [{"n": 1}, {"n": 2}]
        for event in await events(runtime.sessionmaker):
            assert event.status == OutboxStatus.DELIVERED
            assert event.delivered_at is not None
            assert event.locked_until is None
        assert await dispatcher(runtime.sessionmaker, handler).run_once() == 0

    async def test_a_delivered_event_keeps_no_token(self, runtime: Runtime) -> None:
        payload = {"to": "ana@example.org", "context": {"name": "Ana", "token": "s3"}}
        await emit_committed(runtime.sessionmaker, payload)

        await dispatcher(runtime.sessionmaker, Recorder()).run_once()

        [event] = await events(runtime.sessionmaker)
        assert event.payload == {
            "to": "ana@example.org",
            "context": {"name": "Ana", "token": REDACTED},
        }

    async def test_a_failing_handler_is_retried_later_and_later(
        self, runtime: Runtime
    ) -> None:
        handler = Recorder(failures=2)
        delays = {1: timedelta(milliseconds=400), 2: timedelta(milliseconds=800)}
        worker = dispatcher(runtime.sessionmaker, handler, retry_delay=delays.get)
        await emit_committed(runtime.sessionmaker, {"n": 1})

        first_failure = utcnow()
        assert await worker.run_once() == 0
        [after_one] = await events(runtime.sessionmaker)
        assert await worker.run_once() == 0
        calls_before_due = handler.calls
        await asyncio.sleep(0.45)
        second_failure = utcnow()
        assert await worker.run_once() == 0
        [after_two] = await events(runtime.sessionmaker)
        await asyncio.sleep(0.85)
        delivered = await worker.run_once()

        assert after_one.attempts == 1
        assert after_one.status == OutboxStatus.PENDING
        assert after_one.last_error == "ConnectionError: relay down (call 1)"
        assert after_one.available_at >= first_failure + delays[1]
        assert calls_before_due == 1
        assert after_two.attempts == 2
        assert after_two.available_at >= second_failure + delays[2]
        assert delivered == 1
        assert handler.payloads == [{"n": 1}]

    async def test_an_event_is_parked_after_its_last_attempt(
        self, runtime: Runtime
    ) -> None:
        handler = Recorder(failures=99)
        worker = dispatcher(
            runtime.sessionmaker,
            handler,
            max_attempts=2,
            retry_delay=lambda _attempts: timedelta(0),
        )
        await emit_committed(runtime.sessionmaker, {"n": 1})

        for _ in range(4):
            await worker.run_once()

        [event] = await events(runtime.sessionmaker)
        assert event.status == OutboxStatus.PARKED
        assert event.attempts == 2
        assert handler.calls == 2

    def test_backoff_doubles_up_to_six_hours(self) -> None:
        waits = [backoff(attempts) for attempts in (1, 2, 3, 4, 30)]

        assert waits[:4] == [timedelta(seconds=s) for s in (10, 20, 40, 80)]
        assert waits[4] == timedelta(hours=6)


class TestLease:
    async def test_an_event_claimed_by_a_dead_worker_waits_for_its_lease(
        self, runtime: Runtime
    ) -> None:
        lease = timedelta(seconds=1)
        dying, survivor = Recorder(hang=True), Recorder()
        await emit_committed(runtime.sessionmaker, {"n": 1})
        doomed = asyncio.create_task(
            dispatcher(runtime.sessionmaker, dying, lease=lease).run_once()
        )
        await asyncio.wait_for(dying.started.wait(), timeout=5)
        doomed.cancel()
        await asyncio.gather(doomed, return_exceptions=True)
        worker = dispatcher(runtime.sessionmaker, survivor, lease=lease)

        during_lease = await worker.run_once()
        await asyncio.sleep(lease.total_seconds() + 0.1)
        after_lease = await worker.run_once()

        assert during_lease == 0
        assert after_lease == 1
        assert survivor.payloads == [{"n": 1}]


class TestRunningDispatcher:
    @pytest.fixture
    async def started(self, durable_runtime: Runtime) -> AsyncIterator[Recorder]:
        handler = Recorder()
        worker = dispatcher(durable_runtime.sessionmaker, handler)
        worker.start()
        await asyncio.sleep(0.1)
        yield handler
        await worker.stop()

    async def test_a_commit_that_emitted_wakes_it_at_once(
        self, durable_runtime: Runtime, started: Recorder
    ) -> None:
        await emit_committed(durable_runtime.sessionmaker, {"n": 1})

        await asyncio.wait_for(started.delivered.wait(), timeout=5)

        assert started.payloads == [{"n": 1}]


class TestSqliteDelivery:
    async def test_a_handler_that_writes_is_not_locked_out(
        self, sqlite_runtimes: RuntimeFactory
    ) -> None:
        runtime = sqlite_runtimes(sqlite_busy_timeout_ms=200)
        followed: list[int] = []

        async def follow_up(payload: dict[str, Any]) -> None:
            async with runtime.sessionmaker() as session:
                outbox.emit(session, "probe.followed", payload)
                await session.commit()
            followed.append(payload["n"])

        worker = Dispatcher(
            runtime.sessionmaker,
            {PROBE: follow_up},
            max_attempts=5,
            interval_seconds=60,
        )
        await emit_committed(runtime.sessionmaker, {"n": 1})

        delivered = await worker.run_once()

        assert delivered == 1
        assert followed == [1]


class TestConcurrentDispatchers:
    async def test_two_dispatchers_never_deliver_one_event_twice(
        self, committed_runtime: Runtime
    ) -> None:
        sessionmaker = committed_runtime.sessionmaker
        await emit_committed(sessionmaker, *({"n": n} for n in range(40)))
        deliveries: dict[str, list[int]] = {"a": [], "b": []}

        def handler(name: str) -> Any:
            async def deliver(payload: dict[str, Any]) -> None:
                await asyncio.sleep(0.005)
                deliveries[name].append(payload["n"])

            return deliver

        async def drain(name: str) -> None:
            worker = Dispatcher(
                sessionmaker,
                {PROBE: handler(name)},
                max_attempts=5,
                interval_seconds=60,
                batch_size=5,
            )
            while await worker.run_once():
                pass

        await asyncio.gather(drain("a"), drain("b"))

        every = deliveries["a"] + deliveries["b"]
        assert sorted(every) == list(range(40))
        assert deliveries["a"] and deliveries["b"]
        statuses = {event.status for event in await events(sessionmaker)}
        assert statuses == {OutboxStatus.DELIVERED}
