"""``decide search reindex``, run as an operator runs it, on a SQLite file."""

import sqlite3
from pathlib import Path

from tests.platform.test_cli import Decide, database, decide, environment

__all__ = ["database", "decide", "environment"]


def test_reindex_indexes_content_the_index_lost(decide: Decide, database: Path) -> None:
    assert decide("migrate").exit_code == 0
    assert decide("seed-demo").exit_code == 0
    with sqlite3.connect(database) as connection:
        connection.execute("DELETE FROM search_documents")
        connection.execute("DELETE FROM search_fts")

    result = decide("search", "reindex")

    assert result.exit_code == 0, result.output
    assert "space: " in result.output
    with sqlite3.connect(database) as connection:
        (entries,) = connection.execute("SELECT count(*) FROM search_fts").fetchone()
    assert entries > 0


def test_reindex_refuses_an_unknown_type(decide: Decide) -> None:
    assert decide("migrate").exit_code == 0

    result = decide("search", "reindex", "spaceship")

    assert result.exit_code == 2
    assert "no type 'spaceship'" in result.output
