"""Pabulib files in and out: imported elections give the official winners
through the outcome endpoint, and export gives the ballots back."""

from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import Result
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from app import pb
from app.cli import cli
from app.config import get_settings
from app.models.budgets import Ballot, BallotItem, BudgetProject
from app.services import budget_files
from tests.budgets.conftest import API, Cast

DATA = Path(__file__).resolve().parents[1] / "data" / "pabulib"
FILES = sorted(DATA.glob("*.pb"))


def official_winners(election: pb.Election) -> set[str]:
    return {
        key
        for key, project in election.projects.items()
        if project.fields.get("selected", "0").strip() == "1"
    }


def ballots(election: pb.Election) -> dict[str, Any]:
    """Each voter's ballot: in order when ordinal, else as project -> points."""
    if election.vote_type is pb.VoteType.ORDINAL:
        return {voter.id: voter.vote for voter in election.voters}
    return {
        voter.id: dict(
            zip(voter.vote, voter.points or [1] * len(voter.vote), strict=True)
        )
        for voter in election.voters
    }


def outcome_request(election: pb.Election) -> dict[str, Any]:
    body: dict[str, Any] = {"rule": election.rule}
    if election.rule == "greedy-threshold":
        assert election.threshold is not None
        body["threshold"] = int(election.threshold)
    return body


@pytest.mark.parametrize("path", FILES, ids=[path.stem for path in FILES])
async def test_an_imported_file_gives_its_official_winners(
    client: httpx.AsyncClient, session: AsyncSession, cast: Cast, path: Path
) -> None:
    election = pb.load(path)
    assert official_winners(election), "the file should name its winners"

    budget = await budget_files.import_election(session, election)
    answer = await client.post(
        f"{API}/budgets/{budget.id}/outcome",
        json=outcome_request(election),
        headers=cast.org_admin.headers,
    )

    assert answer.status_code == 200, answer.text
    codes = dict(
        (project_id, code)
        for project_id, code in await session.execute(
            select(BudgetProject.id, BudgetProject.code).where(
                BudgetProject.budget_id == budget.id
            )
        )
    )
    chosen = {
        codes[item["project_id"]]
        for item in answer.json()["projects"]
        if item["selected"]
    }
    assert chosen == official_winners(election)


@pytest.mark.parametrize("path", FILES, ids=[path.stem for path in FILES])
async def test_export_gives_back_the_imported_ballots(
    session: AsyncSession, path: Path
) -> None:
    election = pb.load(path)
    budget = await budget_files.import_election(session, election)

    exported = pb.parse(pb.dump(await budget_files.export_election(session, budget.id)))

    assert exported.budget == election.budget
    assert exported.vote_type == election.vote_type
    assert {k: p.cost for k, p in exported.projects.items()} == {
        k: p.cost for k, p in election.projects.items()
    }
    assert ballots(exported) == ballots(election)
    kept = budget_files.RECOMPUTED
    assert {
        key: {k: v for k, v in p.fields.items() if k not in kept}
        for key, p in exported.projects.items()
    } == {
        key: {k: v for k, v in p.fields.items() if k not in kept}
        for key, p in election.projects.items()
    }
    assert exported.totals == election.totals


async def test_imported_ballots_keep_no_personal_data(session: AsyncSession) -> None:
    election = pb.load(DATA / "Poland_Katowice_2022_Dab.pb")

    budget = await budget_files.import_election(session, election)

    ballots = await session.scalar(
        select(func.count()).where(
            Ballot.budget_id == budget.id, Ballot.user_id.is_(None)
        )
    )
    items = await session.scalar(
        select(func.sum(BallotItem.points))
        .join(Ballot, Ballot.id == BallotItem.ballot_id)
        .where(Ballot.budget_id == budget.id)
    )
    assert ballots == len(election.voters)
    assert items == sum(election.totals.values())
    exported = await budget_files.export_election(session, budget.id)
    assert all(not voter.fields for voter in exported.voters)


async def test_a_cost_that_splits_a_cent_is_refused(session: AsyncSession) -> None:
    text = (
        "META\nkey;value\nbudget;100\nvote_type;approval\n"
        "PROJECTS\nproject_id;cost\np1;10.505\n"
        "VOTES\nvoter_id;vote\nv1;p1\n"
    )

    with pytest.raises(budget_files.InvalidInputError):
        await budget_files.import_election(session, pb.parse(text))


def run(*arguments: str) -> Result:
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(cli, list(arguments))
    finally:
        get_settings.cache_clear()


def test_the_cli_imports_and_exports_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "decide.db"
    monkeypatch.setenv("DECIDE_ENV", "test")
    monkeypatch.setenv("DECIDE_DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    source = DATA / "Poland_Swiecie_2023.pb"
    target = tmp_path / "out.pb"
    assert run("migrate").exit_code == 0

    imported = run("pabulib", "import", str(source))
    budget_id = imported.stdout.split()[1].rstrip(":")
    exported = run("pabulib", "export", budget_id, "--output", str(target))
    missing = run("pabulib", "export", "999")

    assert imported.exit_code == 0, imported.output
    assert "2553 ballots" in imported.stdout
    assert exported.exit_code == 0, exported.output
    assert pb.load(target).totals == pb.load(source).totals
    assert missing.exit_code == 2


async def test_an_imported_cumulative_budget_takes_no_approval_ballots(
    client: httpx.AsyncClient, session: AsyncSession, cast: Cast
) -> None:
    election = pb.load(DATA / "Poland_Katowice_2022_Dab.pb")
    budget = await budget_files.import_election(
        session, election, component_id=cast.component.id
    )
    first = await session.scalar(
        select(BudgetProject.id).where(BudgetProject.budget_id == budget.id).limit(1)
    )

    online = await client.put(
        f"{API}/budgets/{budget.id}/ballot/projects/{first}",
        headers=cast.voter.headers,
    )
    paper = await client.post(
        f"{API}/budgets/{budget.id}/paper-ballots",
        json={"ballots": [[first]]},
        headers=cast.space_admin.headers,
    )

    assert online.status_code == 409
    assert online.json()["error_code"] == "ballot_type_mismatch"
    assert paper.status_code == 409
