"""SQLite as a real embedded database, and column behaviour on both databases.

The SQLite tests run on a migrated file of their own with real commits; the
column tests use the run's database (SQLite, then PostgreSQL).
"""

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import READ_ONLY
from app.main import create_app
from app.models.base import utcnow
from app.models.taxonomies import AreaType
from app.models.users import User
from app.runtime import Runtime
from tests.platform.conftest import RuntimeFactory
from tests.platform.helpers import assert_problem, new_user, serve, sign_up_body

SAO_PAULO = ZoneInfo("America/Sao_Paulo")


def _path(runtime: Runtime) -> str:
    return runtime.settings.database_url.split(":///", 1)[1]


def _lock_for_writing(path: str) -> sqlite3.Connection:
    """Another process's writer: holds the database's write lock until closed."""
    writer = sqlite3.connect(path, isolation_level=None, timeout=0)
    writer.execute("BEGIN IMMEDIATE")
    return writer


def _can_write(path: str) -> bool:
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return False
    finally:
        other.close()


class TestSqliteConnections:
    async def test_every_connection_uses_wal_a_busy_timeout_and_foreign_keys(
        self, sqlite_runtimes: RuntimeFactory
    ) -> None:
        runtime = sqlite_runtimes(sqlite_busy_timeout_ms=1234)

        async with runtime.engine.connect() as connection:
            pragmas = {
                name: (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "busy_timeout", "foreign_keys")
            }

        assert pragmas == {
            "journal_mode": "wal",
            "busy_timeout": 1234,
            "foreign_keys": 1,
        }

    async def test_a_write_transaction_holds_the_write_lock_from_its_start(
        self, sqlite_runtimes: RuntimeFactory
    ) -> None:
        runtime = sqlite_runtimes()

        async with runtime.sessionmaker() as session:
            await session.execute(select(User.id).limit(1))
            locked_while_open = not _can_write(_path(runtime))

        assert locked_while_open
        assert _can_write(_path(runtime))

    async def test_a_read_only_transaction_leaves_writers_free(
        self, sqlite_runtimes: RuntimeFactory
    ) -> None:
        runtime = sqlite_runtimes()

        async with runtime.sessionmaker() as session:
            await session.connection(execution_options={READ_ONLY: True})
            await session.execute(select(User.id).limit(1))
            free_while_open = _can_write(_path(runtime))

        assert free_while_open


class TestSqliteConcurrentWriters:
    async def test_twenty_concurrent_sign_ups_all_succeed(
        self, sqlite_runtimes: RuntimeFactory
    ) -> None:
        runtime = sqlite_runtimes()
        bodies = [sign_up_body() for _ in range(20)]

        async with serve(create_app(runtime.settings, runtime)) as client:
            responses = await asyncio.gather(
                *(client.post("/api/v1/auth/sign-up", json=body) for body in bodies)
            )

        assert [response.status_code for response in responses] == [201] * 20
        async with runtime.sessionmaker() as session:
            emails = set(await session.scalars(select(User.email)))
        assert emails == {body["email"] for body in bodies}

    async def test_a_lock_held_past_the_busy_timeout_is_a_503_not_a_500(
        self, sqlite_runtimes: RuntimeFactory
    ) -> None:
        runtime = sqlite_runtimes(sqlite_busy_timeout_ms=50)
        writer = _lock_for_writing(_path(runtime))

        try:
            async with serve(create_app(runtime.settings, runtime)) as client:
                response = await client.post(
                    "/api/v1/auth/sign-up", json=sign_up_body()
                )
        finally:
            writer.execute("ROLLBACK")
            writer.close()

        assert_problem(response, 503, "unavailable")
        assert response.headers["retry-after"] == "1"

    async def test_a_writer_waits_for_a_lock_released_within_the_timeout(
        self, sqlite_runtimes: RuntimeFactory
    ) -> None:
        runtime = sqlite_runtimes(sqlite_busy_timeout_ms=5000)
        writer = _lock_for_writing(_path(runtime))

        async def release_soon() -> None:
            await asyncio.sleep(0.3)
            writer.execute("ROLLBACK")

        async with serve(create_app(runtime.settings, runtime)) as client:
            response, _ = await asyncio.gather(
                client.post("/api/v1/auth/sign-up", json=sign_up_body()),
                release_soon(),
            )
        writer.close()

        assert response.status_code == 201, response.text


class TestDatetimes:
    async def test_an_aware_datetime_comes_back_aware_in_utc(
        self, session: AsyncSession
    ) -> None:
        moment = datetime(2026, 3, 14, 9, 30, 15, 250000, tzinfo=SAO_PAULO)
        user = new_user(confirmed_at=moment)
        session.add(user)
        await session.flush()

        await session.refresh(user)

        assert user.confirmed_at == moment
        assert user.confirmed_at.tzinfo == UTC
        assert user.confirmed_at.hour == 12

    async def test_a_naive_datetime_is_refused(self, session: AsyncSession) -> None:
        session.add(new_user(confirmed_at=datetime(2026, 3, 14, 9, 30)))

        with pytest.raises(StatementError, match="naive datetimes are refused"):
            await session.flush()

    async def test_a_database_default_timestamp_is_aware_and_in_utc(
        self, session: AsyncSession
    ) -> None:
        await session.execute(text("INSERT INTO area_types (name) VALUES ('{}')"))

        created = await session.scalar(select(func.max(AreaType.created_at)))

        assert created is not None
        assert created.tzinfo == UTC
        assert abs(created - utcnow()) < timedelta(minutes=1)


class TestBigIntegerKeys:
    async def test_keys_autoincrement(self, session: AsyncSession) -> None:
        first, second = new_user(), new_user()
        session.add(first)
        await session.flush()
        session.add(second)
        await session.flush()

        assert isinstance(first.id, int)
        assert second.id > first.id

    async def test_a_key_beyond_32_bits_round_trips(
        self, session: AsyncSession
    ) -> None:
        big = 2**40 + 7
        session.add(new_user(id=big))
        await session.flush()
        session.expunge_all()

        user = await session.get(User, big)

        assert user is not None
        assert user.id == big
