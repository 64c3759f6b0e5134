"""Fixtures of the platform tests: applications built with other settings."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.config import Settings
from app.main import create_app
from app.runtime import Runtime

AppFactory = Callable[..., FastAPI]


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
