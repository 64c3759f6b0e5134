"""``decide worker``: the outbox dispatcher and the scheduled jobs, as a process."""

import asyncio
import signal

import structlog

from app.config import Settings
from app.logging import configure_logging
from app.runtime import Runtime

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
    log.info("worker.started")
    await stopping.wait()
    await scheduler.stop()
    await dispatcher.stop()
    await runtime.engine.dispose()
    log.info("worker.stopped")
