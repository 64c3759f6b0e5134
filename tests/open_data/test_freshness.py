"""A request never gets an export older than the data; an unchanged one is reused."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from app.models.components import ComponentType
from app.models.proposals import Proposal
from app.runtime import Runtime
from app.services import open_data
from tests import builders
from tests.conftest import shared_app
from tests.open_data.conftest import API, Export, download


@pytest.fixture
async def durable_client(
    shared_apps: dict[str, FastAPI], durable_runtime: Runtime
) -> AsyncIterator[httpx.AsyncClient]:
    app = shared_app(shared_apps, durable_runtime.settings, durable_runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def add_proposal(runtime: Runtime, title: str) -> int:
    async with runtime.sessionmaker() as session, session.begin():
        space = await builders.space(session)
        component = await builders.component(
            session, space, type=ComponentType.PROPOSALS
        )
        proposal = await builders.proposal(session, component, None, title=title)
        return proposal.id


def builds(runtime: Runtime) -> list[str]:
    return sorted(path.name for path in runtime.settings.open_data_dir.glob("build-*"))


async def titles(client: httpx.AsyncClient) -> list[str]:
    export = await download(client)
    return [row["title/pt-BR"] for row in export.rows("proposals")]


async def test_an_unchanged_export_is_served_from_its_build(
    durable_client: httpx.AsyncClient, durable_runtime: Runtime
) -> None:
    await add_proposal(durable_runtime, "Horta")
    first = await durable_client.get(f"{API}/open-data")

    again = await durable_client.get(f"{API}/open-data")

    assert again.headers["ETag"] == first.headers["ETag"]
    assert len(builds(durable_runtime)) == 1


async def test_a_change_makes_the_next_request_rebuild(
    durable_client: httpx.AsyncClient, durable_runtime: Runtime
) -> None:
    await add_proposal(durable_runtime, "Horta")
    assert await titles(durable_client) == ["Horta"]

    await add_proposal(durable_runtime, "Pomar")

    assert await titles(durable_client) == ["Horta", "Pomar"]
    single = await durable_client.get(f"{API}/open-data/proposals.csv")
    assert "Pomar" in single.text


async def test_a_counter_change_alone_makes_it_stale(
    durable_client: httpx.AsyncClient, durable_runtime: Runtime
) -> None:
    proposal_id = await add_proposal(durable_runtime, "Horta")
    await download(durable_client)

    # Counters move by atomic updates that the change log does not record.
    async with durable_runtime.sessionmaker() as session, session.begin():
        await session.execute(
            update(Proposal)
            .where(Proposal.id == proposal_id)
            .values(supports_count=Proposal.supports_count + 7)
        )

    export: Export = await download(durable_client)
    assert export.rows("proposals")[0]["supports"] == "7"


async def test_the_worker_job_rebuilds_a_stale_export(
    durable_runtime: Runtime,
) -> None:
    await add_proposal(durable_runtime, "Horta")
    settings = durable_runtime.settings

    built = await open_data.refresh(durable_runtime.sessionmaker, settings)
    again = await open_data.refresh(durable_runtime.sessionmaker, settings)

    assert again.folder == built.folder
    assert "Horta" in built.file("proposals.csv").read_text()


async def test_concurrent_requests_for_a_stale_export_share_one_build(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    await add_proposal(committed_runtime, "Horta")

    responses = await asyncio.gather(
        *(committed_client.get(f"{API}/open-data") for _ in range(5))
    )

    assert {response.status_code for response in responses} == {200}
    assert len({response.headers["ETag"] for response in responses}) == 1
    assert len(builds(committed_runtime)) == 1
