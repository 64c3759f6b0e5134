"""Open data: every public entity as CSV and JSON Lines, zipped, cached on disk.

A domain joins the export with ``register(Exporter(...))``: its fields (with a
description each, for the README's data dictionary), the query of the rows an
anonymous visitor may read, and how a row becomes a record. Records are flat,
keyed by Decidim's column paths (``scope/name``); a translated field holds a
locale map, which CSV spreads over one column per locale (``title/pt-BR``) and
JSON Lines keeps as an object.

A build streams every query through a server-side cursor into files on disk,
so memory stays flat whatever the volume. It records the position it was
built at: the change log's last final entry and the latest ``updated_at`` of
tables whose counters the export shows (counters are not in the change log).
A request compares that with the database's position now and rebuilds a stale
export before answering, so nobody gets yesterday's data.
"""

import asyncio
import contextlib
import csv
import fcntl
import hashlib
import io
import json
import os
import shutil
import uuid
import zipfile
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

import orjson
import structlog
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.db import READ_ONLY
from app.errors import NotFoundError
from app.models.base import utcnow
from app.models.events import ChangeLogEntry
from app.services.search import Rows

log = structlog.get_logger()

Record = dict[str, Any]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A spreadsheet takes a cell starting so as a formula; CSV cells get a ' first."""
ZIP_NAME = "open-data.zip"
_MANIFEST = "manifest.json"
_YIELD_PER = 1000


@dataclass(frozen=True, slots=True)
class Field:
    """A column: its Decidim path, what it means, and whether it is translated."""

    path: str
    description: str
    translated: bool = False


@dataclass(frozen=True, slots=True)
class ExportContext:
    """What an exporter may need beyond its rows."""

    public_url: str
    default_locale: str
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Exporter:
    name: str
    """The entity's file name: ``proposals`` gives proposals.csv and .jsonl."""
    description: str
    fields: Sequence[Field]
    query: Callable[[datetime], Rows]
    """The public rows at a moment, ordered; read through a server-side cursor."""
    record: Callable[[Any, ExportContext], Record]
    """A row as a flat record keyed by field path."""
    prepare: Callable[[AsyncSession, datetime], Any] | None = None
    """Loads what records need beyond rows (a few queries), into ``extras``."""
    counters_updated_at: Any = None
    """The ``updated_at`` column of a model whose counters the export shows."""


_EXPORTERS: dict[str, Exporter] = {}


def register(exporter: Exporter) -> Exporter:
    if exporter.name in _EXPORTERS:
        raise ValueError(f"The open data entity {exporter.name!r} is registered twice.")
    _EXPORTERS[exporter.name] = exporter
    return exporter


def exporters() -> list[Exporter]:
    return [_EXPORTERS[name] for name in sorted(_EXPORTERS)]


# Cells and records


def neutralised(value: str) -> str:
    """The text as a CSV cell no spreadsheet runs as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_header(exporter: Exporter, locales: Sequence[str]) -> list[str]:
    header: list[str] = []
    for column in exporter.fields:
        if column.translated:
            header += [f"{column.path}/{locale}" for locale in locales]
        else:
            header.append(column.path)
    return header


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        return neutralised(value)
    if isinstance(value, list | dict):
        return neutralised(json.dumps(value, ensure_ascii=False))
    return value


def csv_row(exporter: Exporter, record: Record, locales: Sequence[str]) -> list[Any]:
    row: list[Any] = []
    for column in exporter.fields:
        value = record.get(column.path)
        if column.translated:
            texts = value or {}
            row += [_cell(texts.get(locale)) for locale in locales]
        else:
            row.append(_cell(value))
    return row


def nested(record: Record) -> Record:
    """The flat record as JSON: ``scope/name`` becomes ``{"scope": {"name": ...}}``."""
    result: Record = {}
    for path, value in record.items():
        *parents, leaf = path.split("/")
        target = result
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    return result


# Position


async def position(session: AsyncSession) -> str:
    """Where the data stands: the change log's last final entry and the latest
    counter update. Equal positions mean equal public data."""
    entries = select(ChangeLogEntry.txid, ChangeLogEntry.id)
    if session.get_bind().dialect.name == "postgresql":
        horizon = text("txid_snapshot_xmin(txid_current_snapshot())")
        entries = entries.where(ChangeLogEntry.txid < horizon)
    last = (
        await session.execute(
            entries.order_by(
                ChangeLogEntry.txid.desc(), ChangeLogEntry.id.desc()
            ).limit(1)
        )
    ).first()
    parts = [f"{last[0]}.{last[1]}" if last else "0.0"]
    for exporter in exporters():
        if exporter.counters_updated_at is not None:
            latest = await session.scalar(
                select(func.max(exporter.counters_updated_at))
            )
            parts.append(latest.isoformat() if latest else "-")
    return "/".join(parts)


# Builds on disk


@dataclass(frozen=True, slots=True)
class Build:
    folder: Path
    position: str
    built_at: str

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.position.encode()).hexdigest()[:32] + '"'

    def file(self, name: str) -> Path:
        return self.folder / name


@dataclass(frozen=True, slots=True)
class OpenDataStore:
    """Where builds live and what every build writes."""

    root: Path
    locales: Sequence[str]
    licence: str
    context: ExportContext

    def current(self) -> Build | None:
        try:
            manifest = json.loads((self.root / _MANIFEST).read_text())
        except (OSError, ValueError):
            return None
        folder = self.root / manifest["folder"]
        if not (folder / ZIP_NAME).is_file():
            return None
        return Build(folder, manifest["position"], manifest["built_at"])


async def _records(
    session: AsyncSession, exporter: Exporter, now: datetime, context: ExportContext
) -> AsyncIterator[Record]:
    extras = context.extras
    if exporter.prepare is not None:
        extras = {**extras, exporter.name: await exporter.prepare(session, now)}
    scoped = ExportContext(context.public_url, context.default_locale, extras)
    query = exporter.query(now).execution_options(yield_per=_YIELD_PER)
    result = await session.stream(query)
    # A batch at a time: one switch into the driver per batch, not per row.
    async for rows in result.partitions():
        for row in rows:
            yield exporter.record(row, scoped)


async def _write_entity(
    session: AsyncSession,
    store: OpenDataStore,
    exporter: Exporter,
    folder: Path,
    now: datetime,
) -> int:
    rows = 0
    csv_path, jsonl_path = (
        folder / f"{exporter.name}.csv",
        folder / f"{exporter.name}.jsonl",
    )
    # Local, buffered files: writing a row costs far less than fetching it.
    with (
        open(csv_path, "w", newline="", encoding="utf-8") as sheet,  # noqa: ASYNC230
        open(jsonl_path, "wb") as lines,  # noqa: ASYNC230
    ):
        writer = csv.writer(sheet, delimiter=";")
        writer.writerow(csv_header(exporter, store.locales))
        async for record in _records(session, exporter, now, store.context):
            writer.writerow(csv_row(exporter, record, store.locales))
            lines.write(orjson.dumps(nested(record)) + b"\n")
            rows += 1
    return rows


def readme(store: OpenDataStore, counts: dict[str, int], built_at: str) -> str:
    """The README: what each file holds, the data dictionary and the licence."""
    out = io.StringIO()
    out.write("# Decide Contagem: open data\n\n")
    out.write(f"Built at {built_at}. Licence: {store.licence}.\n\n")
    out.write(
        "Every entity comes twice: `NAME.csv` (UTF-8, `;` separated, one column per"
        " locale for translated texts, as Decidim's exports) and `NAME.jsonl` (one"
        " JSON object per line, translated texts as locale maps). Only what anyone"
        " may read on the platform is here: nothing unpublished, private, hidden"
        " or deleted, no e-mail, no IP address, no private declaration, no vote"
        " count the platform hides. CSV cells that a spreadsheet would run as a"
        " formula (starting with = + - @, a tab or a carriage return) start with"
        " an apostrophe; the JSON keeps the text as written.\n\n"
    )
    out.write(f"CSV locales: {', '.join(store.locales)}.\n\n")
    for exporter in exporters():
        _dictionary(out, exporter, counts.get(exporter.name, 0), store.locales)
    return out.getvalue()


def _dictionary(
    out: TextIO, exporter: Exporter, rows: int, locales: Sequence[str]
) -> None:
    out.write(f"## {exporter.name} ({rows} rows)\n\n{exporter.description}\n\n")
    out.write("| column | meaning |\n| --- | --- |\n")
    for column in exporter.fields:
        name = f"{column.path}/LOCALE" if column.translated else column.path
        out.write(f"| `{name}` | {column.description} |\n")
    out.write("\n")


def _zip(folder: Path, names: Iterable[str]) -> None:
    """Zips the files from disk, a block at a time."""
    with zipfile.ZipFile(
        folder / (ZIP_NAME + ".part"), "w", compression=zipfile.ZIP_DEFLATED
    ) as archive:
        for name in names:
            archive.write(folder / name, arcname=name)
    os.replace(folder / (ZIP_NAME + ".part"), folder / ZIP_NAME)


async def build(
    sessionmaker: async_sessionmaker[AsyncSession], store: OpenDataStore
) -> Build:
    """Writes a fresh export and makes it current; older builds are removed."""
    store.root.mkdir(parents=True, exist_ok=True)
    folder = store.root / f"build-{uuid.uuid4().hex[:12]}"
    folder.mkdir()
    now = utcnow()
    counts: dict[str, int] = {}
    async with sessionmaker() as session:
        await session.connection(execution_options={READ_ONLY: True})
        # The position is read before the data, so the data is at least as new.
        at = await position(session)
        for exporter in exporters():
            counts[exporter.name] = await _write_entity(
                session, store, exporter, folder, now
            )
    (folder / "README.md").write_text(readme(store, counts, now.isoformat()))
    names = ["README.md"] + [
        f"{name}.{suffix}" for name in sorted(counts) for suffix in ("csv", "jsonl")
    ]
    await asyncio.to_thread(_zip, folder, names)
    _make_current(store.root, folder, at, now.isoformat())
    log.info("open_data.built", position=at, rows=sum(counts.values()))
    return Build(folder, at, now.isoformat())


def _make_current(root: Path, folder: Path, at: str, built_at: str) -> None:
    previous = None
    manifest = root / _MANIFEST
    if manifest.is_file():
        previous = json.loads(manifest.read_text()).get("folder")
    part = root / (_MANIFEST + ".part")
    part.write_text(
        json.dumps({"folder": folder.name, "position": at, "built_at": built_at})
    )
    os.replace(part, manifest)
    # The build before stays for readers still sending it; older ones go.
    keep = {folder.name, previous}
    for old in root.glob("build-*"):
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)


_LOCAL_LOCK = asyncio.Lock()


async def fresh_build(
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    store: OpenDataStore,
) -> Build:
    """The current build if the data has not changed since; else a new one.

    One process builds at a time (a file lock across processes); the others
    wait for it and serve its build when it is fresh enough.
    """
    now_at = await position(session)
    current = store.current()
    if current is not None and current.position == now_at:
        return current
    store.root.mkdir(parents=True, exist_ok=True)
    async with _LOCAL_LOCK:
        with open(store.root / "build.lock", "w") as lock:  # noqa: ASYNC230
            await asyncio.to_thread(fcntl.flock, lock, fcntl.LOCK_EX)
            try:
                current = store.current()
                if current is not None and current.position == now_at:
                    return current
                return await build(sessionmaker, store)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def entity_file(build_: Build, name: str) -> Path:
    """The file of one entity (``proposals.csv``); a 404 for an unknown name."""
    stem, _, suffix = name.rpartition(".")
    if suffix not in {"csv", "jsonl"} or stem not in _EXPORTERS:
        raise NotFoundError(
            f"There is no open data file {name!r}; "
            f"entities are {', '.join(sorted(_EXPORTERS))}, as .csv or .jsonl."
        )
    return build_.file(name)


def store_for(settings: Settings) -> OpenDataStore:
    return OpenDataStore(
        root=settings.open_data_dir,
        locales=settings.open_data_locales,
        licence=settings.open_data_licence,
        context=ExportContext(settings.public_url, settings.default_locale),
    )


async def refresh(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> Build:
    """Rebuilds the export if it is stale (the worker's periodic job)."""
    async with sessionmaker() as session:
        await session.connection(execution_options={READ_ONLY: True})
        return await fresh_build(session, sessionmaker, store_for(settings))


async def refresh_forever(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    stopping: asyncio.Event,
) -> None:
    while not stopping.is_set():
        try:
            await refresh(sessionmaker, settings)
        except Exception:  # a failed build is retried at the next period
            log.exception("open_data.build_failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                stopping.wait(), timeout=settings.open_data_refresh_seconds
            )
