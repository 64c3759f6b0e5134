"""Full-text search over every searchable kind, and the index that serves it.

A domain makes a kind searchable with ``register(Searchable(...))``: the query
that reads its rows' texts and facets, the attributes whose change re-indexes a
row, and what search lists among the rows a viewer may read (a withdrawn
proposal is readable but not listed). A flush hook re-indexes every created,
changed or deleted row of a registered model in the flush's transaction, so the
index can never disagree with committed content; ``decide search reindex``
rebuilds it whole.

Visibility is never stored: every query keeps only the hits whose resource the
viewer may read now, by the resource registry's rule (or the kind's own, for
kinds outside it), so hits and counts never reveal unpublished, private,
hidden or deleted content.
"""

import html
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    bindparam,
    case,
    column,
    delete,
    event,
    exists,
    false,
    func,
    insert,
    inspect,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, UOWTransaction

from app.errors import InvalidInputError
from app.models.base import utcnow
from app.models.components import Component
from app.models.search import SearchDocument
from app.models.users import User
from app.schemas.pagination import decode_cursor, encode_cursor
from app.services import resources
from app.services.resources import Restrict
from app.services.taxonomies import scope_filter

Rows = Select[*tuple[Any, ...]]

DEFAULT_LOCALE = "pt-BR"
"""The locale of texts that carry none (comments are plain strings)."""

TEXT_SEARCH_CONFIGS = {
    "pt": "decide_portuguese",
    "en": "decide_english",
    "es": "decide_spanish",
    "ca": "decide_catalan",
}
"""PostgreSQL text search configuration per language, each an unaccented copy
of the built-in one (made by migration 0070); other languages use
``decide_simple``."""
SIMPLE_CONFIG = "decide_simple"

_TAGS = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"\s+")
_WORDS = re.compile(r"\w+")
_MARK_START, _MARK_STOP = "\x02", "\x03"
_BATCH = 500
_FTS = table("search_fts", column("rowid"), column("title"), column("body"))
"""SQLite's FTS5 table, made by the migration (no model maps a virtual table)."""


@dataclass(frozen=True, slots=True)
class Searchable:
    """A searchable kind: how to read its rows' texts and when to re-read them."""

    name: str
    model: Any
    source: Callable[[], Rows]
    """A select over ``model`` of labelled ``id, space_id, scope_id, area_id,
    occurred_at, title, body`` (texts as locale maps or plain strings); rows it
    leaves out (a deleted comment) have no index entry."""
    watched: frozenset[str]
    """Attributes whose change re-indexes the row."""
    listed: Callable[[], ColumnElement[bool]] = true
    """What search lists among readable rows (withdrawn items are not)."""
    restrict: Restrict | None = None
    """The read rule, for a kind outside the resource registry."""


@dataclass(frozen=True, slots=True)
class SearchFilters:
    types: Sequence[str] = ()
    space_id: int | None = None
    scope_id: int | None = None
    area_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    document: SearchDocument
    rank: float
    snippet: str


@dataclass(frozen=True, slots=True)
class SearchResult:
    hits: list[Hit]
    next_cursor: str | None
    counts: dict[str, int] = field(default_factory=dict)


_SEARCHABLES: dict[str, Searchable] = {}


def register(searchable: Searchable) -> Searchable:
    if searchable.name in _SEARCHABLES:
        raise ValueError(
            f"The searchable kind {searchable.name!r} is registered twice."
        )
    _SEARCHABLES[searchable.name] = searchable
    return searchable


def searchable_names() -> tuple[str, ...]:
    return tuple(sorted(_SEARCHABLES))


def config_for(locale: str) -> str:
    return TEXT_SEARCH_CONFIGS.get(locale.split("-")[0].lower(), SIMPLE_CONFIG)


def plain(value: str) -> str:
    """Text without markup, entities decoded, whitespace collapsed."""
    return _SPACES.sub(" ", html.unescape(_TAGS.sub(" ", value))).strip()


def space_of_resource(type_column: Any, id_column: Any) -> ColumnElement[int | None]:
    """The space of the resource a (type, id) pair names, as one SQL expression."""
    whens = []
    for name in resources.kind_names():
        kind = resources.kind_named(name)
        if kind.component_column is not None:
            space = (
                select(Component.space_id)
                .join(kind.model, kind.component_column == Component.id)
                .where(kind.model.id == id_column)
            )
        elif kind.space_id is not None:
            space = select(kind.space_id).where(kind.model.id == id_column)
        else:
            continue
        whens.append((type_column == name, space.scalar_subquery()))
    return case(*whens, else_=None)


def in_component(
    model: Any,
    *,
    title: Any,
    body: Any,
    occurred_at: Any,
    scope_id: Any = None,
    area_id: Any = None,
    live: ColumnElement[bool] | None = None,
) -> Callable[[], Rows]:
    """The ``source`` of a kind that lives in a component (most kinds); rows
    failing ``live`` (deleted ones) leave the index."""

    def source() -> Rows:
        query = select(
            model.id,
            Component.space_id,
            _labelled(scope_id, "scope_id"),
            _labelled(area_id, "area_id"),
            occurred_at.label("occurred_at"),
            title.label("title"),
            body.label("body"),
        ).join(Component, Component.id == model.component_id)
        return query if live is None else query.where(live)

    return source


def _labelled(column: Any, name: str) -> Any:
    return (column if column is not None else literal(None)).label(name)


# Indexing


def _texts(value: dict[str, str] | str | None) -> dict[str, str]:
    if not value:
        return {}
    if isinstance(value, str):
        return {DEFAULT_LOCALE: plain(value)}
    return {locale: plain(text) for locale, text in value.items() if text}


def _document_row(searchable: Searchable, row: Any) -> dict[str, Any]:
    return {
        "resource_type": searchable.name,
        "resource_id": row.id,
        "space_id": row.space_id,
        "scope_id": row.scope_id,
        "area_id": row.area_id,
        "occurred_at": row.occurred_at,
        "title": _texts(row.title),
        "body": _texts(row.body),
    }


def _drop(connection: Connection, name: str, ids: Sequence[int]) -> None:
    doomed = select(SearchDocument.id).where(
        SearchDocument.resource_type == name, SearchDocument.resource_id.in_(ids)
    )
    if connection.dialect.name == "sqlite":
        connection.execute(
            text("DELETE FROM search_fts WHERE rowid IN :ids").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"ids": list(connection.scalars(doomed))},
        )
    connection.execute(
        delete(SearchDocument).where(SearchDocument.id.in_(doomed.scalar_subquery()))
    )


def _write_vectors(connection: Connection, name: str, ids: Sequence[int]) -> None:
    """Fills the full-text side of these rows' fresh index entries."""
    if connection.dialect.name == "postgresql":
        connection.execute(
            update(SearchDocument)
            .where(
                SearchDocument.resource_type == name,
                SearchDocument.resource_id.in_(ids),
            )
            .values(
                document=func.decide_search_vector(
                    SearchDocument.title, SearchDocument.body
                )
            )
        )
        return
    connection.execute(
        text(
            "INSERT INTO search_fts (rowid, title, body) SELECT d.id,"
            " (SELECT group_concat(value, ' ') FROM json_each(d.title)),"
            " (SELECT group_concat(value, ' ') FROM json_each(d.body))"
            " FROM search_documents AS d"
            " WHERE d.resource_type = :name AND d.resource_id IN :ids"
        ).bindparams(bindparam("ids", expanding=True)),
        {"name": name, "ids": list(ids)},
    )


def index_rows(connection: Connection, name: str, ids: Sequence[int]) -> int:
    """Re-reads these rows of kind ``name`` into the index; returns how many are in."""
    searchable = _SEARCHABLES[name]
    _drop(connection, name, ids)
    found = connection.execute(
        searchable.source().where(searchable.model.id.in_(ids))
    ).all()
    if not found:
        return 0
    connection.execute(
        insert(SearchDocument), [_document_row(searchable, row) for row in found]
    )
    _write_vectors(connection, name, [row.id for row in found])
    return len(found)


def _changed(instance: Any, watched: frozenset[str]) -> bool:
    attrs = inspect(instance).attrs
    return any(attrs[key].history.has_changes() for key in watched)


def _touched(session: Session) -> tuple[dict[str, set[int]], dict[str, set[int]]]:
    by_model = {searchable.model: searchable for searchable in _SEARCHABLES.values()}
    changed: dict[str, set[int]] = {}
    removed: dict[str, set[int]] = {}
    for instance in session.new:
        if (searchable := by_model.get(type(instance))) is not None:
            changed.setdefault(searchable.name, set()).add(instance.id)
    for instance in session.dirty:
        searchable = by_model.get(type(instance))
        if searchable is not None and _changed(instance, searchable.watched):
            changed.setdefault(searchable.name, set()).add(instance.id)
    for instance in session.deleted:
        if (searchable := by_model.get(type(instance))) is not None:
            removed.setdefault(searchable.name, set()).add(instance.id)
    return changed, removed


@event.listens_for(Session, "after_flush")
def _index_changes(session: Session, _flush: UOWTransaction) -> None:
    changed, removed = _touched(session)
    if not changed and not removed:
        return
    connection = session.connection()
    for name, ids in removed.items():
        _drop(connection, name, sorted(ids))
    for name, ids in changed.items():
        index_rows(connection, name, sorted(ids))


def reindex_all(
    connection: Connection, names: Iterable[str] | None = None
) -> dict[str, int]:
    """Rebuilds the index of these kinds (every kind by default), in batches."""
    counts: dict[str, int] = {}
    for name in names or searchable_names():
        searchable = _SEARCHABLES[name]
        connection.execute(
            delete(SearchDocument).where(SearchDocument.resource_type == name)
        )
        if connection.dialect.name == "sqlite":
            connection.execute(
                text(
                    "DELETE FROM search_fts WHERE rowid NOT IN"
                    " (SELECT id FROM search_documents)"
                )
            )
        ids = list(
            connection.scalars(
                select(searchable.model.id).order_by(searchable.model.id)
            )
        )
        counts[name] = sum(
            index_rows(connection, name, ids[start : start + _BATCH])
            for start in range(0, len(ids), _BATCH)
        )
    return counts


# Searching


def _readable(
    viewer: User | None, now: datetime, names: Sequence[str]
) -> ColumnElement[bool]:
    """True where an index entry names a resource ``viewer`` may read and find."""
    conditions = []
    for name in names:
        searchable = _SEARCHABLES[name]
        model = searchable.model
        rule = searchable.restrict or resources.kind_named(name).restrict
        readable = rule(
            select(model.id).where(model.id == SearchDocument.resource_id), viewer, now
        ).where(searchable.listed())
        conditions.append((SearchDocument.resource_type == name) & exists(readable))
    return or_(false(), *conditions)


def _facets(filters: SearchFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.space_id is not None:
        conditions.append(SearchDocument.space_id == filters.space_id)
    if filters.scope_id is not None:
        conditions.append(scope_filter(SearchDocument.scope_id, filters.scope_id))
    if filters.area_id is not None:
        conditions.append(SearchDocument.area_id == filters.area_id)
    if filters.since is not None:
        conditions.append(SearchDocument.occurred_at >= filters.since)
    if filters.until is not None:
        conditions.append(SearchDocument.occurred_at < filters.until)
    return conditions


def _types(filters: SearchFilters) -> tuple[str, ...]:
    unknown = sorted(set(filters.types) - set(_SEARCHABLES))
    if unknown:
        raise InvalidInputError(
            f"Search knows no type {unknown[0]!r}; "
            f"use {', '.join(searchable_names())}.",
            field="type",
        )
    return tuple(filters.types) or searchable_names()


def _words(query: str) -> list[str]:
    words = _WORDS.findall(query)
    if not words:
        raise InvalidInputError(
            "Give at least one word to search for.", field="q", error_code="query_empty"
        )
    return words


@dataclass(frozen=True, slots=True)
class _Engine:
    """The dialect's matching condition, rank (higher is better) and snippet."""

    match: ColumnElement[bool]
    rank: ColumnElement[float]
    snippet: ColumnElement[str] | None
    joined: Callable[[Rows], Rows]


def _postgresql_query(query: str) -> ColumnElement[Any]:
    configs = sorted({*TEXT_SEARCH_CONFIGS.values(), SIMPLE_CONFIG})
    parts = [
        func.websearch_to_tsquery(
            literal_column(f"'{config}'::regconfig"), literal(query)
        )
        for config in configs
    ]
    combined: ColumnElement[Any] = parts[0]
    for part in parts[1:]:
        combined = combined.op("||")(part)
    return combined


def _engine(session: AsyncSession, query: str) -> _Engine:
    if session.get_bind().dialect.name == "postgresql":
        tsquery = _postgresql_query(query)
        return _Engine(
            match=SearchDocument.document.op("@@")(tsquery),
            rank=func.ts_rank(SearchDocument.document, tsquery, 1),
            snippet=None,
            joined=lambda select_: select_,
        )
    fts: ColumnElement[Any] = literal_column("search_fts")
    match = " ".join(f'"{word}"' for word in _words(query))
    return _Engine(
        match=literal_column("search_fts").op("MATCH")(literal(match)),
        rank=-func.bm25(fts, 10.0, 1.0),
        snippet=func.snippet(fts, -1, _MARK_START, _MARK_STOP, "…", 16),
        joined=lambda select_: select_.join(_FTS, _FTS.c.rowid == SearchDocument.id),
    )


def _marked(snippet: str | None) -> str:
    """The snippet as HTML: the text escaped, the matches in ``<mark>``."""
    escaped = html.escape(snippet or "", quote=False)
    return escaped.replace(_MARK_START, "<mark>").replace(_MARK_STOP, "</mark>")


async def _headlines(
    session: AsyncSession, query: str, locale: str, ids: list[int]
) -> dict[int, str]:
    """PostgreSQL's highlighted extracts of these entries, in ``locale``'s text."""
    if not ids:
        return {}
    config: ColumnElement[Any] = literal_column(f"'{config_for(locale)}'::regconfig")
    body = func.coalesce(
        SearchDocument.body[locale].as_string(),
        SearchDocument.body[DEFAULT_LOCALE].as_string(),
        SearchDocument.title[locale].as_string(),
        SearchDocument.title[DEFAULT_LOCALE].as_string(),
        "",
    )
    options = f"StartSel={_MARK_START}, StopSel={_MARK_STOP}, MaxWords=35, MinWords=15"
    headline = func.ts_headline(
        config, body, func.websearch_to_tsquery(config, literal(query)), options
    )
    rows = await session.execute(
        select(SearchDocument.id, headline).where(SearchDocument.id.in_(ids))
    )
    return {row[0]: row[1] for row in rows}


async def search(
    session: AsyncSession,
    viewer: User | None,
    query: str,
    filters: SearchFilters,
    *,
    locale: str,
    cursor: str | None,
    limit: int,
) -> SearchResult:
    """The entries matching ``query`` that ``viewer`` may read, best first, and
    on the first page how many of each type match (before the type filter)."""
    _words(query)
    names = _types(filters)
    engine = _engine(session, query)
    if session.get_bind().dialect.name == "postgresql":
        # The planner's estimates for these index scans pass jit_above_cost on
        # large indexes, and compiling costs more than the query runs.
        await session.execute(text("SET LOCAL jit = off"))
    now = utcnow()
    found = [engine.match, *_facets(filters)]
    conditions = [*found, _readable(viewer, now, names)]
    columns: list[Any] = [SearchDocument, engine.rank.label("rank")]
    if engine.snippet is not None:
        columns.append(engine.snippet.label("snippet"))
    page = engine.joined(select(*columns)).where(*conditions)
    if cursor is not None:
        rank, after_id = decode_cursor(cursor, (float, int))
        page = page.where(
            or_(
                engine.rank < rank,
                and_(engine.rank == rank, SearchDocument.id > after_id),
            )
        )
    page = page.order_by(engine.rank.desc(), SearchDocument.id).limit(limit + 1)
    rows = (await session.execute(page)).all()
    shown = rows[:limit]
    snippets = (
        {row[0].id: row.snippet for row in shown}
        if engine.snippet is not None
        else await _headlines(session, query, locale, [row[0].id for row in shown])
    )
    hits = [
        Hit(row[0], float(row.rank), _marked(snippets.get(row[0].id))) for row in shown
    ]
    next_cursor = (
        encode_cursor([hits[-1].rank, hits[-1].document.id])
        if len(rows) > limit
        else None
    )
    counts: dict[str, int] = {}
    if cursor is None:
        everywhere = [*found, _readable(viewer, now, searchable_names())]
        counts = await _counts(session, engine, everywhere)
    return SearchResult(hits, next_cursor, counts)


async def _counts(
    session: AsyncSession, engine: _Engine, conditions: list[ColumnElement[bool]]
) -> dict[str, int]:
    query = (
        engine.joined(select(SearchDocument.resource_type, func.count()))
        .where(*conditions)
        .group_by(SearchDocument.resource_type)
    )
    return {name: count for name, count in (await session.execute(query)).all()}


async def reindex(session: AsyncSession, names: Sequence[str] = ()) -> dict[str, int]:
    """Rebuilds the index of these kinds (all by default); returns rows indexed."""
    _types(SearchFilters(types=names))
    return await session.run_sync(
        lambda sync_session: reindex_all(sync_session.connection(), names)
    )
