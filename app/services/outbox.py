"""Writing domain events to the outbox, and delivering them at least once."""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import event, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from app.db import READ_ONLY
from app.errors import ConflictError, NotFoundError
from app.models.base import utcnow
from app.models.events import OutboxEvent, OutboxStatus
from app.models.users import User
from app.services import action_log

log = structlog.get_logger()

Handler = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class Envelope:
    """An event as a subscriber sees it: with its id, for de-duplication."""

    id: int
    event_type: str
    payload: dict[str, Any]
    created_at: datetime


Subscriber = Callable[[Envelope], Awaitable[None]]
"""Runs for every event, after its type's handler (webhook fan-out)."""

LEASE = timedelta(minutes=5)
_wakeups: set[Callable[[], None]] = set()


def emit(session: AsyncSession, event_type: str, payload: dict[str, Any]) -> None:
    """Queue an event in the caller's transaction; it leaves only if that commits."""
    session.add(OutboxEvent(event_type=event_type, payload=payload))
    session.info["outbox_written"] = True


@event.listens_for(Session, "after_commit")
def _wake_dispatchers(session: Session) -> None:
    if session.info.pop("outbox_written", False):
        for wake in list(_wakeups):
            wake()


def backoff(attempts: int) -> timedelta:
    """The wait before retrying an event that failed ``attempts`` times."""
    return timedelta(seconds=min(2**attempts * 5, 6 * 3600))


SECRET_KEYS = frozenset({"token"})
REDACTED = "[redacted]"


def without_secrets(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload with every value under a secret key blanked, at any depth.

    A delivered event needs its one-time tokens no more; the outbox must not
    keep what ``user_tokens`` stores only as a hash.
    """
    return {
        key: REDACTED
        if key in SECRET_KEYS
        else without_secrets(value)
        if isinstance(value, dict)
        else value
        for key, value in payload.items()
    }


class Dispatcher:
    """Claims due events with a lease, runs their handler, records the outcome.

    A process that dies mid-batch leaves its lease to expire, after which
    another dispatcher delivers those events again: at least once. A handler
    runs outside any transaction, so a slow one (an SMTP relay) holds no lock.
    """

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        handlers: dict[str, Handler],
        *,
        max_attempts: int,
        interval_seconds: float,
        batch_size: int = 50,
        lease: timedelta = LEASE,
        retry_delay: Callable[[int], timedelta] = backoff,
        subscribers: Sequence[Subscriber] = (),
    ) -> None:
        self._sessionmaker = sessionmaker
        self._handlers = handlers
        self._max_attempts = max_attempts
        self._interval = interval_seconds
        self._batch_size = batch_size
        self._lease = lease
        self._retry_delay = retry_delay
        self._subscribers = tuple(subscribers)
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> int:
        """Deliver the events due now; returns how many were delivered."""
        delivered = 0
        for event_id in await self._claim():
            if await self._deliver(event_id):
                delivered += 1
        return delivered

    async def _claim(self) -> list[int]:
        now = utcnow()
        async with self._sessionmaker() as session:
            due = (
                select(OutboxEvent.id)
                .where(
                    OutboxEvent.status == OutboxStatus.PENDING,
                    OutboxEvent.available_at <= now,
                    or_(
                        OutboxEvent.locked_until.is_(None),
                        OutboxEvent.locked_until < now,
                    ),
                )
                .order_by(OutboxEvent.id)
                .limit(self._batch_size)
            )
            if session.get_bind().dialect.name == "postgresql":
                due = due.with_for_update(skip_locked=True)
            ids = list((await session.scalars(due)).all())
            if ids:
                await session.execute(
                    update(OutboxEvent)
                    .where(OutboxEvent.id.in_(ids))
                    .values(locked_until=now + self._lease)
                )
            await session.commit()
        return ids

    async def _deliver(self, event_id: int) -> bool:
        async with self._sessionmaker() as session:
            await session.connection(execution_options={READ_ONLY: True})
            outbox_event = await session.get(OutboxEvent, event_id)
            if outbox_event is None or outbox_event.status != OutboxStatus.PENDING:
                return False
            envelope = Envelope(
                event_id,
                outbox_event.event_type,
                outbox_event.payload,
                outbox_event.created_at,
            )

        handler = self._handlers.get(envelope.event_type)
        failure: Exception | None = None
        try:
            if handler is not None:
                await handler(envelope.payload)
            for subscriber in self._subscribers:
                await subscriber(envelope)
        except Exception as exc:
            failure = exc

        async with self._sessionmaker() as session:
            outbox_event = await session.get_one(
                OutboxEvent, event_id, with_for_update=True
            )
            if outbox_event.status != OutboxStatus.PENDING:
                # Another worker took the event over after our lease ran out
                # and settled it first; its outcome stands.
                return False
            if failure is not None:
                self._record_failure(outbox_event, failure)
            else:
                outbox_event.status = OutboxStatus.DELIVERED
                outbox_event.delivered_at = utcnow()
                outbox_event.locked_until = None
                outbox_event.payload = without_secrets(outbox_event.payload)
            await session.commit()
        return failure is None

    def _record_failure(self, outbox_event: OutboxEvent, exc: Exception) -> None:
        outbox_event.attempts += 1
        outbox_event.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        outbox_event.locked_until = None
        if outbox_event.attempts >= self._max_attempts:
            outbox_event.status = OutboxStatus.PARKED
        else:
            outbox_event.available_at = utcnow() + self._retry_delay(
                outbox_event.attempts
            )
        log.warning(
            "outbox.delivery_failed",
            event_id=outbox_event.id,
            event_type=outbox_event.event_type,
            attempts=outbox_event.attempts,
            parked=outbox_event.status == OutboxStatus.PARKED,
        )

    def start(self) -> None:
        _wakeups.add(self._wakeup.set)
        self._task = asyncio.create_task(self._loop(), name="outbox-dispatcher")

    async def stop(self) -> None:
        _wakeups.discard(self._wakeup.set)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _loop(self) -> None:
        while True:
            self._wakeup.clear()
            try:
                while await self.run_once():
                    pass
            except Exception:
                log.exception("outbox.dispatch_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self._interval)


async def list_events(
    session: AsyncSession, status: OutboxStatus, *, before_id: int | None, limit: int
) -> list[OutboxEvent]:
    """Events in ``status``, newest first, with secrets blanked; ``limit + 1``."""
    query = (
        select(OutboxEvent)
        .where(OutboxEvent.status == status)
        .order_by(OutboxEvent.id.desc())
        .limit(limit + 1)
    )
    if before_id is not None:
        query = query.where(OutboxEvent.id < before_id)
    found = list((await session.scalars(query)).all())
    for outbox_event in found:
        session.expunge(outbox_event)
        outbox_event.payload = without_secrets(outbox_event.payload)
    return found


async def retry(session: AsyncSession, admin: User, event_id: int) -> OutboxEvent:
    """Put a parked event back in the queue, due now, with its attempts reset."""
    outbox_event = await session.get(OutboxEvent, event_id, with_for_update=True)
    if outbox_event is None:
        raise NotFoundError(f"There is no outbox event {event_id}.")
    if outbox_event.status != OutboxStatus.PARKED:
        raise ConflictError(f"Outbox event {event_id} is not parked.")

    outbox_event.status = OutboxStatus.PENDING
    outbox_event.attempts = 0
    outbox_event.available_at = utcnow()
    outbox_event.locked_until = None
    await session.flush()
    session.info["outbox_written"] = True

    action_log.record(
        session, admin, "outbox.retried", object_type="outbox_event", object_id=event_id
    )
    return outbox_event
