"""``decide worker``: the outbox dispatcher, the scheduled jobs and the open data
builder, as a process of their own."""

import asyncio
import signal

import structlog

from app.config import Settings
from app.logging import configure_logging
from app.runtime import Runtime
from app.services import open_data_decisions, open_data_exports  # noqa: F401  (registers the entities)
from app.services.open_data import refresh_forever

log = structlog.get_logger()


async def run_worker(settings: Settings) -> None:
    configure_logging(settings)
    runtime = Runtime.build(settings)
    dispatcher = runtime.dispatcher()
    scheduler = runtime.scheduler()
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)

    dispatcher.start()
    scheduler.start()
    open_data_job = asyncio.create_task(
        refresh_forever(runtime.sessionmaker, settings, stopping)
    )
    log.info("worker.started")
    await stopping.wait()
    await open_data_job
    await scheduler.stop()
    await dispatcher.stop()
    await runtime.engine.dispose()
    log.info("worker.stopped")
