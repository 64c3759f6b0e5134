"""Fixtures of the API tests: apps on other settings, admins, direct database edits.

Everything here shares the test's rolled-back connection, so whatever a test
builds vanishes with it, whichever app wrote it.
"""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Executable
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.main import create_app
from app.runtime import Runtime
from app.services import accounts
from tests.conftest import make_settings, shared_app
from tests.factories import PASSWORD, Account, sign_in
from tests.mailbox import Mailbox


@dataclass
class AppUnderTest:
    app: FastAPI
    runtime: Runtime
    _clients: AsyncExitStack = field(default_factory=AsyncExitStack)

    async def client(self, ip: str = "127.0.0.1") -> httpx.AsyncClient:
        """A client whose requests come from ``ip``."""
        transport = httpx.ASGITransport(app=self.app, client=(ip, 50000))
        client = httpx.AsyncClient(transport=transport, base_url="http://test")
        return await self._clients.enter_async_context(client)


class AppBuilder(Protocol):
    def __call__(self, **overrides: Any) -> AppUnderTest: ...


@pytest.fixture
async def build_app(
    database_url: str,
    mailbox: Mailbox,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    shared_apps: dict[str, FastAPI],
) -> AsyncIterator[AppBuilder]:
    """Builds apps on the test's connection with settings changed by ``overrides``."""
    built: list[AppUnderTest] = []

    def build(**overrides: Any) -> AppUnderTest:
        settings = make_settings(database_url, mailbox.folder, **overrides)
        runtime = Runtime.build(settings, engine=engine)
        runtime.sessionmaker = sessionmaker
        if any(under_test.runtime.settings == settings for under_test in built):
            app = create_app(settings, runtime)
        else:
            app = shared_app(shared_apps, settings, runtime)
        under_test = AppUnderTest(app, runtime)
        built.append(under_test)
        return under_test

    yield build
    for under_test in built:
        await under_test._clients.aclose()


class Database(Protocol):
    async def execute(self, statement: Executable) -> None: ...

    async def all(self, statement: Executable) -> list[Any]: ...


@dataclass
class _Database:
    sessionmaker: async_sessionmaker[AsyncSession]

    async def execute(self, statement: Executable) -> None:
        """Run ``statement`` and commit it, as another process would."""
        async with self.sessionmaker() as session:
            await session.execute(statement)
            await session.commit()

    async def all(self, statement: Executable) -> list[Any]:
        async with self.sessionmaker() as session:
            return list((await session.execute(statement)).all())


@pytest.fixture
def db(sessionmaker: async_sessionmaker[AsyncSession]) -> Database:
    """Reads and edits that no endpoint offers (block an account, age a token)."""
    return _Database(sessionmaker)


@pytest.fixture
async def admin(
    client: httpx.AsyncClient,
    runtime: Runtime,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> Account:
    """An organisation admin made as ``decide create-admin`` does, signed in."""
    email = "admin@contagem.example.org"
    async with sessionmaker() as session:
        user = await accounts.create_admin(
            session, runtime, email=email, password=PASSWORD, name="Admin"
        )
        await session.commit()
    tokens = await sign_in(client, email)
    return Account(
        id=user.id,
        email=email,
        password=PASSWORD,
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
    )
