"""A simple scheduler: every job runs each interval, in a transaction of its own.

Jobs are idempotent by construction (a unique mark per thing sent), so the
scheduler needs no lock: several workers may run it side by side.
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

log = structlog.get_logger()

Job = Callable[[AsyncSession], Awaitable[int]]


class Scheduler:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        jobs: dict[str, Job],
        *,
        interval_seconds: float,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._jobs = jobs
        self._interval = interval_seconds
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> dict[str, int]:
        """Run every job once; returns how many things each one sent."""
        sent = {}
        for name, job in self._jobs.items():
            try:
                async with self._sessionmaker() as session:
                    sent[name] = await job(session)
                    await session.commit()
            except Exception:
                # One failing job must not starve the others; the next tick retries.
                log.exception("scheduler.job_failed", job=name)
                sent[name] = 0
        return sent

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="scheduler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _loop(self) -> None:
        while True:
            sent = await self.run_once()
            if any(sent.values()):
                log.info("scheduler.ran", **sent)
            with contextlib.suppress(TimeoutError):
                await asyncio.sleep(self._interval)
