"""Voting: a voter's ballot in a budget, its checkout, and paper ballots.

Every change to an online ballot locks the ballot's row first, so that its
total never exceeds the budget however many requests change it at once; the
ballot itself is created with an insert that yields to a concurrent one (one
ballot per user and budget is a unique constraint). Vote counters change
with atomic updates in the transaction of the checkout or cancellation.
"""

from collections import Counter
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from app.models.base import utcnow
from app.models.budgets import (
    Ballot,
    BallotItem,
    BallotSource,
    BallotType,
    Budget,
    BudgetProject,
)
from app.models.components import Component
from app.models.taxonomies import ResidentDeclaration, Scope
from app.models.users import User
from app.schemas.budgets import BallotRead, PaperBallotsCreate, PaperBallotsRecorded
from app.schemas.components import (
    MinimumPercentRule,
    MinimumProjectsRule,
    ProjectsRangeRule,
)
from app.services import action_log, outbox
from app.services.budgets import (
    BudgetView,
    budget_for,
    budget_settings,
    event_payload,
    get_budget_view,
    joined,
)
from app.services.conversation import insert_ignoring_duplicates
from app.services.taxonomies import scope_filter
from app.services.visibility import participable_spaces


async def get_ballot(session: AsyncSession, user: User, budget_id: int) -> BallotRead:
    """The voter's ballot; an empty one when they have not started."""
    view = await get_budget_view(session, user, budget_id)
    ballot = await _ballot_of(session, view.budget.id, user.id)
    return await ballot_read(session, view, ballot)


async def add_project(
    session: AsyncSession, user: User, budget_id: int, project_id: int
) -> BallotRead:
    """Put a project on the voter's ballot, if it fits in what is left."""
    view = await _view_for_voter(session, user, budget_id)
    project = await _project_in(session, view.budget, project_id)
    ballot = await _lock_or_create(session, view, user)
    _ensure_editable(ballot)
    if await _item(session, ballot.id, project.id) is not None:
        return await ballot_read(session, view, ballot)

    _ensure_room(view, ballot, project)
    session.add(BallotItem(ballot_id=ballot.id, project_id=project.id, points=1))
    ballot.total += project.amount
    ballot.projects_count += 1
    await session.flush()
    return await ballot_read(session, view, ballot)


async def remove_project(
    session: AsyncSession, user: User, budget_id: int, project_id: int
) -> BallotRead:
    """Take a project off the voter's ballot; an emptied ballot goes away."""
    view = await _view_for_voter(session, user, budget_id)
    ballot = await _lock(session, view.budget.id, user.id)
    _ensure_editable(ballot)
    item = await _item(session, ballot.id, project_id)
    if item is None:
        raise NotFoundError(f"Project {project_id} is not on your ballot.")

    amount = await session.scalar(
        select(BudgetProject.amount).where(BudgetProject.id == project_id)
    )
    await session.delete(item)
    await session.flush()
    ballot.total -= amount or 0
    ballot.projects_count -= 1
    if ballot.projects_count == 0:
        await session.delete(ballot)
        await session.flush()
        return await ballot_read(session, view, None)
    await session.flush()
    return await ballot_read(session, view, ballot)


async def check_out(session: AsyncSession, user: User, budget_id: int) -> BallotRead:
    """Cast the ballot, once it meets the component's vote rule."""
    view = await _view_for_voter(session, user, budget_id)
    ballot = await _lock(session, view.budget.id, user.id)
    if ballot.checked_out_at is not None:
        raise ConflictError("Your ballot is already checked out.")
    problem = rule_problem(view, ballot)
    if problem is not None:
        raise ConflictError(problem, error_code="vote_rule_not_met")

    ballot.checked_out_at = utcnow()
    await _count(session, ballot, +1)
    await session.flush()

    outbox.emit(
        session,
        "budget.ballot_checked_out",
        event_payload(view.budget, view.component) | {"ballot_id": ballot.id},
    )
    return await ballot_read(session, view, ballot)


async def cancel(session: AsyncSession, user: User, budget_id: int) -> None:
    """Withdraw the voter's ballot, cast or not, while voting is open."""
    view = await _view_for_voter(session, user, budget_id)
    ballot = await _lock(session, view.budget.id, user.id)

    if ballot.checked_out_at is not None:
        await _count(session, ballot, -1)
        outbox.emit(
            session,
            "budget.ballot_cancelled",
            event_payload(view.budget, view.component) | {"ballot_id": ballot.id},
        )
    await session.delete(ballot)
    await session.flush()


async def ballot_read(
    session: AsyncSession, view: BudgetView, ballot: Ballot | None
) -> BallotRead:
    project_ids: list[int] = []
    if ballot is not None:
        project_ids = list(
            await session.scalars(
                select(BallotItem.project_id)
                .where(BallotItem.ballot_id == ballot.id)
                .order_by(BallotItem.project_id)
            )
        )
    total = ballot.total if ballot else 0
    return BallotRead(
        budget_id=view.budget.id,
        project_ids=project_ids,
        total=total,
        projects_count=len(project_ids),
        remaining=view.budget.total - total,
        rule_met=ballot is not None and rule_problem(view, ballot) is None,
        checked_out_at=ballot.checked_out_at if ballot else None,
    )


def rule_problem(view: BudgetView, ballot: Ballot) -> str | None:
    """Why the ballot may not be checked out under the vote rule; None if it may."""
    rule = budget_settings(view.component).vote_rule
    count, total = ballot.projects_count, ballot.total
    if count == 0:
        return "Choose at least one project."
    if isinstance(rule, MinimumPercentRule):
        needed = -(-view.budget.total * rule.percent // 100)
        met, problem = total >= needed, f"Spend at least {rule.percent}% ({needed})."
    elif isinstance(rule, MinimumProjectsRule):
        met = count >= rule.minimum_projects
        problem = f"Choose at least {rule.minimum_projects} projects."
    else:
        met = rule.min_projects <= count <= rule.max_projects
        problem = f"Choose {rule.min_projects} to {rule.max_projects} projects."
    return None if met else problem


def _ensure_room(view: BudgetView, ballot: Ballot, project: BudgetProject) -> None:
    rule = budget_settings(view.component).vote_rule
    if (
        isinstance(rule, ProjectsRangeRule)
        and ballot.projects_count >= rule.max_projects
    ):
        raise ConflictError(
            f"A ballot holds at most {rule.max_projects} projects.",
            error_code="ballot_full",
        )
    if ballot.total + project.amount > view.budget.total:
        raise ConflictError(
            f"Project {project.id} costs {project.amount}; only "
            f"{view.budget.total - ballot.total} of the budget is left.",
            error_code="budget_exceeded",
        )


def _ensure_editable(ballot: Ballot) -> None:
    if ballot.checked_out_at is not None:
        raise ConflictError(
            "Your ballot is checked out; cancel it to change it.",
            error_code="ballot_checked_out",
        )


async def _count(session: AsyncSession, ballot: Ballot, delta: int) -> None:
    """Add ``delta`` to the counters of the ballot's projects and budget."""
    chosen = select(BallotItem.project_id).where(BallotItem.ballot_id == ballot.id)
    await session.execute(
        update(BudgetProject)
        .where(BudgetProject.id.in_(chosen))
        .values(votes_count=BudgetProject.votes_count + delta)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Budget)
        .where(Budget.id == ballot.budget_id)
        .values(ballots_count=Budget.ballots_count + delta)
        .execution_options(synchronize_session=False)
    )


# Who may vote where


async def _view_for_voter(
    session: AsyncSession, user: User, budget_id: int
) -> BudgetView:
    """The budget, once ``user`` may vote in it now (404, 403, then 409)."""
    view = await get_budget_view(session, user, budget_id)
    open_to_user = await session.scalar(
        joined(select(Budget.id), Budget.component_id).where(
            Budget.id == view.budget.id, participable_spaces(user)
        )
    )
    if open_to_user is None:
        raise PermissionDeniedError("Only the space's members may vote here.")
    if view.component.published_at is None or not view.switches.votes_enabled:
        raise ConflictError(
            f"Voting in budget {view.budget.id} is closed.", error_code="voting_closed"
        )
    _ensure_approval(view.budget)
    if budget_settings(view.component).voter_budget_choice == "by_residence":
        await _ensure_resident(session, user, view.budget)
    return view


def _ensure_approval(budget: Budget) -> None:
    """Online and paper ballots approve projects; an imported budget of another
    type keeps the ballots it came with."""
    if budget.ballot_type != BallotType.APPROVAL:
        raise ConflictError(
            f"Budget {budget.id} holds {budget.ballot_type} ballots; it takes "
            "no approval ballots.",
            error_code="ballot_type_mismatch",
        )


async def _ensure_resident(session: AsyncSession, user: User, budget: Budget) -> None:
    """A budget of a territory takes only ballots of those who declared living there."""
    if budget.scope_id is None:
        return
    declared = await session.scalar(
        select(ResidentDeclaration.scope_id).where(
            ResidentDeclaration.user_id == user.id
        )
    )
    if declared is None:
        raise PermissionDeniedError(
            "Declare where you live to vote in this budget.",
            error_code="residence_required",
        )
    inside = await session.scalar(
        select(Scope.id).where(
            Scope.id == declared, scope_filter(Scope.id, budget.scope_id)
        )
    )
    if inside is None:
        raise PermissionDeniedError(
            "This budget is for residents of another territory.",
            error_code="residence_elsewhere",
        )


async def _ensure_one_budget(
    session: AsyncSession, view: BudgetView, user: User
) -> None:
    """Under "any" and "by_residence" a voter votes in one budget of the component.

    The user's row lock orders their first additions in different budgets.
    """
    await session.execute(select(User.id).where(User.id == user.id).with_for_update())
    elsewhere = await session.scalar(
        select(Ballot.budget_id)
        .join(Budget, Budget.id == Ballot.budget_id)
        .where(
            Ballot.user_id == user.id,
            Budget.component_id == view.component.id,
            Budget.id != view.budget.id,
        )
        .limit(1)
    )
    if elsewhere is not None:
        raise ConflictError(
            f"You already vote in budget {elsewhere}; one budget per voter here.",
            error_code="other_budget_chosen",
        )


async def _lock_or_create(
    session: AsyncSession, view: BudgetView, user: User
) -> Ballot:
    budget_id = view.budget.id
    choice = budget_settings(view.component).voter_budget_choice
    if await _ballot_of(session, budget_id, user.id) is None:
        # Voters share this lock; a change of the vote rules takes it alone,
        # so it sees every ballot begun before it (see budgets._ensure_rules_kept).
        await session.execute(
            select(Component.id)
            .where(Component.id == view.component.id)
            .with_for_update(read=True)
        )
        if choice in ("any", "by_residence"):
            # Residence picks the one budget; a voter who moves keeps the
            # ballot begun where they lived.
            await _ensure_one_budget(session, view, user)
    now = utcnow()
    await session.execute(
        insert_ignoring_duplicates(
            session,
            Ballot,
            {
                "budget_id": budget_id,
                "user_id": user.id,
                "source": BallotSource.ONLINE,
                "total": 0,
                "projects_count": 0,
                "created_at": now,
                "updated_at": now,
            },
        )
    )
    return await _lock(session, budget_id, user.id)


async def _lock(session: AsyncSession, budget_id: int, user_id: int) -> Ballot:
    """The user's ballot row, re-read and held until the transaction ends."""
    ballot = await session.scalar(
        select(Ballot)
        .where(Ballot.budget_id == budget_id, Ballot.user_id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if ballot is None:
        raise NotFoundError("You have no ballot in this budget.")
    return ballot


async def _ballot_of(
    session: AsyncSession, budget_id: int, user_id: int
) -> Ballot | None:
    ballot: Ballot | None = await session.scalar(
        select(Ballot).where(Ballot.budget_id == budget_id, Ballot.user_id == user_id)
    )
    return ballot


async def _item(
    session: AsyncSession, ballot_id: int, project_id: int
) -> BallotItem | None:
    return await session.get(BallotItem, (ballot_id, project_id))


async def _project_in(
    session: AsyncSession, budget: Budget, project_id: int
) -> BudgetProject:
    project = await session.get(BudgetProject, project_id)
    if project is None or project.budget_id != budget.id:
        raise NotFoundError(f"Budget {budget.id} has no project {project_id}.")
    return project


# Paper ballots


async def record_paper_ballots(
    session: AsyncSession, actor: User, budget_id: int, data: PaperBallotsCreate
) -> PaperBallotsRecorded:
    """Record ballots cast in person; they count apart from online ones."""
    budget, component = await budget_for(session, actor, budget_id, lock=True)
    if budget.outcome_published_at is not None:
        raise ConflictError(f"Budget {budget.id}'s outcome is published.")
    _ensure_approval(budget)
    rows = await session.execute(
        select(BudgetProject.id, BudgetProject.amount).where(
            BudgetProject.budget_id == budget.id
        )
    )
    amounts: dict[int, int] = {project_id: amount for project_id, amount in rows}
    _ensure_valid_paper(data.ballots, amounts, budget.total)

    # Numbered after those recorded before, under the budget's row lock.
    first = budget.paper_ballots_count + 1
    recorded: list[CastBallot] = [
        (f"paper-{first + number}", [(project, 1, None) for project in ballot])
        for number, ballot in enumerate(data.ballots)
    ]
    await insert_ballots(session, budget.id, BallotSource.PAPER, recorded, amounts)
    await _count_paper(session, budget, data.ballots)

    changes = {"paper_ballots": [None, len(data.ballots)]}
    action_log.record(
        session,
        actor,
        "budget.paper_ballots_recorded",
        object_type="budget",
        object_id=budget.id,
        space_id=component.space_id,
        changes=changes,
    )
    outbox.emit(
        session,
        "budget.paper_ballots_recorded",
        event_payload(budget, component) | {"count": len(data.ballots)},
    )
    return PaperBallotsRecorded(recorded=len(data.ballots))


def _ensure_valid_paper(
    ballots: list[list[int]], amounts: dict[int, int], total: int
) -> None:
    for number, ballot in enumerate(ballots):
        unknown = [project for project in ballot if project not in amounts]
        if unknown:
            raise _paper_error(number, f"budget has no project {unknown[0]}")
        if sum(amounts[project] for project in ballot) > total:
            raise _paper_error(number, "costs more than the budget")


def _paper_error(number: int, message: str) -> InvalidInputError:
    return InvalidInputError(
        f"Paper ballot {number}: {message}.",
        errors=[{"field": f"ballots.{number}", "location": "body", "message": message}],
    )


async def _count_paper(
    session: AsyncSession, budget: Budget, ballots: list[list[int]]
) -> None:
    tally = Counter(project for ballot in ballots for project in ballot)
    for project_id, votes in tally.items():
        await session.execute(
            update(BudgetProject)
            .where(BudgetProject.id == project_id)
            .values(paper_votes_count=BudgetProject.paper_votes_count + votes)
            .execution_options(synchronize_session=False)
        )
    await session.execute(
        update(Budget)
        .where(Budget.id == budget.id)
        .values(paper_ballots_count=Budget.paper_ballots_count + len(ballots))
        .execution_options(synchronize_session=False)
    )


Choice = tuple[int, int, int | None]
"""A project on a ballot: its id, its points, its rank (ordinal ballots)."""

CastBallot = tuple[str, list[Choice]]
"""A ballot to record: the code naming it within its budget, its choices."""

_CHUNK = 5_000
_BALLOTS = cast(Table, Ballot.__table__)
_ITEMS = cast(Table, BallotItem.__table__)
_BALLOT_COLUMNS = (
    "budget_id",
    "user_id",
    "source",
    "voter_code",
    "total",
    "projects_count",
    "checked_out_at",
    "created_at",
    "updated_at",
)
_ITEM_COLUMNS = ("ballot_id", "project_id", "points", "rank")


async def insert_ballots(
    session: AsyncSession,
    budget_id: int,
    source: BallotSource,
    ballots: list[CastBallot],
    amounts: dict[int, int],
) -> None:
    """Insert cast ballots and their items in bulk (paper or imported).

    Rows go straight to the driver's executemany, without RETURNING (which
    SQLite would run row by row); the ids are then read back by code.
    """
    connection = await session.connection()
    now = _bound(connection, "checked_out_at", utcnow())
    rows = [
        (
            budget_id,
            None,
            source.value,
            code,
            sum(amounts[project] for project, _, _ in choices),
            len(choices),
            now,
            now,
            now,
        )
        for code, choices in ballots
    ]
    for start in range(0, len(rows), _CHUNK):
        await _executemany(
            connection, _BALLOTS, _BALLOT_COLUMNS, rows[start : start + _CHUNK]
        )

    found = await session.execute(
        select(Ballot.voter_code, Ballot.id).where(
            Ballot.budget_id == budget_id, Ballot.source == source
        )
    )
    ids = {code: ballot_id for code, ballot_id in found}
    items = [
        (ids[code], project, points, rank)
        for code, choices in ballots
        for project, points, rank in choices
    ]
    for start in range(0, len(items), _CHUNK * 4):
        await _executemany(
            connection, _ITEMS, _ITEM_COLUMNS, items[start : start + _CHUNK * 4]
        )


async def _executemany(
    connection: AsyncConnection,
    table: Table,
    columns: tuple[str, ...],
    rows: list[tuple[Any, ...]],
) -> None:
    """INSERT ``rows`` (values already in the driver's form) in one round trip:
    COPY on PostgreSQL, an executemany elsewhere."""
    if connection.dialect.name == "postgresql":
        raw = await connection.get_raw_connection()
        await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
            table.name, records=rows, columns=columns
        )
        return
    statement = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) "  # noqa: S608
        f"VALUES ({', '.join('?' * len(columns))})"
    )
    await connection.exec_driver_sql(statement, rows)


def _bound(connection: AsyncConnection, column: str, value: Any) -> Any:
    """``value`` as the column's type hands it to the driver."""
    process = _BALLOTS.c[column].type.bind_processor(connection.dialect)
    return value if process is None else process(value)
