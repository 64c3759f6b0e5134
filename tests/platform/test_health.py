"""Liveness, readiness (a database round trip) and Prometheus metrics."""

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.main import create_app
from app.runtime import Runtime
from tests.conftest import make_settings
from tests.platform.conftest import RuntimeFactory
from tests.platform.helpers import assert_problem, serve


def _database_path(runtime: Runtime) -> str:
    return runtime.settings.database_url.split(":///", 1)[1]


async def _readyz(runtime: Runtime) -> httpx.Response:
    async with serve(create_app(runtime.settings, runtime)) as client:
        return await client.get("/readyz")


@pytest.fixture
async def silent_server() -> AsyncIterator[int]:
    """A TCP port on loopback that accepts connections and never answers."""
    held: list[asyncio.StreamWriter] = []

    async def accept(
        _reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        held.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    for writer in held:
        writer.close()
    server.close()
    await server.wait_closed()


class TestLiveness:
    async def test_answers_ok(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/healthz")

        assert response.status_code == 200
        assert response.json() == {"status": "ok"}


class TestReadiness:
    async def test_answers_ok_after_a_database_round_trip(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get("/readyz")

        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok"}

    @pytest.mark.parametrize(
        "url",
        [
            "postgresql+asyncpg://decide@127.0.0.1:1/decide",
            "sqlite+aiosqlite:////nonexistent-folder/decide.db",
        ],
    )
    async def test_unreachable_database_gets_503_problem(
        self, tmp_path: Path, url: str
    ) -> None:
        runtime = Runtime.build(make_settings(url, tmp_path))

        response = await _readyz(runtime)

        await runtime.engine.dispose()
        assert_problem(response, 503, "unavailable")
        assert response.headers["retry-after"] == "1"

    async def test_database_that_never_answers_gets_503_in_time(
        self, tmp_path: Path, silent_server: int
    ) -> None:
        url = f"postgresql+asyncpg://decide@127.0.0.1:{silent_server}/decide"
        settings = make_settings(url, tmp_path, readiness_timeout_seconds=0.3)
        runtime = Runtime.build(settings)

        response = await asyncio.wait_for(_readyz(runtime), timeout=5)

        await runtime.engine.dispose()
        assert_problem(response, 503, "unavailable")

    async def test_does_not_wait_for_a_sqlite_writer(
        self, sqlite_runtimes: RuntimeFactory
    ) -> None:
        runtime = sqlite_runtimes(readiness_timeout_seconds=1)
        assert (await _readyz(runtime)).status_code == 200
        writer = sqlite3.connect(_database_path(runtime), isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")

        try:
            response = await _readyz(runtime)
        finally:
            writer.execute("ROLLBACK")
            writer.close()

        assert response.status_code == 200, response.text


class TestMetrics:
    async def test_counts_requests_in_prometheus_text_format(
        self, client: httpx.AsyncClient
    ) -> None:
        await client.get("/healthz")
        await client.get("/api/v1/nothing-here")
        before = await client.get("/metrics")
        await client.get("/healthz")

        response = await client.get("/metrics")

        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        counted = _requests(response.text)
        assert counted[("GET", "/healthz", "200")] == (
            _requests(before.text)[("GET", "/healthz", "200")] + 1
        )
        assert counted[("GET", "unmatched", "404")] >= 1
        assert not any("nothing-here" in route for _, route, _ in counted)

    async def test_labels_a_mounted_route_by_its_template(
        self, client: httpx.AsyncClient
    ) -> None:
        await client.post("/api/v1/auth/sign-in", json={})

        response = await client.get("/metrics")

        assert ("POST", "/api/v1/auth/sign-in", "422") in _requests(response.text)


def _requests(text: str) -> dict[tuple[str, str, str], float]:
    families = {family.name: family for family in text_string_to_metric_families(text)}
    return {
        (sample.labels["method"], sample.labels["route"], sample.labels["status"]): (
            sample.value
        )
        for sample in families["decide_http_requests"].samples
        if sample.name == "decide_http_requests_total"
    }
