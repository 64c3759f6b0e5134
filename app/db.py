"""The async engine, the session factory and the per-request session."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.config import Settings
from app.errors import DomainError, ServiceUnavailableError, database_refusal

READ_ONLY = "decide_read_only"
"""Execution option of a session that only reads: SQLite begins it deferred."""


def create_engine(settings: Settings) -> AsyncEngine:
    """Build the engine; SQLite gets WAL, a busy timeout and immediate writes."""
    if settings.is_sqlite:
        engine = create_async_engine(
            settings.database_url,
            echo=settings.database_echo,
            connect_args={"timeout": settings.sqlite_busy_timeout_ms / 1000},
        )
        _configure_sqlite(engine.sync_engine, settings.sqlite_busy_timeout_ms)
        return engine
    return create_async_engine(
        settings.database_url,
        echo=settings.database_echo,
        pool_size=settings.database_pool_size,
        pool_pre_ping=True,
    )


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    # pysqlite's own transaction handling begins lazily and deferred; taking it
    # over lets every transaction start with BEGIN IMMEDIATE, so writers queue
    # on the busy timeout instead of failing with "database is locked".
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_sessionmaker(bind: Any) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(bind, expire_on_commit=False, autoflush=False)


async def commit_or_raise(session: AsyncSession) -> None:
    """Commit, turning a database refusal into a domain error the client sees."""
    try:
        await session.commit()
    except DBAPIError as exc:
        await session.rollback()
        refusal = database_refusal(exc)
        raise refusal or ServiceUnavailableError(
            "The database refused the change."
        ) from exc


@asynccontextmanager
async def session_scope(
    sessionmaker: async_sessionmaker[AsyncSession], *, read_only: bool = False
) -> AsyncIterator[AsyncSession]:
    """Yield a session and commit it once the caller is done, or roll back."""
    async with sessionmaker() as session:
        if read_only:
            await session.connection(execution_options={READ_ONLY: True})
        try:
            yield session
        except DomainError as exc:
            if exc.commit_changes:
                await commit_or_raise(session)
            else:
                await session.rollback()
            raise
        except BaseException:
            await session.rollback()
            raise
        await commit_or_raise(session)
