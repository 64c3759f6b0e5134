"""Pabulib files in and out of the database: a budget with its projects and ballots.

Imported ballots have no account behind them: each keeps only its voter id
from the file, so no personal data (age, sex, district) enters the database.
They are inserted in bulk, so that a city's 90,000 ballots load in seconds.
"""

from collections import Counter
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import session_scope
from app.errors import InvalidInputError, NotFoundError
from app.models.base import utcnow
from app.models.budgets import BallotSource, BallotType, Budget, BudgetProject
from app.models.components import Component, ComponentType
from app.models.spaces import Space, SpaceKind, SpaceStatus
from app.pb import Election, VoteType
from app.runtime import Runtime
from app.schemas.components import BudgetsSettings
from app.services.ballots import CastBallot, Choice, insert_ballots
from app.services.budget_outcomes import CENTS, election_of
from app.services.components import ensure_type

PROJECT_CHUNK = 1_000


async def run_import(
    settings: Settings,
    election: Election,
    space_id: int | None,
    component_id: int | None,
) -> int:
    """Import in one transaction of a runtime of its own; the new budget's id."""
    runtime = Runtime.build(settings)
    try:
        async with session_scope(runtime.sessionmaker) as session:
            budget = await import_election(
                session, election, component_id=component_id, space_id=space_id
            )
            return budget.id
    finally:
        await runtime.engine.dispose()


async def run_export(settings: Settings, budget_id: int) -> Election:
    runtime = Runtime.build(settings)
    try:
        async with session_scope(runtime.sessionmaker, read_only=True) as session:
            return await export_election(session, budget_id)
    finally:
        await runtime.engine.dispose()


async def import_election(
    session: AsyncSession,
    election: Election,
    *,
    component_id: int | None = None,
    space_id: int | None = None,
) -> Budget:
    """A new budget holding the election; in a new draft space unless told where.

    Costs and the budget must be whole cents, as the database keeps them.
    """
    component = await _component(session, election, component_id, space_id)
    budget = Budget(
        component_id=component.id,
        title=_text(election, _title(election)),
        description={},
        total=_cents(election.budget, "the budget"),
        ballot_type=BallotType(election.vote_type.value),
        pabulib_meta=dict(election.meta),
        ballots_count=len(election.voters),
    )
    session.add(budget)
    await session.flush()

    ids = await _insert_projects(session, election, budget)
    amounts = {ids[key]: _cents(p.cost, key) for key, p in election.projects.items()}
    _ensure_voters_unique(election)
    cast: list[CastBallot] = [
        (voter.id, _choices(election, ids, index))
        for index, voter in enumerate(election.voters)
    ]
    await insert_ballots(session, budget.id, BallotSource.IMPORTED, cast, amounts)
    return budget


async def export_election(session: AsyncSession, budget_id: int) -> Election:
    """The budget as a pabulib election: projects named by their file ids
    (else their ids), cast ballots named by their voter ids (else their ids)."""
    budget = await session.get(Budget, budget_id)
    if budget is None:
        raise NotFoundError(f"There is no budget {budget_id}.")
    projects = list(
        await session.scalars(
            select(BudgetProject)
            .where(BudgetProject.budget_id == budget.id)
            .order_by(BudgetProject.position, BudgetProject.id)
        )
    )
    meta = dict(budget.pabulib_meta) or {"description": _first(budget.title)}
    if budget.outcome_published_at is not None and budget.outcome_rule:
        meta["rule"] = budget.outcome_rule
    election = await election_of(
        session,
        budget,
        projects,
        meta,
        key=lambda project: project.code or str(project.id),
    )
    if budget.outcome_published_at is None:
        return election
    return _with_selection(election, projects)


def _with_selection(election: Election, projects: list[BudgetProject]) -> Election:
    selected = {p.code or str(p.id): bool(p.selected) for p in projects}
    return Election(
        budget=election.budget,
        projects={
            key: type(project)(
                project.id,
                project.cost,
                {**project.fields, "selected": "1" if selected[key] else "0"},
            )
            for key, project in election.projects.items()
        },
        voters=election.voters,
        vote_type=election.vote_type,
        meta=election.meta,
    )


async def _component(
    session: AsyncSession,
    election: Election,
    component_id: int | None,
    space_id: int | None,
) -> Component:
    if component_id is not None:
        component = await session.get(Component, component_id)
        if component is None:
            raise NotFoundError(f"There is no component {component_id}.")
        ensure_type(component, ComponentType.BUDGETS)
        return component
    if space_id is None:
        space_id = await _new_space(session, election)
    elif await session.get(Space, space_id) is None:
        raise NotFoundError(f"There is no space {space_id}.")
    component = Component(
        space_id=space_id,
        type=ComponentType.BUDGETS,
        name=_text(election, "Orçamento participativo"),
        position=await _next_position(session, space_id),
        settings=BudgetsSettings(show_votes=True).model_dump(mode="json"),
        default_switches={},
        phase_switches={},
    )
    session.add(component)
    await session.flush()
    return component


async def _new_space(session: AsyncSession, election: Election) -> int:
    stamp = utcnow().strftime("%Y%m%d%H%M%S%f")
    space = Space(
        kind=SpaceKind.PROCESS,
        slug=f"pabulib-{stamp}",
        title=_text(election, _title(election)),
        status=SpaceStatus.DRAFT,
    )
    session.add(space)
    await session.flush()
    return space.id


async def _next_position(session: AsyncSession, space_id: int) -> int:
    positions = await session.scalars(
        select(Component.position).where(Component.space_id == space_id)
    )
    return max(positions, default=-1) + 1


async def _insert_projects(
    session: AsyncSession, election: Election, budget: Budget
) -> dict[str, int]:
    """The projects in the file's order, with their approval counts; key -> id."""
    supporters = Counter(key for voter in election.voters for key in voter.vote)
    now = utcnow()
    rows: list[dict[str, Any]] = [
        {
            "budget_id": budget.id,
            "component_id": budget.component_id,
            "position": position,
            "code": key,
            "pabulib_fields": _kept_fields(project.fields),
            "title": _text(election, project.name or key),
            "description": {},
            "amount": _cents(project.cost, key),
            "votes_count": supporters[key],
            "created_at": now,
            "updated_at": now,
        }
        for position, (key, project) in enumerate(election.projects.items())
    ]
    ids: list[int] = []
    for start in range(0, len(rows), PROJECT_CHUNK):
        ids += await session.scalars(
            insert(BudgetProject).returning(
                BudgetProject.id, sort_by_parameter_order=True
            ),
            rows[start : start + PROJECT_CHUNK],
        )
    return dict(zip(election.projects, ids, strict=True))


RECOMPUTED = frozenset({"project_id", "cost", "name", "votes", "score", "selected"})
"""Project columns Decide derives itself rather than keeps from a file."""


def _kept_fields(fields: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in fields.items() if k not in RECOMPUTED}


def _choices(election: Election, ids: dict[str, int], index: int) -> list[Choice]:
    voter = election.voters[index]
    if voter.points is not None:
        return [
            (ids[key], points, None)
            for key, points in zip(voter.vote, voter.points, strict=True)
        ]
    if election.vote_type is VoteType.ORDINAL:
        return [(ids[key], 1, rank) for rank, key in enumerate(voter.vote, start=1)]
    return [(ids[key], 1, None) for key in voter.vote]


def _ensure_voters_unique(election: Election) -> None:
    codes = Counter(voter.id for voter in election.voters)
    repeated = [code for code, times in codes.items() if times > 1]
    if repeated:
        raise InvalidInputError(
            f"The voter id {repeated[0]} names several ballots.",
            error_code="pabulib_voters",
        )


def _cents(amount: Fraction, what: str) -> int:
    """The amount in cents; refused when it is not positive or splits a cent."""
    cents = amount * CENTS
    if cents.denominator != 1 or cents <= 0:
        raise InvalidInputError(
            f"The amount of {what} is {float(amount)}; Decide keeps positive "
            "amounts in whole cents.",
            error_code="pabulib_amount",
        )
    return cents.numerator


def _title(election: Election) -> str:
    meta = election.meta
    parts = [meta.get("unit", ""), meta.get("subunit", ""), meta.get("instance", "")]
    named = " ".join(part for part in parts if part)
    return named or meta.get("description", "") or "Pabulib"


def _text(election: Election, text: str) -> dict[str, str]:
    """Text in the file's language (META ``language``), else undetermined."""
    return {election.meta.get("language", "und") or "und": text}


def _first(texts: dict[str, str]) -> str:
    return next(iter(texts.values()), "")
