"""Read and write the pabulib ``.pb`` format (pabulib.org).

A file has three ``;``-separated sections, each opened by a line holding its
name and then a header row: ``META`` (``key;value``), ``PROJECTS``
(``project_id;cost;...``) and ``VOTES`` (``voter_id;vote;...``, plus ``points``
for cumulative and scoring ballots). ``vote`` and ``points`` are ``,``-separated
lists. Columns other than those are kept as written and written back.
"""

import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from _csv import Writer

from app.pb.election import Election, Project, Voter, VoteType, money

SECTIONS = ("META", "PROJECTS", "VOTES")


class PabulibError(ValueError):
    """A file that is not valid pabulib; names the line where it went wrong."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


def load(path: str | Path) -> Election:
    """Parse the ``.pb`` file at ``path``."""
    with Path(path).open(encoding="utf-8-sig", newline="") as stream:
        return parse(stream)


def parse(source: str | TextIO) -> Election:
    """Parse pabulib text (a string holding the file's content, or a stream)."""
    stream = (
        io.StringIO(source.removeprefix("\ufeff"))
        if isinstance(source, str)
        else source
    )
    sections = _read_sections(stream)
    meta, lines = _meta(sections["META"])
    written_budget = _required(lines, meta, "budget")
    budget = _number(lines["budget"], "budget", written_budget)
    vote_type = _vote_type(lines.get("vote_type", 0), meta)
    projects = _projects(sections["PROJECTS"])
    voters = _voters(sections["VOTES"], projects, vote_type)
    return Election(budget, projects, voters, vote_type, meta)


def dump(election: Election) -> str:
    """The election as pabulib text (``parse(dump(e))`` gives ``e`` back)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    writer.writerows(_meta_rows(election).items())
    writer.writerow(["PROJECTS"])
    _write_table(writer, ["project_id", "cost"], _project_rows(election))
    writer.writerow(["VOTES"])
    head = ["voter_id", "vote"] + (["points"] if election.vote_type.has_points else [])
    _write_table(writer, head, _voter_rows(election))
    return out.getvalue()


def write(election: Election, path: str | Path) -> None:
    """Write the election to ``path`` as a ``.pb`` file."""
    Path(path).write_text(dump(election), encoding="utf-8")


def format_amount(amount: Fraction) -> str:
    """An exact decimal for amounts that have one (all real budgets and costs)."""
    if amount.denominator == 1:
        return str(amount.numerator)
    digits = 0
    while (amount * 10**digits).denominator != 1 and digits < 12:
        digits += 1
    scaled = amount * 10**digits
    if scaled.denominator != 1:
        return repr(float(amount))
    text = f"{scaled.numerator:0{digits + 1}d}"
    return f"{text[:-digits]}.{text[-digits:]}"


class _Section:
    def __init__(self, start: int, header: list[str]) -> None:
        self.start = start
        self.header = header
        self.rows: list[tuple[int, list[str]]] = []

    def records(self) -> Iterator[tuple[int, dict[str, str]]]:
        width = len(self.header)
        for line, row in self.rows:
            if len(row) != width:
                raise PabulibError(
                    line,
                    f"expected {width} fields ({';'.join(self.header)}), "
                    f"found {len(row)}",
                )
            yield line, dict(zip(self.header, row, strict=True))


def _read_sections(stream: TextIO) -> dict[str, _Section]:
    reader = csv.reader(stream, delimiter=";")
    sections: dict[str, _Section] = {}
    current: _Section | None = None
    expect_header: str | None = None
    try:
        for row in reader:
            line = reader.line_num
            if not "".join(row).strip():
                continue
            name = row[0].strip() if len(row) == 1 else ""
            if name in SECTIONS:
                if name in sections or expect_header:
                    raise PabulibError(line, f"section {name} is repeated or empty")
                expect_header = name
            elif expect_header:
                current = _Section(line, [cell.strip() for cell in row])
                sections[expect_header] = current
                expect_header = None
            elif current is None:
                raise PabulibError(line, "expected a section name (META first)")
            else:
                current.rows.append((line, row))
    except csv.Error as error:
        raise PabulibError(reader.line_num, str(error)) from error
    last = reader.line_num
    return _complete(sections, expect_header, last)


def _complete(
    sections: dict[str, _Section], expect_header: str | None, last: int
) -> dict[str, _Section]:
    if expect_header:
        raise PabulibError(last, f"section {expect_header} has no header row")
    for name in SECTIONS:
        if name not in sections:
            raise PabulibError(last, f"the file ends without a {name} section")
    return sections


def _meta(section: _Section) -> tuple[dict[str, str], dict[str, int]]:
    """The META keys and values, and the line of each key."""
    meta: dict[str, str] = {}
    lines: dict[str, int] = {}
    for line, row in section.rows:
        if len(row) < 2:
            raise PabulibError(line, "a META row needs a key and a value")
        key = row[0].strip()
        meta[key] = ";".join(row[1:]).strip()
        lines[key] = line
    return meta, lines


def _required(lines: dict[str, int], meta: Mapping[str, str], key: str) -> str:
    if not meta.get(key):
        raise PabulibError(
            lines.get(key, min(lines.values(), default=1)), f"META has no {key}"
        )
    return meta[key]


def _number(line: int, what: str, text: str) -> Fraction:
    try:
        return money(text)
    except (ValueError, ZeroDivisionError) as error:
        raise PabulibError(line, f"{what} is not a valid amount: {text!r}") from error


def _vote_type(line: int, meta: Mapping[str, str]) -> VoteType:
    text = meta.get("vote_type", "approval")
    try:
        return VoteType.parse(text)
    except ValueError as error:
        known = ", ".join(VoteType)
        raise PabulibError(
            line, f"unknown vote_type {text!r} (known: {known})"
        ) from error


def _projects(section: _Section) -> dict[str, Project]:
    _need_columns(section, "project_id", "cost")
    projects: dict[str, Project] = {}
    for line, record in section.records():
        key = record.pop("project_id").strip()
        if not key or key in projects:
            raise PabulibError(line, f"project id {key!r} is empty or repeated")
        cost = _number(line, f"the cost of {key}", record.pop("cost"))
        projects[key] = Project(key, cost, record)
    return projects


def _voters(
    section: _Section, projects: Mapping[str, Project], vote_type: VoteType
) -> list[Voter]:
    _need_columns(section, "voter_id", "vote")
    if vote_type.has_points:
        _need_columns(section, "points")
    seen: set[str] = set()
    voters = []
    for line, record in section.records():
        voter = _voter(line, record, projects, vote_type)
        if voter.id in seen:
            raise PabulibError(line, f"voter id {voter.id!r} is repeated")
        seen.add(voter.id)
        voters.append(voter)
    return voters


def _voter(
    line: int,
    record: dict[str, str],
    projects: Mapping[str, Project],
    vote_type: VoteType,
) -> Voter:
    voter_id = record.pop("voter_id").strip()
    vote = _split(record.pop("vote"))
    for key in vote:
        if key not in projects:
            raise PabulibError(line, f"the vote names unknown project {key!r}")
    if len(set(vote)) != len(vote):
        raise PabulibError(line, "the vote names a project twice")
    if vote_type is VoteType.CHOOSE_ONE and len(vote) > 1:
        raise PabulibError(line, "a choose-1 vote names more than one project")
    points_text = record.pop("points", "")
    if not vote_type.has_points:
        return Voter(voter_id, vote, None, record)
    return Voter(voter_id, vote, _points(line, points_text, len(vote)), record)


def _points(line: int, text: str, count: int) -> tuple[int, ...]:
    try:
        points = tuple(int(part) for part in _split(text))
    except ValueError as error:
        raise PabulibError(line, f"points are not whole numbers: {text!r}") from error
    if len(points) != count or any(p < 0 for p in points):
        raise PabulibError(line, "points must be one non-negative number per vote")
    return points


def _split(text: str) -> tuple[str, ...]:
    return tuple(filter(None, map(str.strip, text.split(","))))


def _need_columns(section: _Section, *names: str) -> None:
    for name in names:
        if name not in section.header:
            raise PabulibError(section.start, f"the header has no {name} column")


def _meta_rows(election: Election) -> dict[str, str]:
    meta = dict(election.meta)
    written = meta.get("budget")
    if written is None or money(written) != election.budget:
        meta["budget"] = format_amount(election.budget)
    meta["vote_type"] = election.vote_type.value
    meta["num_projects"] = str(len(election.projects))
    meta["num_votes"] = str(len(election.voters))
    return meta


def _project_rows(election: Election) -> Iterator[dict[str, str]]:
    for project in election.projects.values():
        row = {"project_id": project.id, "cost": format_amount(project.cost)}
        yield row | dict(project.fields)


def _voter_rows(election: Election) -> Iterator[dict[str, str]]:
    for voter in election.voters:
        row = {"voter_id": voter.id, "vote": ",".join(voter.vote)}
        if voter.points is not None:
            row["points"] = ",".join(str(p) for p in voter.points)
        yield row | dict(voter.fields)


def _write_table(
    writer: "Writer", head: Sequence[str], rows: Iterator[dict[str, str]]
) -> None:
    materialised = list(rows)
    columns = list(head)
    for row in materialised:
        columns.extend(key for key in row if key not in columns)
    writer.writerow(columns)
    writer.writerows([row.get(key, "") for key in columns] for row in materialised)
