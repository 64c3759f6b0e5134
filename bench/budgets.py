"""Importing a pabulib file and computing its outcome through the service.

    .venv/bin/python -m bench.budgets                   # Łódź 2022, PostgreSQL
    .venv/bin/python -m bench.budgets --sqlite          # the embedded database
    .venv/bin/python -m bench.budgets --file tests/data/pabulib/Poland_Swiecie_2023.pb

Steps, each timed once (wall clock, and CPU time of this process, which
leaves out the database server's share) with the process's peak resident
memory after it: parsing the file (app.pb), importing it (``import_election``: the
budget, its projects, its ballots in bulk, one transaction), computing the
outcome by the file's own rule (``compute_outcome``: ballots read back from
the database, the rule, decisions stored), and checking the winners against
the file's ``selected`` column.
"""

import asyncio
import resource
import sys
import tempfile
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import select

from app import pb
from app.config import Settings
from app.db import session_scope
from app.models.budgets import BudgetProject, OutcomeRule
from app.models.users import User, UserRole
from app.runtime import Runtime
from app.schemas.budgets import OutcomeCompute
from app.services import budget_files, budget_outcomes
from bench.common import PROJECT_ROOT, arguments, scratch_database

LODZ = Path("/work/shared/data/pabulib/Poland_Lodz_2022.pb")
T = TypeVar("T")
rows: list[tuple[str, float, float, float]] = []


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def step(label: str, work: Awaitable[T]) -> T:
    started, cpu = time.perf_counter(), time.process_time()
    result = await work
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    rows.append((label, wall, cpu, peak_mib()))
    print(f"{label}: done", file=sys.stderr)
    return result


async def parse(path: Path) -> pb.Election:
    return pb.load(path)


async def run(url: str, path: Path) -> None:
    election = await step("parse the file", parse(path))
    runtime = Runtime.build(
        Settings.model_validate({"database_url": url, "dispatcher_enabled": False})
    )
    try:
        async with session_scope(runtime.sessionmaker) as session:
            budget = await step(
                "import (budget, projects, ballots)",
                budget_files.import_election(session, election),
            )
            admin = User(
                email="bench@example.org",
                email_normalized="bench@example.org",
                name="Bench",
                nickname="bench",
                password_hash="-",  # noqa: S106 (never signs in)
                role=UserRole.ADMIN,
            )
            session.add(admin)
            await session.flush()
            outcome = await step(
                f"outcome ({election.rule})",
                budget_outcomes.compute_outcome(
                    session, admin, budget.id, request_of(election)
                ),
            )
            found = await session.execute(
                select(BudgetProject.id, BudgetProject.code).where(
                    BudgetProject.budget_id == budget.id
                )
            )
            codes = {project_id: code for project_id, code in found}
            chosen = {codes[p.project_id] for p in outcome.projects if p.selected}
            official = {
                key
                for key, project in election.projects.items()
                if project.fields.get("selected", "").strip() == "1"
            }
            print(f"winners equal the file's selected: {chosen == official}")
    finally:
        await runtime.engine.dispose()


def request_of(election: pb.Election) -> OutcomeCompute:
    threshold = election.threshold
    return OutcomeCompute(
        rule=OutcomeRule(election.rule),
        threshold=int(threshold) if election.rule == "greedy-threshold" else None,
    )


async def main() -> None:
    parser = arguments(__doc__ or "")
    parser.add_argument("--file", type=Path, default=LODZ)
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file instead")
    options = parser.parse_args()
    print(f"{options.file.name}", file=sys.stderr)
    if options.sqlite:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite+aiosqlite:///{folder}/bench.db"
            config = Config(str(PROJECT_ROOT / "alembic.ini"))
            config.set_main_option("sqlalchemy.url", url)
            await asyncio.to_thread(command.upgrade, config, "head")
            await run(url, options.file)
    else:
        async with scratch_database(options.database_url, keep=options.keep) as url:
            await run(url, options.file)
    print("| step | wall (s) | CPU here (s) | peak RSS (MiB) |")
    print("| --- | ---: | ---: | ---: |")
    for label, wall, cpu, peak in rows:
        print(f"| {label} | {wall:.2f} | {cpu:.2f} | {peak:.0f} |")


if __name__ == "__main__":
    asyncio.run(main())
