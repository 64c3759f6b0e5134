"""Fixtures of the platform tests: applications on other settings, SQLite files."""

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.config import Settings
from app.main import create_app
from app.runtime import Runtime
from tests.conftest import make_settings, sqlite_copy

AppFactory = Callable[..., FastAPI]


@pytest.fixture
def app(settings: Settings, runtime: Runtime) -> FastAPI:
    """An application of the test's own: platform tests mount probe routes on it."""
    return create_app(settings, runtime)


@pytest.fixture
def app_with(
    settings: Settings,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AppFactory:
    """Builds the application with some settings changed, on the test's session."""

    def build(**overrides: Any) -> FastAPI:
        changed = settings.model_copy(update=overrides)
        runtime = Runtime.build(changed, engine=engine)
        runtime.sessionmaker = sessionmaker
        return create_app(changed, runtime)

    return build


RuntimeFactory = Callable[..., Runtime]


@pytest.fixture
async def sqlite_runtimes(
    sqlite_template: Path, tmp_path: Path
) -> AsyncIterator[RuntimeFactory]:
    """Builds runtimes over one fresh migrated SQLite file, whatever the run's
    database: their own engines, real commits."""
    url = sqlite_copy(sqlite_template, tmp_path)
    built: list[Runtime] = []

    def build(**overrides: Any) -> Runtime:
        runtime = Runtime.build(make_settings(url, tmp_path / "mail", **overrides))
        built.append(runtime)
        return runtime

    yield build
    for runtime in built:
        await runtime.engine.dispose()
