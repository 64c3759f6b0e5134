"""Import of results from a Decidim results export (CSV, semicolon-separated).

The whole file is read and checked before anything is written, and written
in one transaction, so a file is imported whole or not at all. Each result
keeps its Decidim id as ``external_id``: importing the same file again finds
every result and changes nothing.

Decidim's categories and scopes are ids of another installation; they are
not carried over. A parent's progress follows its children here, so the
progress the file gives a parent is replaced by its children's.
"""

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.accountability import MAX_DEPTH, Result, ResultStatus
from app.models.components import Component, ComponentType
from app.services import outbox
from app.services.accountability import aggregation_of, children_progress
from app.services.richtext import sanitize_translations

REQUIRED = ("id", "parent/id", "start_date", "end_date", "progress", "status/key")
_LOCALE_COLUMN = re.compile(
    r"^(title|description|status/name)/([a-z]{2,3}(-[A-Za-z]{2})?)$"
)
_ID = re.compile(r"^[0-9]{1,18}$")


class ImportFailed(Exception):
    """The file cannot be imported; the message names file, line and column."""


@dataclass
class Row:
    line: int
    external_id: str
    parent: str | None
    title: dict[str, str]
    description: dict[str, str]
    start_date: date | None
    end_date: date | None
    progress: float | None
    status_key: str | None
    status_name: dict[str, str]


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    statuses_created: int = 0
    lines: list[str] = field(default_factory=list)


# Reading the file


def read_file(path: Path) -> list[Row]:
    """Every row of the file, checked; the first mistake raises ImportFailed."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return read_stream(path, handle)
    except OSError as exc:
        raise ImportFailed(f"{path}: cannot be read as a CSV file: {exc}") from exc


def read_stream(path: Path | str, handle: Iterable[str]) -> list[Row]:
    """Every row of an open export named ``path`` (a file or a zip member), checked."""
    reader = csv.DictReader(handle, delimiter=";")
    try:
        _check_header(path, reader.fieldnames)
        rows = [_row(path, reader.line_num, record) for record in reader]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ImportFailed(
            f"{path}:{reader.line_num}: cannot be read as a CSV file: {exc}"
        ) from exc
    _check_tree(path, rows)
    return rows


def _check_header(path: Path | str, names: Sequence[str] | None) -> None:
    columns = set(names or ())
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise ImportFailed(f"{path}:1: missing column(s) {', '.join(missing)}")
    if not any(name.startswith("title/") for name in columns):
        raise ImportFailed(f"{path}:1: missing a title/<locale> column")


def _row(path: Path | str, line: int, record: dict[str, Any]) -> Row:
    def fail(column: str, message: str) -> ImportFailed:
        return ImportFailed(f"{path}:{line}: column {column}: {message}")

    if None in record:
        raise fail("(end)", "more fields than the header names")
    external_id = _text(record["id"])
    if not _ID.match(external_id):
        raise fail("id", f"{external_id!r} is not a number")
    parent = _text(record["parent/id"]) or None
    if parent is not None and not _ID.match(parent):
        raise fail("parent/id", f"{parent!r} is not a number")
    texts = _translations(record)
    if not texts["title"]:
        raise fail("title/*", "every row needs a title")
    return Row(
        line=line,
        external_id=external_id,
        parent=parent,
        title=texts["title"],
        description=sanitize_translations(texts["description"]),
        start_date=_date(record["start_date"], lambda m: fail("start_date", m)),
        end_date=_date(record["end_date"], lambda m: fail("end_date", m)),
        progress=_progress(record["progress"], lambda m: fail("progress", m)),
        status_key=_status_key(record["status/key"], lambda m: fail("status/key", m)),
        status_name=texts["status/name"],
    )


def _text(value: str | None) -> str:
    return (value or "").strip()


def _translations(record: dict[str, Any]) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {
        "title": {},
        "description": {},
        "status/name": {},
    }
    for column, value in record.items():
        match = _LOCALE_COLUMN.match(column or "")
        if match and _text(value):
            found[match.group(1)][match.group(2)] = _text(value)
    return found


def _date(value: str | None, fail: Any) -> date | None:
    text = _text(value)
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"{text!r} is not a date as YYYY-MM-DD") from None


def _progress(value: str | None, fail: Any) -> float | None:
    text = _text(value)
    if not text:
        return None
    try:
        progress = float(text)
    except ValueError:
        raise fail(f"{text!r} is not a number") from None
    if not 0 <= progress <= 100:
        raise fail(f"{text} is not between 0 and 100")
    return progress


def _status_key(value: str | None, fail: Any) -> str | None:
    text = _text(value)
    if text and not re.match(r"^[a-z0-9_]{1,40}$", text):
        raise fail(f"{text!r} is not a key (a-z, 0-9, _; 1 to 40)")
    return text or None


def _check_tree(path: Path | str, rows: list[Row]) -> None:
    """Ids unique; parents in the file or already imported; three levels at most."""
    by_id: dict[str, Row] = {}
    for row in rows:
        if row.external_id in by_id:
            first = by_id[row.external_id].line
            raise ImportFailed(
                f"{path}:{row.line}: column id: {row.external_id} repeats line {first}"
            )
        by_id[row.external_id] = row
    for row in rows:
        seen = {row.external_id}
        parent = row.parent
        while parent is not None and parent in by_id:
            if parent in seen:
                raise ImportFailed(
                    f"{path}:{row.line}: column parent/id: results form a cycle"
                )
            seen.add(parent)
            parent = by_id[parent].parent


# Writing


async def import_results(
    session: AsyncSession, component_id: int, path: Path | str, rows: list[Row]
) -> ImportReport:
    """Create or update the component's results from ``rows``; the caller commits."""
    component = await session.get(Component, component_id)
    if component is None:
        raise ImportFailed(f"there is no component {component_id}")
    if component.type != ComponentType.ACCOUNTABILITY:
        raise ImportFailed(f"component {component_id} is not an accountability one")
    report = ImportReport()
    statuses = await _statuses(session, component, rows, report)
    existing = await _existing(session, component)
    parents = {row.parent for row in rows if row.parent is not None}
    for row in _parents_first(rows):
        await _write(session, component, path, row, statuses, existing, parents, report)
    await _refresh_parents(session, component, existing, parents)
    outbox.emit(
        session,
        "results.imported",
        {
            "component_id": component.id,
            "space_id": component.space_id,
            "created": report.created,
            "updated": report.updated,
        },
    )
    return report


async def _statuses(
    session: AsyncSession, component: Component, rows: list[Row], report: ImportReport
) -> dict[str, int]:
    found = await session.scalars(
        select(ResultStatus).where(ResultStatus.component_id == component.id)
    )
    statuses = {status.key: status for status in found}
    for row in rows:
        key = row.status_key
        if key is None or key in statuses:
            continue
        status = ResultStatus(
            component_id=component.id,
            key=key,
            name=row.status_name or {"pt-BR": key},
            description={},
        )
        session.add(status)
        statuses[key] = status
        report.statuses_created += 1
    await session.flush()
    return {key: status.id for key, status in statuses.items()}


async def _existing(session: AsyncSession, component: Component) -> dict[str, Result]:
    found = await session.scalars(
        select(Result).where(
            Result.component_id == component.id, Result.external_id.is_not(None)
        )
    )
    return {result.external_id: result for result in found if result.external_id}


def _parents_first(rows: list[Row]) -> list[Row]:
    by_id = {row.external_id: row for row in rows}

    def depth(row: Row) -> int:
        levels, parent = 1, row.parent
        while parent is not None and parent in by_id:
            levels, parent = levels + 1, by_id[parent].parent
        return levels

    return sorted(rows, key=lambda row: (depth(row), row.line))


async def _write(
    session: AsyncSession,
    component: Component,
    path: Path | str,
    row: Row,
    statuses: dict[str, int],
    existing: dict[str, Result],
    parents: set[str],
    report: ImportReport,
) -> None:
    parent = None
    if row.parent is not None:
        parent = existing.get(row.parent)
        if parent is None:
            raise ImportFailed(
                f"{path}:{row.line}: column parent/id: no result {row.parent} "
                "in the file or the component"
            )
        if parent.depth >= MAX_DEPTH:
            raise ImportFailed(
                f"{path}:{row.line}: column parent/id: results nest "
                f"{MAX_DEPTH} levels at most"
            )
    if row.start_date and row.end_date and row.end_date < row.start_date:
        raise ImportFailed(f"{path}:{row.line}: column end_date: before start_date")
    values: dict[str, Any] = {
        "parent_id": parent.id if parent else None,
        "depth": parent.depth + 1 if parent else 1,
        "title": row.title,
        "description": row.description,
        "start_date": row.start_date,
        "end_date": row.end_date,
        "status_id": statuses.get(row.status_key) if row.status_key else None,
    }
    if row.external_id not in parents:
        values["progress"] = row.progress
    result = existing.get(row.external_id)
    if result is None:
        result = Result(
            component_id=component.id,
            external_id=row.external_id,
            weight=1.0,
            children_count=0,
            comments_count=0,
            **values,
        )
        session.add(result)
        if parent is not None:
            parent.children_count += 1
        existing[row.external_id] = result
        report.created += 1
    elif _assign(result, values):
        report.updated += 1
    else:
        report.unchanged += 1
    await session.flush()


def _assign(result: Result, values: dict[str, Any]) -> bool:
    """Set what differs; whether anything did."""
    changed = False
    for name, value in values.items():
        if getattr(result, name) != value:
            setattr(result, name, value)
            changed = True
    return changed


async def _refresh_parents(
    session: AsyncSession,
    component: Component,
    existing: dict[str, Result],
    parents: set[str],
) -> None:
    """Give each parent its children's progress, deepest parents first."""
    aggregation = aggregation_of(component)
    for result in sorted(
        (existing[key] for key in parents if key in existing),
        key=lambda result: -result.depth,
    ):
        progress = await children_progress(session, result.id, aggregation)
        if progress is not None and progress != result.progress:
            result.progress = progress
        await session.flush()


async def import_file(
    session: AsyncSession, component_id: int, path: Path
) -> ImportReport:
    """Read, check and import ``path``; nothing is written if anything is wrong."""
    rows = read_file(path)
    return await import_results(session, component_id, path, rows)
