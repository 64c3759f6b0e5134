"""Proof on real data: after ``make run``'s setup, Barcelona's 220 projects are
browsable, filterable by district and (once projects are searchable) found."""

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.runtime import Runtime
from app.services import search
from tests.conftest import make_settings, shared_app
from tests.decidim.conftest import BARCELONA, PROJECTS, broken_copy, copy_of
from tests.platform.test_cli import Decide, database, decide, environment

__all__ = ["database", "decide", "environment"]


def budget_ids(path: Path) -> list[int]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT local_id FROM imported_records WHERE entity = 'budget'"
        ).fetchall()
    return sorted(row[0] for row in rows)


def scope_named(path: Path, name: str) -> int:
    with sqlite3.connect(path) as connection:
        (scope_id,) = connection.execute(
            "SELECT scopes.id FROM scopes JOIN imported_records "
            "ON imported_records.local_id = scopes.id "
            "AND imported_records.entity = 'scope' "
            "WHERE json_extract(scopes.name, '$.ca') = ?",
            (name,),
        ).fetchone()
    return int(scope_id)


async def all_pages(client: httpx.AsyncClient, url: str, **params: Any) -> list[Any]:
    items: list[Any] = []
    cursor = None
    while True:
        query = {**params, "limit": 100, **({"cursor": cursor} if cursor else {})}
        response = await client.get(url, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return items


@pytest.fixture
async def api(
    environment: dict[str, str], tmp_path: Path, shared_apps: dict[str, FastAPI]
) -> Any:
    settings = make_settings(environment["DECIDE_DATABASE_URL"], tmp_path / "mail")
    runtime = Runtime.build(settings)
    app = shared_app(shared_apps, settings, runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client
    await runtime.engine.dispose()


def test_barcelona_import_on_the_demo_database(decide: Decide, database: Path) -> None:
    assert decide("migrate").exit_code == 0
    assert decide("seed-demo").exit_code == 0

    first = decide("import", "decidim", str(BARCELONA))
    second = decide("import", "decidim", str(BARCELONA))

    assert first.exit_code == 0, first.output
    assert "budget_project: 220 created, 0 updated, 0 unchanged" in first.output
    assert "comments skipped, their subject not imported yet: 2715" in first.output
    assert "budget_project: 0 created, 0 updated, 220 unchanged" in second.output
    assert len(budget_ids(database)) == 12


def test_a_broken_export_is_refused_whole(
    decide: Decide, database: Path, tmp_path: Path
) -> None:
    assert decide("migrate").exit_code == 0
    folder = copy_of(tmp_path / "export", BARCELONA / PROJECTS.name)
    broken = broken_copy(folder, PROJECTS, 5, ";2017-02-07", ";7 February")

    result = decide("import", "decidim", str(folder))

    assert result.exit_code == 1
    assert f"{broken}:5: column created_at: '7 February" in result.output
    assert budget_ids(database) == []


async def test_imported_projects_are_browsed_filtered_and_searched(
    decide: Decide, database: Path, api: httpx.AsyncClient
) -> None:
    # The command runs its own event loop, as it does in a terminal.
    for command in (["migrate"], ["seed-demo"], ["import", "decidim", str(BARCELONA)]):
        result = await asyncio.to_thread(decide, *command)
        assert result.exit_code == 0, result.output

    projects = [
        project
        for budget in budget_ids(database)
        for project in await all_pages(api, f"/api/v1/budgets/{budget}/projects")
    ]
    assert len(projects) == 220
    assert all(project["paper_votes_count"] is not None for project in projects)
    gracia = scope_named(database, "Gràcia")
    in_gracia = [
        project
        for budget in budget_ids(database)
        for project in await all_pages(
            api, f"/api/v1/budgets/{budget}/projects", scope_id=gracia
        )
    ]
    assert len(in_gracia) == 16
    assert {project["scope_id"] for project in in_gracia} == {gracia}

    if "budget_project" not in search.searchable_names():
        pytest.skip("budget projects are not searchable on this branch yet")
    found = await api.get(
        "/api/v1/search",
        params={"q": "gent del nostre barri", "type": "budget_project"},
    )
    assert found.status_code == 200, found.text
    assert found.json()["counts"].get("budget_project", 0) >= 1
