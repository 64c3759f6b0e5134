"""Outcomes of budgets: which projects a rule funds, and why, once voting ends.

The rules themselves live in ``app.pb`` (exact arithmetic, no database);
this module feeds them the budget's cast ballots (online, paper, imported)
and keeps each project's decision in its row.
"""

from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import ConflictError, NotFoundError
from app.models.base import utcnow
from app.models.budgets import Ballot, BallotItem, Budget, BudgetProject, OutcomeRule
from app.models.components import Component
from app.models.users import User
from app.pb import Decision, Election, Project, Voter, VoteType, compute
from app.schemas.budgets import OutcomeCompute, OutcomeProject, OutcomeRead
from app.services import action_log, outbox
from app.services.budgets import (
    BudgetView,
    admin_view,
    budget_for,
    event_payload,
    get_budget_view,
)

THRESHOLD_KEY = "min_project_score_threshold"
CENTS = 100
"""Amounts are kept in cents; elections count in the currency's unit."""


async def compute_outcome(
    session: AsyncSession, actor: User, budget_id: int, data: OutcomeCompute
) -> OutcomeRead:
    """Compute (again) the budget's outcome by ``data.rule``; the team sees it
    until it is published."""
    budget, component = await budget_for(session, actor, budget_id, lock=True)
    view = await admin_view(session, budget, component)
    _ensure_voting_over(view)
    if budget.outcome_published_at is not None:
        raise ConflictError(
            f"Budget {budget.id}'s outcome is published; it no longer changes.",
            error_code="outcome_published",
        )

    projects = await _projects(session, budget.id)
    election = await election_of(session, budget, projects, _rule_meta(budget, data))
    decisions = compute(data.rule.value, election)
    _keep(projects, decisions)
    budget.outcome_rule = data.rule
    budget.outcome_threshold = data.threshold
    budget.outcome_computed_at = utcnow()
    await session.flush()

    changes = {"rule": [None, data.rule.value], "threshold": [None, data.threshold]}
    _log(session, actor, "budget.outcome_computed", budget, component, changes)
    return outcome_read(view, projects)


async def publish_outcome(
    session: AsyncSession, actor: User, budget_id: int
) -> OutcomeRead:
    """Make the computed outcome public and announce it; idempotent."""
    budget, component = await budget_for(session, actor, budget_id, lock=True)
    if budget.outcome_computed_at is None:
        raise ConflictError(
            f"Budget {budget.id} has no computed outcome to publish.",
            error_code="outcome_missing",
        )
    view = await admin_view(session, budget, component)
    projects = await _projects(session, budget.id)
    if budget.outcome_published_at is not None:
        return outcome_read(view, projects)

    budget.outcome_published_at = utcnow()
    await session.flush()

    _log(session, actor, "budget.outcome_published", budget, component, {}, True)
    selected = [p.id for p in _in_selection_order(projects)]
    outbox.emit(
        session,
        "budget.outcome_published",
        event_payload(budget, component)
        | {"rule": budget.outcome_rule, "selected_project_ids": selected},
    )
    return outcome_read(view, projects)


async def get_outcome(
    session: AsyncSession, viewer: User | None, budget_id: int
) -> OutcomeRead:
    """The published outcome (or, for the team, the computed one)."""
    view = await get_budget_view(session, viewer, budget_id)
    if view.budget.outcome_computed_at is None or not view.outcome_visible:
        raise NotFoundError(f"Budget {budget_id} has no published outcome.")
    return outcome_read(view, await _projects(session, view.budget.id))


def outcome_read(view: BudgetView, projects: list[BudgetProject]) -> OutcomeRead:
    budget = view.budget
    assert budget.outcome_rule is not None and budget.outcome_computed_at is not None
    shown = view.counts_visible
    ordered = _in_selection_order(projects) + [p for p in projects if not p.selected]
    return OutcomeRead(
        budget_id=budget.id,
        rule=OutcomeRule(budget.outcome_rule),
        threshold=budget.outcome_threshold,
        computed_at=budget.outcome_computed_at,
        published_at=budget.outcome_published_at,
        spent=sum(p.amount for p in projects if p.selected),
        projects=[
            OutcomeProject(
                project_id=p.id,
                selected=bool(p.selected),
                reason=p.selection_reason or "",
                score=p.outcome_score if shown else None,
            )
            for p in ordered
        ],
    )


async def election_of(
    session: AsyncSession,
    budget: Budget,
    projects: list[BudgetProject],
    meta: dict[str, str],
    *,
    key: Any = None,
) -> Election:
    """The budget's cast ballots as an election with ``meta``; ``key`` names
    projects (their id by default), in their order, the rules' last tie-break."""
    name = key or (lambda project: str(project.id))
    names = {project.id: name(project) for project in projects}
    vote_type = VoteType(budget.ballot_type)
    return Election(
        budget=Fraction(budget.total, CENTS),
        projects={
            names[p.id]: Project(names[p.id], Fraction(p.amount, CENTS), _fields(p))
            for p in projects
        },
        voters=await _voters(session, budget.id, names, vote_type),
        vote_type=vote_type,
        meta=meta,
    )


async def _voters(
    session: AsyncSession, budget_id: int, names: dict[int, str], vote_type: VoteType
) -> list[Voter]:
    """Cast ballots in one query, items in ballot order (rank, when ordinal)."""
    rows = await session.execute(
        select(
            Ballot.id,
            Ballot.voter_code,
            BallotItem.project_id,
            BallotItem.points,
        )
        .join(BallotItem, BallotItem.ballot_id == Ballot.id)
        .where(Ballot.budget_id == budget_id, Ballot.checked_out_at.is_not(None))
        .order_by(Ballot.id, BallotItem.rank, BallotItem.project_id)
    )
    voters: list[Voter] = []
    current: int | None = None
    vote: list[str] = []
    points: list[int] = []
    code: str | None = None
    for ballot_id, voter_code, project_id, given in rows:
        if ballot_id != current:
            if current is not None:
                voters.append(_voter(current, code, vote, points, vote_type))
            current, code, vote, points = ballot_id, voter_code, [], []
        vote.append(names[project_id])
        points.append(given)
    if current is not None:
        voters.append(_voter(current, code, vote, points, vote_type))
    return voters


def _voter(
    ballot_id: int,
    code: str | None,
    vote: list[str],
    points: list[int],
    vote_type: VoteType,
) -> Voter:
    # Online ballots are named by the ballot, never by the voter's account.
    return Voter(
        code or str(ballot_id),
        tuple(vote),
        tuple(points) if vote_type.has_points else None,
    )


def _fields(project: BudgetProject) -> dict[str, str]:
    """The project's pabulib columns: its name, then what its file had."""
    name = next(iter(project.title.values()), "") if project.title else ""
    return {"name": name, **project.pabulib_fields}


async def _projects(session: AsyncSession, budget_id: int) -> list[BudgetProject]:
    return list(
        (
            await session.scalars(
                select(BudgetProject)
                .where(BudgetProject.budget_id == budget_id)
                .order_by(BudgetProject.position, BudgetProject.id)
            )
        ).all()
    )


def _keep(projects: list[BudgetProject], decisions: Iterable[Decision]) -> None:
    by_id = {str(project.id): project for project in projects}
    for decision in decisions:
        project = by_id[decision.project_id]
        project.selected = decision.selected
        project.selection_reason = decision.reason.value
        project.outcome_score = decision.score
        project.outcome_position = decision.position


def _in_selection_order(projects: list[BudgetProject]) -> list[BudgetProject]:
    chosen = [p for p in projects if p.selected]
    return sorted(chosen, key=lambda p: p.outcome_position or 0)


def _rule_meta(budget: Budget, data: OutcomeCompute) -> dict[str, str]:
    """The budget's META with the chosen rule (and only its threshold)."""
    meta = {k: v for k, v in budget.pabulib_meta.items() if k != THRESHOLD_KEY}
    meta["rule"] = data.rule.value
    if data.threshold is not None:
        meta[THRESHOLD_KEY] = str(data.threshold)
    return meta


def _ensure_voting_over(view: BudgetView) -> None:
    if view.switches.votes_enabled:
        raise ConflictError(
            f"Voting in budget {view.budget.id} is open; close it first.",
            error_code="voting_open",
        )


def _log(
    session: AsyncSession,
    actor: User,
    action: str,
    budget: Budget,
    component: Component,
    changes: dict[str, Any],
    public: bool = False,
) -> None:
    action_log.record(
        session,
        actor,
        action,
        object_type="budget",
        object_id=budget.id,
        space_id=component.space_id,
        changes=changes,
        public=public,
    )
