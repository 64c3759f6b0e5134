"""The ``decide`` command, run as an operator runs it, on a SQLite file."""

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from app.cli import cli
from app.config import get_settings

ROOT = Path(__file__).resolve().parents[2]
DECIDE = Path(sys.executable).parent / "decide"

Decide = Callable[..., Result]


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "var" / "decide.db"


@pytest.fixture
def environment(tmp_path: Path, database: Path) -> dict[str, str]:
    return {
        "DECIDE_ENV": "test",
        "DECIDE_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "DECIDE_PASSWORD_HASH_TIME_COST": "1",
        "DECIDE_PASSWORD_HASH_MEMORY_KIB": "1024",
        "DECIDE_MAIL_BACKEND": "file",
        "DECIDE_MAIL_DIR": str(tmp_path / "mail"),
    }


@pytest.fixture
def decide(
    environment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Decide]:
    """Runs ``decide`` in this process, with the settings of ``environment``."""
    for name in os.environ:
        if name.startswith("DECIDE_"):
            monkeypatch.delenv(name)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(ROOT)
    runner = CliRunner()

    def run(*arguments: str) -> Result:
        get_settings.cache_clear()
        return runner.invoke(cli, list(arguments))

    yield run
    get_settings.cache_clear()


def rows(database: Path, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(database) as connection:
        return connection.execute(query).fetchall()


def table_sizes(database: Path) -> dict[str, int]:
    names = [
        name
        for (name,) in rows(
            database, "SELECT name FROM sqlite_master WHERE type = 'table'"
        )
    ]
    return {
        name: rows(database, f'SELECT count(*) FROM "{name}"')[0][0]  # noqa: S608
        for name in names
    }


class TestInstalledCommand:
    def test_migrates_from_the_command_line(
        self, environment: dict[str, str], database: Path
    ) -> None:
        inherited = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith("DECIDE_")
        }

        result = subprocess.run(
            [str(DECIDE), "migrate"],
            cwd=ROOT,
            env={**inherited, **environment},
            capture_output=True,
            text=True,
            timeout=120,
        )

        assert result.returncode == 0, result.stderr
        assert "database at head" in result.stdout
        assert rows(database, "PRAGMA journal_mode") == [("wal",)]


class TestMigrate:
    def test_builds_the_schema_in_a_new_folder_and_leaves_wal_on(
        self, decide: Decide, database: Path
    ) -> None:
        result = decide("migrate")

        assert result.exit_code == 0, result.output
        assert "database at head" in result.stdout
        assert {"users", "outbox_events", "change_log"} <= set(table_sizes(database))
        assert rows(database, "PRAGMA journal_mode") == [("wal",)]

    def test_twice_changes_nothing(self, decide: Decide, database: Path) -> None:
        decide("migrate")
        version = rows(database, "SELECT version_num FROM alembic_version")

        result = decide("migrate")

        assert result.exit_code == 0, result.output
        assert rows(database, "SELECT version_num FROM alembic_version") == version


class TestSeedDemo:
    def test_twice_gives_the_same_rows(self, decide: Decide, database: Path) -> None:
        decide("migrate")
        first = decide("seed-demo")
        sizes = table_sizes(database)
        users = rows(database, "SELECT id, email, role FROM users ORDER BY id")

        second = decide("seed-demo")

        assert first.exit_code == 0, first.output
        assert second.exit_code == 0, second.output
        assert first.stdout.startswith("admin ")
        assert second.stdout == "demo data already loaded\n"
        assert table_sizes(database) == sizes
        assert rows(database, "SELECT id, email, role FROM users ORDER BY id") == users
        assert ("admin",) in {(role,) for _, _, role in users}

    def test_numbers_positions_from_zero_as_the_api_does(
        self, decide: Decide, database: Path
    ) -> None:
        decide("migrate")

        decide("seed-demo")

        for table in ("phases", "components"):
            positions = rows(
                database,
                f"SELECT space_id, group_concat(position) FROM "  # noqa: S608
                f"(SELECT space_id, position FROM {table} ORDER BY position) "
                "GROUP BY space_id",
            )
            assert positions, table
            for _, numbers in positions:
                listed = [int(number) for number in numbers.split(",")]
                assert listed == list(range(len(listed))), (table, listed)

    def test_leaves_something_to_take_part_in(
        self, decide: Decide, database: Path
    ) -> None:
        decide("migrate")

        decide("seed-demo")

        open_for_proposals = rows(
            database,
            "SELECT count(*) FROM components WHERE type = 'proposals'"
            " AND json_extract(default_switches, '$.creation_enabled')",
        )
        upcoming = rows(
            database,
            "SELECT registration_type FROM meetings"
            " WHERE published_at IS NOT NULL AND starts_at > datetime('now')"
            " ORDER BY starts_at",
        )
        assert open_for_proposals == [(2,)]
        assert upcoming == [("on_platform",), ("disabled",)]


class TestCreateAdmin:
    def test_creates_a_confirmed_admin_then_keeps_one_account(
        self, decide: Decide, database: Path
    ) -> None:
        decide("migrate")
        arguments = ("--email", "Gestora@Contagem.mg.gov.br", "--name", "Gestora")

        first = decide("create-admin", *arguments, "--password", "primeira-senha")
        second = decide("create-admin", *arguments, "--password", "segunda-senha")

        assert first.exit_code == 0, first.output
        assert second.exit_code == 0, second.output
        admins = rows(
            database,
            "SELECT id, role, confirmed_at IS NOT NULL FROM users"
            " WHERE email_normalized = 'gestora@contagem.mg.gov.br'",
        )
        assert len(admins) == 1
        [(admin_id, role, confirmed)] = admins
        assert (role, confirmed) == ("admin", 1)
        assert f"has id {admin_id}" in first.stdout
        assert f"has id {admin_id}" in second.stdout

    def test_refuses_a_short_password(self, decide: Decide, database: Path) -> None:
        decide("migrate")

        result = decide(
            "create-admin",
            "--email",
            "a@example.org",
            "--name",
            "A",
            "--password",
            "curta",
        )

        assert result.exit_code == 2
        assert "at least 8 characters" in result.stderr
        assert rows(database, "SELECT count(*) FROM users") == [(0,)]


class TestOpenapiCheck:
    def test_passes_on_the_committed_documents(self, decide: Decide) -> None:
        result = decide("openapi", "--check")

        assert result.exit_code == 0, result.output
        assert "match the code" in result.stdout

    def test_fails_when_a_document_is_stale(
        self, decide: Decide, tmp_path: Path
    ) -> None:
        folder = tmp_path / "openapi"
        decide("openapi", "--folder", str(folder))
        document = json.loads((folder / "mobile.json").read_text(encoding="utf-8"))
        document["paths"].pop(next(iter(document["paths"])))
        (folder / "mobile.json").write_text(json.dumps(document), encoding="utf-8")

        result = decide("openapi", "--check", "--folder", str(folder))

        assert result.exit_code == 1
        assert "openapi drift: mobile.json differ" in result.stderr

    def test_regenerating_makes_the_check_pass_again(
        self, decide: Decide, tmp_path: Path
    ) -> None:
        folder = tmp_path / "openapi"

        written = decide("openapi", "--folder", str(folder))
        checked = decide("openapi", "--check", "--folder", str(folder))

        assert written.exit_code == 0, written.output
        assert checked.exit_code == 0, checked.output
        assert sorted(path.name for path in folder.iterdir()) == [
            "api.json",
            "mobile.json",
        ]
