"""The ``decide`` command."""

import asyncio
import contextlib
import os
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from sqlalchemy.engine import make_url

from app.config import get_settings

if TYPE_CHECKING:
    from app.services.result_import import ImportReport

cli = typer.Typer(
    help="Decide: run, migrate and look after the service.", no_args_is_help=True
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _alembic_config() -> "object":
    from alembic.config import Config

    ini = Path.cwd() / "alembic.ini"
    if not ini.exists():
        ini = PROJECT_ROOT / "alembic.ini"
    config = Config(str(ini))
    config.set_main_option("sqlalchemy.url", get_settings().database_url)
    return config


def _sqlite_file() -> Path | None:
    settings = get_settings()
    if not settings.is_sqlite:
        return None
    database = make_url(settings.database_url).database
    if not database or database == ":memory:":
        return None
    return Path(database)


def _ensure_sqlite_folder() -> None:
    path = _sqlite_file()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


def _use_wal(path: Path) -> None:
    """Put the file in WAL mode once, while nothing else holds it open."""
    with contextlib.closing(sqlite3.connect(path)) as database:
        database.execute("PRAGMA journal_mode=WAL")


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    reload: Annotated[bool, typer.Option(help="Reload on code changes.")] = False,
    forwarded_allow_ips: Annotated[
        str,
        typer.Option(
            envvar="FORWARDED_ALLOW_IPS",
            help=(
                "Proxies whose X-Forwarded-For names the client (comma-separated "
                "addresses or networks, '*' for any); rate limits count per client."
            ),
        ),
    ] = "127.0.0.1",
) -> None:
    """Serve the API with uvicorn."""
    import uvicorn

    _ensure_sqlite_folder()
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        access_log=False,
    )


@cli.command()
def migrate(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Bring the database schema up to date (a release step, run once per deploy)."""
    from alembic import command

    _ensure_sqlite_folder()
    command.upgrade(_alembic_config(), revision)  # type: ignore[arg-type]
    sqlite_file = _sqlite_file()
    if sqlite_file is not None:
        _use_wal(sqlite_file)
    typer.echo(f"database at {revision}")


@cli.command("seed-demo")
def seed_demo() -> None:
    """Load Contagem's demo data (idempotent)."""
    from app.demo.seed import seed

    summary = asyncio.run(seed(get_settings()))
    for line in summary:
        typer.echo(line)


@cli.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(help="The admin's e-mail.")],
    password: Annotated[str, typer.Option(help="At least 8 characters.")],
    name: Annotated[str, typer.Option(help="The admin's name.")],
) -> None:
    """Create an organisation admin, or promote an existing account."""
    from app.demo.seed import ensure_admin

    if len(password) < 8:
        typer.echo("the password needs at least 8 characters", err=True)
        raise typer.Exit(2)
    user_id = asyncio.run(ensure_admin(get_settings(), email, password, name))
    typer.echo(f"admin {email} has id {user_id}")


@cli.command()
def openapi(
    check: Annotated[
        bool, typer.Option("--check", help="Fail when openapi/ differs from the code.")
    ] = False,
    folder: Annotated[Path, typer.Option(help="Where the documents live.")] = Path(
        "openapi"
    ),
) -> None:
    """Write openapi/api.json and openapi/mobile.json from the code."""
    from app import openapi as documents

    settings = get_settings()
    if check:
        stale = documents.drift(folder, settings)
        if stale:
            names = ", ".join(stale)
            typer.echo(
                f"openapi drift: {names} differ from the code; run `decide openapi`",
                err=True,
            )
            raise typer.Exit(1)
        typer.echo("openapi documents match the code")
        return
    for path in documents.write(folder, settings):
        typer.echo(f"wrote {path}")


@cli.command()
def worker() -> None:
    """Deliver the outbox and run the scheduled jobs until stopped (run several on
    PostgreSQL)."""
    from app.workers.run import run_worker

    asyncio.run(run_worker(get_settings()))


@cli.command("purge-idempotency-keys")
def purge_idempotency_keys() -> None:
    """Delete the Idempotency-Key answers past their lifetime (run it hourly)."""
    from app.services.idempotency import purge_expired_keys

    purged = asyncio.run(purge_expired_keys(get_settings()))
    typer.echo(f"purged {purged} expired idempotency keys")


import_cli = typer.Typer(
    help="Bring content in from other platforms' exports.", no_args_is_help=True
)
cli.add_typer(import_cli, name="import")


@import_cli.command("results")
def import_results(
    file: Annotated[Path, typer.Argument(help="A Decidim results export (CSV).")],
    component: Annotated[
        int, typer.Option("--component", help="The accountability component's id.")
    ],
) -> None:
    """Import accountability results from a Decidim CSV: all of it or nothing."""
    from app.services.result_import import ImportFailed

    try:
        report = asyncio.run(_import_results(file, component))
    except ImportFailed as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"results: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged; statuses: {report.statuses_created} created"
    )


async def _import_results(file: Path, component_id: int) -> "ImportReport":
    from app.db import session_scope
    from app.runtime import Runtime
    from app.services.result_import import import_file

    runtime = Runtime.build(get_settings())
    try:
        async with session_scope(runtime.sessionmaker) as session:
            return await import_file(session, component_id, file)
    finally:
        await runtime.engine.dispose()


@import_cli.command("decidim")
def import_decidim(
    path: Annotated[
        Path, typer.Argument(help="A Decidim open-data export: zip, folder or CSV.")
    ],
    source: Annotated[
        str | None,
        typer.Option(help="The exporting site, if the files' addresses do not say."),
    ] = None,
) -> None:
    """Import a Decidim open-data export in one transaction; again changes nothing."""
    import time

    from app.services.decidim_export import ExportError

    started = time.perf_counter()
    try:
        lines = asyncio.run(_import_decidim(path, source))
    except ExportError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    for line in lines:
        typer.echo(line)
    typer.echo(f"imported in {time.perf_counter() - started:.1f} s")


async def _import_decidim(path: Path, source: str | None) -> list[str]:
    import app.main  # noqa: F401  (its routers import every domain that registers)
    from app.db import session_scope
    from app.runtime import Runtime
    from app.services.decidim_import import import_export

    runtime = Runtime.build(get_settings())
    try:
        async with session_scope(runtime.sessionmaker) as session:
            report = await import_export(session, path, source)
            return report.lines()
    finally:
        await runtime.engine.dispose()


pabulib = typer.Typer(
    help="Participatory-budgeting files in the pabulib format.", no_args_is_help=True
)
cli.add_typer(pabulib, name="pabulib")


@pabulib.command("winners")
def pabulib_winners(
    file: Annotated[Path, typer.Argument(help="A pabulib .pb file.", exists=True)],
) -> None:
    """Print the projects the file's own rule selects, one id a line."""
    from app import pb

    try:
        election = pb.load(file)
        decisions = pb.compute(None, election)
    except ValueError as error:
        typer.echo(f"{file}: {error}", err=True)
        raise typer.Exit(2) from error
    for project_id in pb.winners(decisions):
        typer.echo(project_id)


@pabulib.command("import")
def pabulib_import(
    file: Annotated[Path, typer.Argument(help="A pabulib .pb file.", exists=True)],
    space_id: Annotated[
        int | None,
        typer.Option(help="Add a budgets component to this space (else a new one)."),
    ] = None,
    component_id: Annotated[
        int | None, typer.Option(help="Add the budget to this budgets component.")
    ] = None,
) -> None:
    """Create a budget with the file's projects and ballots; voters stay anonymous."""
    from app import pb
    from app.errors import DomainError
    from app.services.budget_files import run_import

    try:
        election = pb.load(file)
        budget_id = asyncio.run(
            run_import(get_settings(), election, space_id, component_id)
        )
    except (ValueError, DomainError) as error:
        typer.echo(f"{file}: {error}", err=True)
        raise typer.Exit(2) from error
    typer.echo(
        f"budget {budget_id}: {len(election.projects)} projects, "
        f"{len(election.voters)} ballots"
    )


@pabulib.command("export")
def pabulib_export(
    budget_id: Annotated[int, typer.Argument(help="The budget's id.")],
    output: Annotated[
        Path | None, typer.Option(help="The .pb file to write (budget-ID.pb).")
    ] = None,
) -> None:
    """Write a budget, its projects and its cast ballots as a pabulib file."""
    from app import pb
    from app.errors import DomainError
    from app.services.budget_files import run_export

    path = output or Path(f"budget-{budget_id}.pb")
    try:
        election = asyncio.run(run_export(get_settings(), budget_id))
    except DomainError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from error
    pb.write(election, path)
    typer.echo(f"wrote {path}: {len(election.voters)} ballots")


search_cli = typer.Typer(help="The search index.", no_args_is_help=True)
cli.add_typer(search_cli, name="search")


@search_cli.command("reindex")
def search_reindex(
    types: Annotated[
        list[str] | None, typer.Argument(help="Kinds to rebuild; all by default.")
    ] = None,
) -> None:
    """Rebuild the search index from the content, in one transaction."""
    import app.main  # noqa: F401  (its routers import every domain that registers)
    from app.db import session_scope
    from app.errors import InvalidInputError
    from app.runtime import Runtime
    from app.services import search

    async def run() -> dict[str, int]:
        runtime = Runtime.build(get_settings())
        try:
            async with session_scope(runtime.sessionmaker) as session:
                return await search.reindex(session, types or ())
        finally:
            await runtime.engine.dispose()

    try:
        counts = asyncio.run(run())
    except InvalidInputError as exc:
        typer.echo(str(exc.detail), err=True)
        raise typer.Exit(2) from exc
    for name, count in counts.items():
        typer.echo(f"{name}: {count} indexed")


stats_cli = typer.Typer(help="Participation figures.", no_args_is_help=True)
cli.add_typer(stats_cli, name="stats")


@stats_cli.command("refresh")
def stats_refresh() -> None:
    """Recompute the participation figures served by GET /api/v1/stats now."""
    took, computed_at = asyncio.run(_stats_refresh())
    typer.echo(f"participation figures computed at {computed_at} in {took} ms")


async def _stats_refresh() -> tuple[int, str]:
    from app.db import session_scope
    from app.runtime import Runtime
    from app.services.stats import refresh

    runtime = Runtime.build(get_settings())
    try:
        async with session_scope(runtime.sessionmaker) as session:
            snapshot = await refresh(session, runtime.settings)
            return snapshot.duration_ms, snapshot.computed_at.isoformat()
    finally:
        await runtime.engine.dispose()


def main() -> None:
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    cli()
    sys.exit(0)
