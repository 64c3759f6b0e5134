"""Reading a Decidim open-data export: its files, what each holds, its rows.

Decidim exports one CSV per kind of record (``;``-separated, nested fields
flattened as ``title/ca`` or ``scope/name/es``). Their columns changed over
the years, so a file is recognised by its columns, not its name, and the
columns of each era are read alike (``feature/id`` before 0.9 named what is
``component/id`` since; proposals counted ``votes`` before ``supports``;
comment bodies were one text before becoming a map by locale).

Every row is read and checked before anything is written: the first mistake
raises ExportError naming the file, the line and the column.
"""

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from app.services import result_import
from app.services.richtext import sanitize_translations

_LOCALE = r"([a-z]{2,3}(?:-[A-Za-z]{2,4})?)"
_ID = re.compile(r"^[0-9]{1,18}$")
_SPACE_URL = re.compile(
    r"/(processes|assemblies|conferences|initiatives)/([^/?#]+)(?:/f/([0-9]+))?"
)
_URL_COLUMNS = ("participatory_space/url", "url", "root_commentable_url")
SUBJECTS = {
    "Decidim::Proposals::Proposal": "proposal",
    "Decidim::Budgets::Project": "budget_project",
    "Decidim::Accountability::Result": "result",
    "Decidim::Meetings::Meeting": "meeting",
    "Decidim::Debates::Debate": "debate",
    "Decidim::Comments::Comment": "comment",
}
"""Decidim's commentable classes and the kinds they become here."""

Texts = dict[str, str]


class ExportError(Exception):
    """The export cannot be read; the message names the file, line and column."""


@dataclass(frozen=True)
class SpaceRef:
    kind: str
    """Decidim's route: ``processes``, ``assemblies``..."""
    slug: str

    @property
    def key(self) -> str:
        return f"{self.kind}/{self.slug}"


@dataclass(frozen=True)
class ScopeRef:
    external_id: str
    name: Texts


@dataclass
class Placed:
    """Where a record sits in Decidim: its space, component and scope."""

    line: int
    external_id: str
    space: SpaceRef
    component_id: str
    scope: ScopeRef | None


@dataclass
class ProjectRow(Placed):
    budget_id: str
    title: Texts
    description: Texts
    amount_cents: int
    confirmed_votes: int
    created_at: datetime | None


@dataclass
class ProposalRow(Placed):
    title: Texts
    body: Texts
    state: str
    withdrawn: bool
    reference: str | None
    answer: Texts
    published_at: datetime | None


@dataclass
class MeetingRow(Placed):
    title: Texts
    description: Texts
    starts_at: datetime
    ends_at: datetime
    address: str | None
    online_url: str | None


@dataclass
class CommentRow:
    line: int
    external_id: str
    created_at: datetime | None
    body: str
    locale: str | None
    author_id: str
    alignment: int
    subject_entity: str
    subject_id: str

    def as_record(self) -> dict[str, Any]:
        """The comment as kept while it waits for its subject."""
        record = dict(self.__dict__)
        record["created_at"] = self.created_at.isoformat() if self.created_at else None
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> "CommentRow":
        values = dict(record)
        stamp = values["created_at"]
        values["created_at"] = datetime.fromisoformat(stamp) if stamp else None
        return cls(**values)


@dataclass
class ResultGroup:
    """The rows of one accountability component, read by the results import."""

    name: str
    space: SpaceRef
    component_id: str
    rows: list[result_import.Row]


@dataclass
class ExportFile:
    name: str
    kind: str
    era: str
    source: str
    rows: list[Any] = field(default_factory=list)

    @property
    def count(self) -> int:
        if self.kind == "results":
            return sum(len(group.rows) for group in self.rows)
        return len(self.rows)


ORDER = ("proposals", "projects", "results", "meetings", "comments")
"""Subjects before the comments on them."""


# Finding the files


def read_export(path: Path, source: str | None = None) -> list[ExportFile]:
    """Every CSV of a folder, a zip or a single file, subjects first."""
    files = [_read(name, text, source) for name, text in _texts(path)]
    if not files:
        raise ExportError(f"{path}: holds no CSV file")
    return sorted(files, key=lambda file: (ORDER.index(file.kind), file.name))


def _texts(path: Path) -> Iterator[tuple[str, str]]:
    try:
        if path.is_dir():
            for member in sorted(path.glob("*.csv")):
                yield str(member), _decode(str(member), member.read_bytes())
        elif zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                for info in sorted(archive.infolist(), key=lambda item: item.filename):
                    if info.filename.lower().endswith(".csv"):
                        name = f"{path}:{info.filename}"
                        yield name, _decode(name, archive.read(info))
        else:
            yield str(path), _decode(str(path), path.read_bytes())
    except (OSError, zipfile.BadZipFile) as exc:
        raise ExportError(f"{path}: cannot be read: {exc}") from exc


def _decode(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ExportError(
            f"{name}:{line}: character {column}: not UTF-8 text"
        ) from None


# Reading one file


def _read(name: str, text: str, source: str | None) -> ExportFile:
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=";")
    columns = list(reader.fieldnames or ())
    kind = _kind(columns)
    if kind is None:
        raise ExportError(
            f"{name}:1: the columns ({', '.join(columns[:6])}...) match no Decidim "
            "export of proposals, projects, results, meetings or comments"
        )
    file = ExportFile(name, kind, _era(kind, columns), "")
    try:
        records = [(reader.line_num, record) for record in reader]
    except csv.Error as exc:
        raise ExportError(f"{name}:{reader.line_num}: {exc}") from None
    file.source = source or _source(name, records)
    if kind == "results":
        file.rows = _result_groups(name, text, records)
    else:
        file.rows = [_READERS[kind](_Record(name, line, r)) for line, r in records]
    if kind == "comments":
        # Parents before their replies: Decidim's ids grow with time.
        file.rows.sort(key=_by_id)
    return file


def _by_id(row: Any) -> int:
    return int(row.external_id)


def _kind(columns: list[str]) -> str | None:
    names = set(columns)
    if "commentable_type" in names:
        return "comments"
    if "budget_amount" in names:
        return "projects"
    if "start_time" in names:
        return "meetings"
    if "status/key" in names or "progress" in names:
        return "results"
    if "state" in names and any(name.startswith("title/") for name in names):
        return "proposals"
    return None


def _era(kind: str, columns: list[str]) -> str:
    """The columns that tell which Decidim wrote the file."""
    names = set(columns)
    marks = ["features (before 0.9)" if "feature/id" in names else "components"]
    if kind == "proposals":
        marks.append("votes (before 0.23)" if "votes" in names else "supports")
    if kind == "comments":
        plain = "body" in names
        marks.append("one-text bodies" if plain else "bodies by locale")
    if kind == "projects" and "budget/id" not in names:
        marks.append("one budget per component (before 0.24)")
    return ", ".join(marks)


def _source(name: str, records: list[tuple[int, dict[str, Any]]]) -> str:
    """The exporting site, from the first address the rows give."""
    for _line, record in records:
        for column in _URL_COLUMNS:
            host = urlsplit(_clean(record.get(column))).netloc
            if host:
                return host.lower()
    raise ExportError(
        f"{name}:2: column url: no address tells which site exported the file; "
        "name it with --source"
    )


# Rows


@dataclass
class _Record:
    name: str
    line: int
    values: dict[str, Any]

    def fail(self, column: str, message: str) -> ExportError:
        return ExportError(f"{self.name}:{self.line}: column {column}: {message}")

    def get(self, *columns: str) -> str:
        """The first of ``columns`` the file has, stripped ("" if none)."""
        for column in columns:
            if column in self.values:
                return _clean(self.values[column])
        return ""

    def id(self, *columns: str, required: bool = True) -> str:
        value = self.get(*columns)
        if not value and not required:
            return ""
        if not _ID.match(value):
            raise self.fail(columns[0], f"{value!r} is not an id")
        return value

    def number(self, column: str, default: int = 0) -> int:
        value = self.get(column)
        if not value:
            return default
        try:
            return int(float(value))
        except ValueError:
            raise self.fail(column, f"{value!r} is not a number") from None

    def moment(self, column: str) -> datetime | None:
        value = self.get(column)
        if not value:
            return None
        try:
            moment = datetime.fromisoformat(value.replace(" UTC", "+00:00"))
        except ValueError:
            raise self.fail(column, f"{value!r} is not a date and time") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    def texts(self, prefix: str) -> Texts:
        """``prefix/<locale>`` columns as a map, machine translations left out."""
        pattern = re.compile(rf"^{re.escape(prefix)}/{_LOCALE}$")
        found: Texts = {}
        for column, value in self.values.items():
            match = pattern.match(column or "")
            if match and _clean(value):
                found[match.group(1)] = _clean(value)
        return found

    def title(self, prefix: str = "title") -> Texts:
        found = self.texts(prefix)
        if not found:
            raise self.fail(f"{prefix}/*", "every row needs a text in some locale")
        return found


def _clean(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _placed(record: _Record) -> dict[str, Any]:
    if None in record.values:
        raise record.fail("(end)", "more fields than the header names")
    url = record.get("participatory_space/url") or record.get("url")
    match = _SPACE_URL.search(url)
    if match is None:
        raise record.fail("url", f"{url!r} names no Decidim space")
    component = record.id("component/id", "feature/id", required=False)
    component = component or match.group(3) or ""
    if not component:
        raise record.fail("component/id", "no component named")
    scope_id = record.id("scope/id", required=False)
    return {
        "line": record.line,
        "external_id": record.id("id"),
        "space": SpaceRef(match.group(1), match.group(2)[:60]),
        "component_id": component,
        "scope": ScopeRef(scope_id, record.texts("scope/name")) if scope_id else None,
    }


def _project(record: _Record) -> ProjectRow:
    amount = record.number("budget_amount")
    if amount <= 0:
        raise record.fail("budget_amount", "a project costs more than nothing")
    placed = _placed(record)
    return ProjectRow(
        **placed,
        budget_id=record.id("budget/id", required=False) or placed["component_id"],
        title=record.title(),
        description=sanitize_translations(record.texts("description")),
        amount_cents=amount * 100,
        confirmed_votes=record.number("confirmed_votes"),
        created_at=record.moment("created_at"),
    )


_STATES = {"accepted", "rejected", "evaluating"}


def _proposal(record: _Record) -> ProposalRow:
    state = record.get("state")
    return ProposalRow(
        **_placed(record),
        title=record.title(),
        body=sanitize_translations(record.texts("body")),
        state=state if state in _STATES else "not_answered",
        withdrawn=state == "withdrawn",
        reference=record.get("reference")[:40] or None,
        answer=sanitize_translations(record.texts("answer")),
        published_at=record.moment("published_at"),
    )


def _meeting(record: _Record) -> MeetingRow:
    starts_at = record.moment("start_time")
    if starts_at is None:
        raise record.fail("start_time", "every meeting needs a start")
    ends_at = record.moment("end_time") or starts_at
    if ends_at <= starts_at:
        ends_at = starts_at + timedelta(hours=1)
    online = record.get("online_meeting_url")
    return MeetingRow(
        **_placed(record),
        title=record.title(),
        description=sanitize_translations(record.texts("description")),
        starts_at=starts_at,
        ends_at=ends_at,
        address=record.get("address")[:300] or None,
        online_url=online[:500] or None,
    )


def _comment(record: _Record) -> CommentRow:
    if None in record.values:
        raise record.fail("(end)", "more fields than the header names")
    subject_type = record.get("commentable_type")
    subject = SUBJECTS.get(subject_type)
    if subject is None:
        raise record.fail("commentable_type", f"{subject_type!r} is not commentable")
    locale = record.get("locale") or None
    bodies = record.texts("body")
    body = record.get("body") or bodies.get(locale or "", "")
    body = body or next(iter(bodies.values()), "")
    if not body:
        raise record.fail("body", "a comment needs a text")
    alignment = record.number("alignment")
    if alignment not in (-1, 0, 1):
        raise record.fail("alignment", f"{alignment} is not -1, 0 or 1")
    return CommentRow(
        line=record.line,
        external_id=record.id("id"),
        created_at=record.moment("created_at"),
        body=body,
        locale=locale,
        author_id=record.id("author/id", required=False),
        alignment=alignment,
        subject_entity=subject,
        subject_id=record.id("commentable_id"),
    )


_READERS: dict[str, Callable[[_Record], Any]] = {
    "projects": _project,
    "proposals": _proposal,
    "meetings": _meeting,
    "comments": _comment,
}


def _result_groups(
    name: str, text: str, records: list[tuple[int, dict[str, Any]]]
) -> list[ResultGroup]:
    """The results import reads the rows; here they are grouped by component."""
    try:
        rows = result_import.read_stream(name, io.StringIO(text, newline=""))
    except result_import.ImportFailed as exc:
        raise ExportError(str(exc)) from None
    places = {line: _placed(_Record(name, line, record)) for line, record in records}
    groups: dict[tuple[str, str], ResultGroup] = {}
    for row in rows:
        place = places[row.line]
        key = (place["space"].key, place["component_id"])
        group = groups.setdefault(
            key, ResultGroup(name, place["space"], place["component_id"], [])
        )
        group.rows.append(row)
    return list(groups.values())
