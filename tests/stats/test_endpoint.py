"""Reading the figures: filters, their mistakes, and no recount per request."""

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.runtime import Runtime
from app.services.stats import refresh, refresh_if_due
from tests import builders
from tests.conftest import QueryCounter
from tests.stats.conftest import API, figures, one_proposal_each, people, proposals_in


async def _regional_spaces(session: AsyncSession, runtime: Runtime) -> tuple[int, int]:
    regional = await builders.scope(session, name="Ressaca")
    bairro = await builders.scope(session, parent=regional, name="Nacional")
    inside = await builders.space(session, scope_id=bairro.id)
    outside = await builders.space(session)
    for space in (inside, outside):
        component = await proposals_in(session, space)
        await one_proposal_each(session, component, await people(session, runtime, 10))
    return regional.id, inside.id


class TestFilters:
    async def test_a_scope_narrows_to_its_spaces_and_descendants(
        self, client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
    ) -> None:
        regional, inside = await _regional_spaces(session, runtime)

        body = await figures(client, session, runtime, scope_id=regional)

        assert [e["id"] for e in body["spaces"]] == [inside]
        assert len(body["scopes"]) == 2
        assert {e["space_id"] for e in body["components"]} == {inside}
        assert body["totals"]["figures"]["proposals"] == 20

    async def test_a_month_range_narrows_the_months(
        self, client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
    ) -> None:
        await _regional_spaces(session, runtime)

        body = await figures(client, session, runtime, month_to="2000-01")

        assert body["months"] == []

    @pytest.mark.parametrize(
        "params",
        [
            {"space_id": 999999},
            {"scope_id": 999999},
            {"area_id": 999999},
            {"interest_group_id": 999999},
            {"month_from": "2026-13"},
            {"month_from": "2026-05", "month_to": "2026-04"},
            {"space_id": "abc"},
            {"region": "1"},
        ],
    )
    async def test_an_undocumented_value_is_a_422(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        params: dict[str, str],
    ) -> None:
        await refresh(session, runtime.settings)

        response = await client.get(f"{API}/stats", params=params)

        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"


class TestNoRecount:
    @pytest.mark.parametrize("rows", [2, 20])
    async def test_a_read_runs_the_same_queries_whatever_the_data(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        queries: QueryCounter,
        rows: int,
    ) -> None:
        for _ in range(rows):
            space = await builders.space(session)
            component = await proposals_in(session, space)
            await one_proposal_each(
                session, component, await people(session, runtime, 1)
            )
        await refresh(session, runtime.settings)
        queries.statements.clear()

        response = await client.get(f"{API}/stats")

        assert response.status_code == 200
        assert len(response.json()["spaces"]) == rows
        assert queries.count == 1, queries.statements

    async def test_the_worker_refreshes_only_an_old_snapshot(
        self, session: AsyncSession, runtime: Runtime
    ) -> None:
        first = await refresh_if_due(session, runtime.settings)
        second = await refresh_if_due(session, runtime.settings)
        stale = runtime.settings.model_copy(update={"stats_refresh_seconds": 1e-9})
        third = await refresh_if_due(session, stale)

        assert (first, second, third) == (1, 0, 1)
        assert "stats_refresh" in runtime.scheduled_jobs()
