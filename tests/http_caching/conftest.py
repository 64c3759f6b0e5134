"""Who reads and writes in the caching and retry tests."""

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.users import UserRole
from app.runtime import Runtime
from tests.builders import Actor, actor

API = "/api/v1"
MOBILE = "/mobile/v1"
HOOK = {"url": "http://127.0.0.1:9/hooks", "event_types": ["meeting.published"]}
"""A write that adds a row each time: registering a webhook subscription."""


@pytest.fixture
async def admin(session: AsyncSession, runtime: Runtime) -> Actor:
    return await actor(session, runtime, role=UserRole.ADMIN)


@pytest.fixture
async def participant(session: AsyncSession, runtime: Runtime) -> Actor:
    return await actor(session, runtime)
