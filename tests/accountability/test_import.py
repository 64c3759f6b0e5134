"""Importing a Decidim results export: whole or not at all, and twice is once."""

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from app.cli import cli
from app.config import get_settings
from app.models.accountability import Result, ResultStatus
from app.models.components import Component
from app.runtime import Runtime
from app.services.result_import import ImportFailed, import_file, read_file
from tests import builders
from tests.accountability.conftest import Cast, accountability_component
from tests.conftest import make_settings, sqlite_copy

DATA = Path(__file__).resolve().parents[1] / "data"
DECIDIM = DATA / "decidim-results.csv"


async def results_of(session: AsyncSession, component: Component) -> dict[str, Result]:
    found = await session.scalars(
        select(Result).where(Result.component_id == component.id)
    )
    return {result.external_id or "": result for result in found}


async def count(session: AsyncSession, model: type, component: Component) -> int:
    total = await session.scalar(
        select(func.count()).where(model.component_id == component.id)  # type: ignore[attr-defined]
    )
    return int(total or 0)


def broken_copy(tmp_path: Path, line: int, old: str, new: str) -> Path:
    lines = DECIDIM.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    path = tmp_path / "broken.csv"
    path.write_text("".join(lines), encoding="utf-8")
    return path


async def test_decidim_export_becomes_a_tree_with_statuses(
    session: AsyncSession, cast: Cast
) -> None:
    report = await import_file(session, cast.component.id, DECIDIM)

    assert (report.created, report.updated, report.statuses_created) == (6, 0, 2)
    imported = await results_of(session, cast.component)
    assert sorted(imported) == ["290", "291", "37", "38", "39", "69"]
    parent, first, second = imported["37"], imported["38"], imported["39"]
    assert first.parent_id == second.parent_id == parent.id
    assert (first.depth, parent.children_count) == (2, 2)
    assert parent.progress == 24.5
    assert first.progress == 15.0
    assert imported["291"].title == {"ca": "test2", "en": "test2", "es": "test2"}
    assert imported["291"].start_date.isoformat() == "2020-05-14"  # type: ignore[union-attr]
    assert "<p>" in imported["291"].description["en"]
    status = await session.get_one(ResultStatus, imported["291"].status_id)
    assert (status.key, status.name["en"]) == ("status_1", "eaque")


async def test_importing_twice_changes_nothing(
    session: AsyncSession, cast: Cast
) -> None:
    await import_file(session, cast.component.id, DECIDIM)
    before = {
        key: (r.id, r.progress, r.updated_at)
        for key, r in (await results_of(session, cast.component)).items()
    }

    again = await import_file(session, cast.component.id, DECIDIM)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)
    assert again.statuses_created == 0
    after = {
        key: (r.id, r.progress, r.updated_at)
        for key, r in (await results_of(session, cast.component)).items()
    }
    assert after == before


@pytest.mark.parametrize(
    ("line", "old", "new", "message"),
    [
        (3, ";14.0;", ";140;", "broken.csv:3: column progress: 140 is not between"),
        (2, ";2020-05-14;", ";14/05/2020;", "broken.csv:2: column start_date: "),
        (7, "39;", "38;", "broken.csv:7: column id: 38 repeats line 6"),
        (4, "69;", "x69;", "broken.csv:4: column id: 'x69' is not a number"),
    ],
    ids=["progress", "date", "duplicate", "id"],
)
def test_a_mistake_names_file_line_and_column(
    tmp_path: Path, line: int, old: str, new: str, message: str
) -> None:
    path = broken_copy(tmp_path, line, old, new)

    with pytest.raises(ImportFailed) as failure:
        read_file(path)

    assert message in str(failure.value)


async def test_an_unknown_parent_imports_nothing(
    session: AsyncSession, cast: Cast, tmp_path: Path
) -> None:
    path = broken_copy(tmp_path, 6, ";37;Qui", ";999;Qui")

    with pytest.raises(ImportFailed, match=r"broken.csv:6: column parent/id"):
        async with session.begin_nested():
            await import_file(session, cast.component.id, path)

    assert await count(session, Result, cast.component) == 0
    assert await count(session, ResultStatus, cast.component) == 0


async def test_another_component_type_is_refused(
    session: AsyncSession, cast: Cast
) -> None:
    surveys = await builders.component(session, cast.space)

    with pytest.raises(ImportFailed, match="not an accountability"):
        await import_file(session, surveys.id, DECIDIM)


async def _component_in(url: str, tmp_path: Path) -> int:
    runtime = Runtime.build(make_settings(url, tmp_path / "mail"))
    try:
        async with runtime.sessionmaker() as session:
            space = await builders.space(session)
            component = await accountability_component(session, space)
            await session.commit()
            return component.id
    finally:
        await runtime.engine.dispose()


def test_the_command_imports_once_and_refuses_a_broken_file(
    sqlite_template: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = sqlite_copy(sqlite_template, tmp_path)
    component_id = str(asyncio.run(_component_in(url, tmp_path)))
    monkeypatch.setenv("DECIDE_DATABASE_URL", url)
    monkeypatch.setenv("DECIDE_ENV", "test")
    broken = broken_copy(tmp_path, 3, ";14.0;", ";abc;")
    runner = CliRunner()
    get_settings.cache_clear()
    try:
        first, second, failed = (
            runner.invoke(
                cli, ["import", "results", str(path), "--component", component_id]
            )
            for path in (DECIDIM, DECIDIM, broken)
        )
    finally:
        get_settings.cache_clear()

    assert first.exit_code == 0, first.output
    assert "6 created, 0 updated, 0 unchanged" in first.output
    assert "0 created, 0 updated, 6 unchanged" in second.output
    assert failed.exit_code == 1
    assert f"{broken}:3: column progress: 'abc' is not a number" in failed.output
