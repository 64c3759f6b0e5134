"""Participation figures: computed by a refresh into a snapshot, served from it.

A refresh (the worker's ``stats_refresh`` job, or ``decide stats refresh``)
reads every public fact once (``stats_facts``), counts it into each group it
belongs to (its space, component, scope and the scopes above, area, month,
and the interest groups its author declared), suppresses the small groups and
stores the result as one ``stats_snapshots`` row. ``GET /api/v1/stats`` reads
that row and narrows its lists to the filters: it never counts anything.

Suppression: a group of fewer than ``MIN_PEOPLE`` distinct participants shows
``null`` for every figure and ``suppressed: true``. So that no suppressed group
can be recovered by subtracting the visible ones from their parent (the
totals, a space for its components, a scope for the scopes under it), the
groups under one parent are treated together: while the suppressed ones among
them are fewer than two, or count fewer than ``MIN_PEOPLE`` distinct people
together, the smallest visible one is suppressed too. A subtraction then gives
at best the sum of two or more groups holding ten people or more. Totals with
fewer than ``MIN_PEOPLE`` participants are suppressed the same way.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from statistics import median
from time import perf_counter
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.errors import InvalidInputError
from app.models.base import utcnow
from app.models.components import Component
from app.models.proposals import Proposal
from app.models.spaces import Space, SpaceInterestGroup, SpaceKind
from app.models.stats import StatsSnapshot
from app.models.taxonomies import Area, InterestGroup, Scope, UserInterestGroup
from app.services.resources import readable_ids
from app.services.stats_councils import council_activity
from app.services.stats_facts import Fact, FactKind, Facts

MIN_PEOPLE = 10
METRICS = (
    "participants",
    "proposals",
    "supports",
    "comments",
    "meetings",
    "attendees",
    "ballots",
)
PER_THOUSAND = ("participants", "proposals", "supports", "comments", "ballots")


@dataclass(slots=True)
class Tally:
    """One group's figures while they are being counted."""

    people: set[int] = field(default_factory=set)
    proposals: set[int] = field(default_factory=set)
    meetings: set[int] = field(default_factory=set)
    supports: int = 0
    comments: int = 0
    attendees: int = 0
    ballots: int = 0

    def add(self, fact: Fact) -> None:
        if fact.user_id is not None:
            self.people.add(fact.user_id)
        match fact.kind:
            case FactKind.PROPOSAL:
                self.proposals.add(fact.object_id)
            case FactKind.SUPPORT:
                self.supports += 1
            case FactKind.COMMENT:
                self.comments += 1
            case FactKind.MEETING:
                self.meetings.add(fact.object_id)
            case FactKind.REGISTRATION:
                self.meetings.add(fact.object_id)
                self.attendees += fact.checked_in
            case FactKind.BALLOT:
                self.ballots += 1

    def figures(self) -> dict[str, int]:
        return {
            "participants": len(self.people),
            "proposals": len(self.proposals),
            "supports": self.supports,
            "comments": self.comments,
            "meetings": len(self.meetings),
            "attendees": self.attendees,
            "ballots": self.ballots,
        }


@dataclass(slots=True)
class Tallies:
    """Every group's tally, per dimension, keyed by the group's id."""

    total: Tally = field(default_factory=Tally)
    by: dict[str, dict[Any, Tally]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(Tally))
    )


# Refresh.


async def refresh(session: AsyncSession, settings: Settings) -> StatsSnapshot:
    """Count every public figure now and store them as the latest snapshot."""
    started = perf_counter()
    now = utcnow()

    taxonomy = await _Taxonomy.load(session, now)
    tallies = await _count(session, taxonomy, now, settings.time_zone)
    figures = {
        "totals": _shown(tallies.total, 0 < len(tallies.total.people) < MIN_PEOPLE),
        "spaces": taxonomy.spaces_entries(tallies),
        "components": taxonomy.components_entries(tallies),
        "scopes": taxonomy.scopes_entries(tallies),
        "areas": taxonomy.flat_entries(tallies, "area", taxonomy.areas),
        "interest_groups": taxonomy.flat_entries(
            tallies, "interest_group", taxonomy.interest_groups
        ),
        "months": _months_entries(tallies),
        "councils": await council_activity(session, now, settings.time_zone),
        "channels": await _channels(session, taxonomy, now),
    }
    snapshot = StatsSnapshot(
        computed_at=now,
        duration_ms=round((perf_counter() - started) * 1000),
        figures=figures,
    )
    session.add(snapshot)
    await session.flush()
    await session.execute(delete(StatsSnapshot).where(StatsSnapshot.computed_at < now))
    return snapshot


async def refresh_if_due(session: AsyncSession, settings: Settings) -> int:
    """The worker's job: refresh when the latest snapshot is old enough."""
    latest = await session.scalar(select(func.max(StatsSnapshot.computed_at)))
    age = None if latest is None else (utcnow() - _aware(latest)).total_seconds()
    if age is not None and age < settings.stats_refresh_seconds:
        return 0
    await refresh(session, settings)
    return 1


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


async def _count(
    session: AsyncSession, taxonomy: "_Taxonomy", now: datetime, zone: str
) -> Tallies:
    tallies = Tallies()
    async for fact in Facts(session, now, zone).all():
        if fact.space_id not in taxonomy.spaces:
            continue
        tallies.total.add(fact)
        for dimension, key in taxonomy.groups_of(fact):
            tallies.by[dimension][key].add(fact)
    return tallies


@dataclass(slots=True)
class _Taxonomy:
    """The public spaces, scopes, areas and interest groups, and who declared what."""

    spaces: dict[int, Space]
    space_groups: dict[int, list[int]]
    components: dict[int, int]
    scopes: dict[int, Scope]
    areas: dict[int, Area]
    interest_groups: dict[int, InterestGroup]
    declared: dict[int, list[int]]
    lineages: dict[int, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for scope in self.scopes.values():
            path = [int(part) for part in scope.path.strip("/").split("/") if part]
            self.lineages[scope.id] = path or [scope.id]

    @classmethod
    async def load(cls, session: AsyncSession, now: datetime) -> "_Taxonomy":
        spaces = await session.scalars(
            select(Space).where(Space.id.in_(readable_ids("space", None, now)))
        )
        components = await session.execute(
            select(Component.id, Component.space_id).where(
                Component.id.in_(readable_ids("component", None, now))
            )
        )
        space_groups: dict[int, list[int]] = defaultdict(list)
        for space_id, group_id in await session.execute(
            select(SpaceInterestGroup.space_id, SpaceInterestGroup.interest_group_id)
        ):
            space_groups[space_id].append(group_id)
        declared: dict[int, list[int]] = defaultdict(list)
        for user_id, group_id in await session.execute(
            select(UserInterestGroup.user_id, UserInterestGroup.interest_group_id)
        ):
            declared[user_id].append(group_id)
        return cls(
            spaces={space.id: space for space in spaces},
            space_groups=space_groups,
            components={id_: space_id for id_, space_id in components},
            scopes={s.id: s for s in await session.scalars(select(Scope))},
            areas={a.id: a for a in await session.scalars(select(Area))},
            interest_groups={
                g.id: g for g in await session.scalars(select(InterestGroup))
            },
            declared=declared,
        )

    def groups_of(self, fact: Fact) -> Iterable[tuple[str, Any]]:
        yield "space", fact.space_id
        yield "component", fact.component_id
        yield "month", fact.month
        if fact.area_id is not None:
            yield "area", fact.area_id
        for scope_id in self._lineage(fact.scope_id):
            yield "scope", scope_id
        if fact.user_id is not None:
            for group_id in self.declared.get(fact.user_id, ()):
                yield "interest_group", group_id

    def _lineage(self, scope_id: int | None) -> list[int]:
        """The scope and every scope above it: a regional counts its neighbourhoods."""
        if scope_id is None:
            return []
        return self.lineages.get(scope_id, [])

    def spaces_entries(self, tallies: Tallies) -> list[dict[str, Any]]:
        by_space = tallies.by["space"]
        entries = {
            space.id: {
                "id": space.id,
                "slug": space.slug,
                "title": space.title,
                "kind": space.kind,
                "scope_id": space.scope_id,
                "area_id": space.area_id,
                "interest_group_ids": sorted(self.space_groups.get(space.id, [])),
            }
            for space in self.spaces.values()
        }
        return _family(entries, by_space)

    def components_entries(self, tallies: Tallies) -> list[dict[str, Any]]:
        by_component = tallies.by["component"]
        per_space: dict[int, dict[Any, dict[str, Any]]] = defaultdict(dict)
        for component_id, space_id in self.components.items():
            if space_id in self.spaces:
                per_space[space_id][component_id] = {
                    "id": component_id,
                    "space_id": space_id,
                }
        return sorted(
            (e for family in per_space.values() for e in _family(family, by_component)),
            key=lambda entry: entry["id"],
        )

    def scopes_entries(self, tallies: Tallies) -> list[dict[str, Any]]:
        by_scope = tallies.by["scope"]
        siblings: dict[int | None, dict[Any, dict[str, Any]]] = defaultdict(dict)
        for scope in self.scopes.values():
            siblings[scope.parent_id][scope.id] = {
                "id": scope.id,
                "parent_id": scope.parent_id,
                "code": scope.code,
                "type": scope.type,
                "name": scope.name,
                "population": scope.population,
            }
        entries = [e for family in siblings.values() for e in _family(family, by_scope)]
        for entry in entries:
            entry["per_1000_inhabitants"] = _per_thousand(entry)
        return sorted(entries, key=lambda entry: entry["id"])

    def flat_entries(
        self, tallies: Tallies, dimension: str, rows: dict[int, Any]
    ) -> list[dict[str, Any]]:
        entries = {row.id: {"id": row.id, "name": row.name} for row in rows.values()}
        return _family(entries, tallies.by[dimension])


def _months_entries(tallies: Tallies) -> list[dict[str, Any]]:
    by_month = tallies.by["month"]
    return _family({month: {"month": month} for month in by_month}, by_month)


def _per_thousand(entry: dict[str, Any]) -> dict[str, float | None] | None:
    population = entry["population"]
    if not population:
        return None
    figures = entry["figures"]
    return {
        name: None
        if figures[name] is None
        else round(figures[name] * 1000 / population, 3)
        for name in PER_THOUSAND
    }


def _family(
    entries: dict[Any, dict[str, Any]], tallies: dict[Any, Tally]
) -> list[dict[str, Any]]:
    """Groups under one parent, each with its figures, suppressed together."""
    empty = Tally()
    members = {key: tallies.get(key, empty) for key in entries}
    hidden = _suppressed_keys(members)
    return [
        {**entry, **_shown(members[key], key in hidden)}
        for key, entry in entries.items()
    ]


def _suppressed_keys(members: dict[Any, Tally]) -> set[Any]:
    """Groups under ``MIN_PEOPLE``, then the smallest others until a subtraction
    can only give two or more groups of ``MIN_PEOPLE`` people together.

    A group nobody took part in (no people, no facts) hides nothing and stays 0.
    """
    small = {k for k, t in members.items() if 0 < len(t.people) < MIN_PEOPLE}
    others = sorted(
        (k for k in members if k not in small and members[k].people),
        key=lambda k: (len(members[k].people), str(k)),
    )
    while small and others and not _safe(small, members):
        small.add(others.pop(0))
    return small


def _safe(hidden: set[Any], members: dict[Any, Tally]) -> bool:
    people: set[int] = set()
    for key in hidden:
        people |= members[key].people
    return len(hidden) >= 2 and len(people) >= MIN_PEOPLE


def _shown(tally: Tally, hidden: bool) -> dict[str, Any]:
    figures = dict.fromkeys(METRICS) if hidden else tally.figures()
    return {"figures": figures, "suppressed": hidden}


# Demand handling.


async def _channels(
    session: AsyncSession, taxonomy: _Taxonomy, now: datetime
) -> list[dict[str, Any]]:
    """Per channel: demands received, answered, on time, overdue, satisfaction."""
    channels = {
        s.id: s for s in taxonomy.spaces.values() if s.kind == SpaceKind.CHANNEL
    }
    rows = await session.execute(
        select(
            Component.space_id,
            Proposal.author_id,
            Proposal.published_at,
            Proposal.answer_published_at,
            Proposal.due_at,
            Proposal.satisfaction,
        )
        .join(Component, Component.id == Proposal.component_id)
        .where(
            Component.space_id.in_(channels),
            Proposal.id.in_(readable_ids("proposal", None, now)),
        )
    )
    demands: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        demands[row.space_id].append(row)
    people = {
        space_id: Tally(people={r.author_id for r in demands[space_id] if r.author_id})
        for space_id in channels
    }
    hidden = _suppressed_keys(people)
    return [
        {
            "space_id": space_id,
            "slug": space.slug,
            "title": space.title,
            "scope_id": space.scope_id,
            "area_id": space.area_id,
            "suppressed": space_id in hidden,
            "demands": dict.fromkeys(_DEMAND_FIGURES)
            if space_id in hidden
            else _demand_figures(demands[space_id], _aware(now)),
        }
        for space_id, space in channels.items()
    ]


_DEMAND_FIGURES = (
    "received",
    "answered",
    "answered_within_deadline",
    "overdue",
    "median_days_to_answer",
    "satisfaction_average",
)


def _demand_figures(rows: list[Any], now: datetime) -> dict[str, Any]:
    answered = [r for r in rows if r.answer_published_at is not None]
    days = [
        (_aware(r.answer_published_at) - _aware(r.published_at)).total_seconds() / 86400
        for r in answered
        if r.published_at is not None
    ]
    ratings = [r.satisfaction for r in rows if r.satisfaction is not None]
    return {
        "received": len(rows),
        "answered": len(answered),
        "answered_within_deadline": sum(
            1
            for r in answered
            if r.due_at is not None
            and _aware(r.answer_published_at) <= _aware(r.due_at)
        ),
        "overdue": sum(
            1
            for r in rows
            if r.answer_published_at is None
            and r.due_at is not None
            and _aware(r.due_at) < now
        ),
        "median_days_to_answer": round(median(days), 1) if days else None,
        "satisfaction_average": round(sum(ratings) / len(ratings), 2)
        if ratings
        else None,
    }


# Reading.


@dataclass(frozen=True, slots=True)
class StatsFilters:
    space_id: int | None = None
    scope_id: int | None = None
    area_id: int | None = None
    interest_group_id: int | None = None
    month_from: str | None = None
    month_to: str | None = None


async def read_stats(
    session: AsyncSession, settings: Settings, filters: StatsFilters
) -> dict[str, Any]:
    """The latest snapshot, its lists narrowed to the filters (one query).

    With no snapshot yet (a fresh install), one is computed on the spot.
    """
    snapshot = await session.scalar(
        select(StatsSnapshot).order_by(StatsSnapshot.computed_at.desc()).limit(1)
    )
    if snapshot is None:
        snapshot = await refresh(session, settings)
    figures = snapshot.figures
    _ensure_known(figures, filters)
    return {
        "computed_at": _aware(snapshot.computed_at),
        "refresh_duration_ms": snapshot.duration_ms,
        "min_people": MIN_PEOPLE,
        **_narrowed(figures, filters),
    }


def _ensure_known(figures: dict[str, Any], filters: StatsFilters) -> None:
    """Every filter names a group the figures hold, else a 422."""
    known = {
        "space": ({e["id"] for e in figures["spaces"]}, filters.space_id),
        "scope": ({e["id"] for e in figures["scopes"]}, filters.scope_id),
        "area": ({e["id"] for e in figures["areas"]}, filters.area_id),
        "interest_group": (
            {e["id"] for e in figures["interest_groups"]},
            filters.interest_group_id,
        ),
    }
    for name, (ids, value) in known.items():
        if value is not None and value not in ids:
            raise InvalidInputError(
                f"{name}: there is no public {name} {value}.",
                field=name,
                location="query",
            )
    if (
        filters.month_from
        and filters.month_to
        and filters.month_from > filters.month_to
    ):
        raise InvalidInputError(
            "month_from: comes after month_to.", field="month_from", location="query"
        )


def _narrowed(figures: dict[str, Any], filters: StatsFilters) -> dict[str, Any]:
    scopes = _subtree(figures["scopes"], filters.scope_id)
    spaces = [e for e in figures["spaces"] if _space_matches(e, filters, scopes)]
    space_ids = {e["id"] for e in spaces}
    months = [
        e
        for e in figures["months"]
        if (filters.month_from is None or e["month"] >= filters.month_from)
        and (filters.month_to is None or e["month"] <= filters.month_to)
    ]
    return {
        "totals": figures["totals"],
        "spaces": spaces,
        "components": [e for e in figures["components"] if e["space_id"] in space_ids],
        "scopes": [e for e in figures["scopes"] if scopes is None or e["id"] in scopes],
        "areas": _only(figures["areas"], filters.area_id),
        "interest_groups": _only(figures["interest_groups"], filters.interest_group_id),
        "months": sorted(months, key=lambda e: str(e["month"])),
        "councils": [e for e in figures["councils"] if e["space_id"] in space_ids],
        "channels": [e for e in figures["channels"] if e["space_id"] in space_ids],
    }


def _space_matches(
    entry: dict[str, Any], filters: StatsFilters, scopes: set[int] | None
) -> bool:
    return (
        (filters.space_id is None or entry["id"] == filters.space_id)
        and (scopes is None or entry["scope_id"] in scopes)
        and (filters.area_id is None or entry["area_id"] == filters.area_id)
        and (
            filters.interest_group_id is None
            or filters.interest_group_id in entry["interest_group_ids"]
        )
    )


def _subtree(scopes: list[dict[str, Any]], root: int | None) -> set[int] | None:
    """The scope and its descendants; None when no scope filters."""
    if root is None:
        return None
    children: dict[int | None, list[int]] = defaultdict(list)
    for entry in scopes:
        children[entry["parent_id"]].append(entry["id"])
    found, stack = set(), [root]
    while stack:
        scope_id = stack.pop()
        found.add(scope_id)
        stack.extend(children[scope_id])
    return found


def _only(entries: list[dict[str, Any]], wanted: int | None) -> list[dict[str, Any]]:
    return [e for e in entries if wanted is None or e["id"] == wanted]
