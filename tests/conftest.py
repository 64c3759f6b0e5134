"""Fixtures: a migrated test database, a rolled-back session per test, clients.

The database comes from ``DECIDE_TEST_DATABASE_URL`` (a temporary SQLite file by
default). On PostgreSQL a fresh database is created for the run, built by the
migrations, and dropped at the end. Each test runs inside a transaction that is
rolled back; tests marked ``postgres`` instead commit for real (concurrent
requests need separate connections) and the tables are emptied after them.
"""

import asyncio
import contextlib
import os
import shutil
import sqlite3
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from alembic import command
from alembic.config import Config
from fastapi import FastAPI
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from starlette.routing import Mount

from app.config import Environment, MailBackend, Settings
from app.db import create_engine
from app.main import create_app
from app.models import Base
from app.runtime import Runtime
from tests.mailbox import Mailbox

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
DATABASE_URL = os.environ.get("DECIDE_TEST_DATABASE_URL", "")
ON_POSTGRES = DATABASE_URL.startswith("postgresql")
DB_FIXTURES = {
    "engine",
    "connection",
    "session",
    "runtime",
    "app",
    "client",
    "durable_runtime",
}
POSTGRES_FIXTURES = {"committed_runtime", "committed_client"}


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Mark database tests; keep PostgreSQL-only tests out of the SQLite run."""
    deselected = []
    kept = []
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & POSTGRES_FIXTURES:
            item.add_marker(pytest.mark.postgres)
        if fixtures & (DB_FIXTURES | POSTGRES_FIXTURES):
            item.add_marker(pytest.mark.db)
        if item.get_closest_marker("postgres") and not ON_POSTGRES:
            deselected.append(item)
        else:
            kept.append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


def make_settings(database_url: str, mail_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "env": Environment.TEST,
        "database_url": database_url,
        "secret_key": "test-secret-key-0123456789abcdef0123456789",
        "password_hash_time_cost": 1,
        "password_hash_memory_kib": 1024,
        "dispatcher_enabled": False,
        "mail_backend": MailBackend.FILE,
        "mail_dir": mail_dir,
        "upload_dir": mail_dir.parent / "uploads",
        "open_data_dir": mail_dir.parent / "open-data",
        "rate_limit_auth_ip": "1000/minute",
        "rate_limit_auth_account": "1000/minute",
        "log_json": False,
    }
    values.update(overrides)
    return Settings.model_validate(values)


def _migrate(url: str) -> None:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")


async def _create_postgres_database(url: str) -> str:
    base = make_url(url)
    name = f"decide_test_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(base, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


async def _drop_postgres_database(url: str) -> None:
    target = make_url(url)
    admin_url = target.set(database=make_url(DATABASE_URL).database)
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(
                text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
            )
    finally:
        await admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh database for this run, built by running the migrations."""
    if not ON_POSTGRES:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        _migrate(url)
        yield url
        return
    try:
        url = asyncio.run(_create_postgres_database(DATABASE_URL))
    except OSError as exc:
        message = f"PostgreSQL unreachable at {DATABASE_URL}: {exc}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    _migrate(url)
    yield url
    asyncio.run(_drop_postgres_database(url))


@pytest.fixture(scope="session")
async def engine(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[AsyncEngine]:
    settings = make_settings(database_url, tmp_path_factory.mktemp("unused-mail"))
    engine = create_engine(settings)
    yield engine
    await engine.dispose()


@pytest.fixture
def mailbox(tmp_path: Path) -> Mailbox:
    return Mailbox(tmp_path / "mail")


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection inside a transaction that is rolled back after the test."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        yield connection
        await transaction.rollback()


@pytest.fixture
def sessionmaker(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    # A commit inside the application releases a savepoint; the test's outer
    # transaction still rolls everything back.
    return async_sessionmaker(
        connection,
        expire_on_commit=False,
        autoflush=False,
        join_transaction_mode="create_savepoint",
    )


@pytest.fixture
async def session(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as session:
        yield session


@pytest.fixture
def settings(database_url: str, mailbox: Mailbox) -> Settings:
    return make_settings(database_url, mailbox.folder)


@pytest.fixture
def runtime(
    settings: Settings,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> Runtime:
    runtime = Runtime.build(settings, engine=engine)
    runtime.sessionmaker = sessionmaker
    return runtime


def bind_runtime(app: FastAPI, runtime: Runtime) -> FastAPI:
    """Point ``app`` and its mounted APIs at ``runtime``.

    Building the application costs FastAPI a dependency analysis of every
    route, most of a short test's time; tests share built applications and
    each binds its own runtime (engine, session, mail, limits) to them.
    """
    app.state.runtime = runtime
    for route in app.routes:
        if isinstance(route, Mount) and isinstance(route.app, FastAPI):
            route.app.state.runtime = runtime
    return app


@pytest.fixture(scope="session")
def shared_apps() -> dict[str, FastAPI]:
    """Built applications by the settings they were built with."""
    return {}


def shared_app(
    apps: dict[str, FastAPI], settings: Settings, runtime: Runtime
) -> FastAPI:
    """The application built with ``settings`` (bar the folders), on ``runtime``."""
    key = settings.model_dump_json(exclude={"mail_dir", "upload_dir", "open_data_dir"})
    if key not in apps:
        apps[key] = create_app(settings, runtime)
    return bind_runtime(apps[key], runtime)


@pytest.fixture
def app(
    settings: Settings, runtime: Runtime, shared_apps: dict[str, FastAPI]
) -> FastAPI:
    return shared_app(shared_apps, settings, runtime)


@pytest.fixture
async def client(app: object) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.fixture
async def committed_runtime(
    settings: Settings, database_url: str
) -> AsyncIterator[Runtime]:
    """A runtime on its own engine whose commits are real (PostgreSQL only)."""
    runtime = Runtime.build(settings)
    yield runtime
    async with runtime.engine.begin() as connection:
        tables = ", ".join(
            f'"{table.name}"' for table in reversed(Base.metadata.sorted_tables)
        )
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await runtime.engine.dispose()


@pytest.fixture
async def committed_client(
    settings: Settings, committed_runtime: Runtime
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, committed_runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file to copy: a fresh embedded database costs a file copy."""
    path = tmp_path_factory.mktemp("sqlite-template") / "decide.db"
    _migrate(f"sqlite+aiosqlite:///{path}")
    # As the service leaves it on its first connection; WAL persists in the file.
    with contextlib.closing(sqlite3.connect(path)) as database:
        database.execute("PRAGMA journal_mode=WAL")
    return path


def sqlite_copy(template: Path, folder: Path) -> str:
    """The URL of a fresh migrated SQLite file in ``folder``."""
    path = folder / "decide.db"
    shutil.copyfile(template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def durable_runtime(
    settings: Settings, sqlite_template: Path, tmp_path: Path
) -> AsyncIterator[Runtime]:
    """A runtime whose commits are real, on SQLite and on PostgreSQL.

    On SQLite it owns a fresh migrated file; on PostgreSQL it shares the run's
    database, whose tables are emptied afterwards.
    """
    if not ON_POSTGRES:
        url = sqlite_copy(sqlite_template, tmp_path)
        settings = settings.model_copy(update={"database_url": url})
    runtime = Runtime.build(settings)
    yield runtime
    if ON_POSTGRES:
        await _empty_tables(runtime.engine)
    await runtime.engine.dispose()


async def _empty_tables(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        tables = ", ".join(
            f'"{table.name}"' for table in reversed(Base.metadata.sorted_tables)
        )
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def queries(engine: AsyncEngine) -> Iterator[QueryCounter]:
    """Counts the SQL statements the test runs (to prove the absence of N+1)."""
    counter = QueryCounter()

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE")):
            counter.statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    yield counter
    event.remove(engine.sync_engine, "before_cursor_execute", record)
