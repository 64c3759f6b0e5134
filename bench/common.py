"""What every benchmark shares: a scratch PostgreSQL database, timings, a report.

Benchmarks are run by hand, never by the test suite. Each creates its own
database from the migrations, fills it, measures and drops it; figures go to
standard output as a table to paste into a closing note.
"""

import argparse
import asyncio
import logging
import os
import statistics
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import structlog
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

from app.config import Settings
from app.main import create_app
from app.runtime import Runtime

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def arguments(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--database-url",
        default=DEFAULT_URL,
        help="a PostgreSQL server to create the scratch database on",
    )
    parser.add_argument(
        "--repeat", type=int, default=50, help="timed runs of each query"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the scratch database afterwards"
    )
    return parser


def _connect_args(url: str) -> dict[str, object]:
    parsed = make_url(url)
    return {
        "host": parsed.host or "127.0.0.1",
        "port": parsed.port or 5432,
        "user": parsed.username,
        "password": parsed.password,
        "database": parsed.database,
    }


@asynccontextmanager
async def scratch_database(url: str, *, keep: bool = False) -> AsyncIterator[str]:
    """A new database on ``url``'s server, migrated to head; dropped afterwards."""
    name = f"decide_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(**_connect_args(url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    scratch = make_url(url).set(database=name).render_as_string(hide_password=False)
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", scratch)
    await asyncio.to_thread(command.upgrade, config, "head")
    try:
        yield scratch
    finally:
        if keep:
            print(f"kept {name}")
        else:
            admin = await asyncpg.connect(**_connect_args(url))
            try:
                await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            finally:
                await admin.close()


async def raw_connection(url: str) -> asyncpg.Connection:
    """A plain asyncpg connection: the baseline the service is measured against."""
    return await asyncpg.connect(**_connect_args(url))


async def raw_pool(url: str, size: int) -> asyncpg.Pool:
    """A pool of ``size`` plain asyncpg connections, for concurrent baselines."""
    pool = await asyncpg.create_pool(**_connect_args(url), min_size=size, max_size=size)
    assert pool is not None
    return pool


@dataclass(frozen=True)
class Timing:
    label: str
    samples: list[float]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples) * 1000

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000


async def measure(
    label: str, run: Callable[[], Awaitable[object]], repeat: int, warmup: int = 3
) -> Timing:
    """Time ``run`` ``repeat`` times after ``warmup`` untimed runs."""
    for _ in range(warmup):
        await run()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        await run()
        samples.append(time.perf_counter() - started)
    return Timing(label, samples)


def report(title: str, rows: list[tuple[Timing, Timing | None]]) -> None:
    """Print ``rows`` of (service, baseline) timings as a Markdown table."""
    print(f"\n### {title}\n")
    print("| measure | p50 ms | p95 ms | baseline p50 ms | baseline p95 ms |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for measured, baseline in rows:
        base = "- | -"
        if baseline is not None:
            base = f"{baseline.p50:.1f} | {baseline.p95:.1f}"
        own = f"{measured.p50:.1f} | {measured.p95:.1f}"
        print(f"| {measured.label} | {own} | {base} |")


def report_rates(rows: list[tuple[str, float, float | None]]) -> None:
    """Print ``rows`` of (label, service rate, baseline rate) per second."""
    print("| measure | per second | baseline per second |")
    print("| --- | ---: | ---: |")
    for label, rate, baseline in rows:
        base = "-" if baseline is None else f"{baseline:.0f}"
        print(f"| {label} | {rate:.0f} | {base} |")


UNLIMITED = "1000000/minute"
NO_RATE_LIMITS = {
    "rate_limit_writes": UNLIMITED,
    "rate_limit_writes_ip": UNLIMITED,
    "rate_limit_reads": UNLIMITED,
    "rate_limit_reads_ip": UNLIMITED,
}
"""A benchmark is one client firing fast; the production limits would turn its
requests into 429s."""


def build_service(url: str) -> tuple[Runtime, httpx.AsyncClient]:
    """The real app over ``url``, without rate limits, logging to nowhere."""
    settings = Settings.model_validate(
        {
            "database_url": url,
            "dispatcher_enabled": False,
            "log_json": True,
            "mail_backend": "file",
            "mail_dir": "/tmp/decide-bench-mail",  # noqa: S108
            **NO_RATE_LIMITS,
        }
    )
    runtime = Runtime.build(settings)
    app = create_app(settings, runtime)
    # Access logs are rendered as in production, then dropped.
    structlog.configure(
        logger_factory=structlog.PrintLoggerFactory(
            file=open(os.devnull, "w")  # noqa: SIM115
        )
    )
    logging.getLogger().setLevel(logging.ERROR)
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench"
    )
    return runtime, client
