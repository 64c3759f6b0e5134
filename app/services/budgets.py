"""Budgets and their projects: who sees what, and how admins shape them.

Vote counts are shown only when the component's ``show_votes`` setting is on
and voting is over (the ``votes_enabled`` switch off, ``votes_hidden`` off);
otherwise every output carries null in their place, to the team too.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    exists,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import ConflictError, InvalidInputError, NotFoundError
from app.models.base import utcnow
from app.models.budgets import (
    Ballot,
    Budget,
    BudgetProject,
    BudgetProjectProposal,
)
from app.models.components import Component, ComponentType
from app.models.proposals import Proposal
from app.models.spaces import Phase, Space
from app.models.taxonomies import Area, Scope
from app.models.users import User
from app.schemas.budgets import (
    BudgetCreate,
    BudgetProjectCreate,
    BudgetProjectRead,
    BudgetProjectUpdate,
    BudgetRead,
    BudgetUpdate,
)
from app.schemas.components import BudgetsSettings, Switches, stored_settings
from app.services import action_log, search
from app.services.components import (
    effective_switches,
    ensure_type,
    get_component_for,
    get_readable_component,
    guard_settings,
    switches_in_force,
)
from app.services.permissions import Action
from app.services.resources import ResourceKind, readable_ids, register
from app.services.richtext import sanitize_translations
from app.services.taxonomies import scope_filter
from app.services.visibility import previewable_spaces, readable_components

AnySelect = TypeVar("AnySelect", bound=Select[*tuple[Any, ...]])

RULE_FIELDS = ("vote_rule", "voter_budget_choice")
"""Settings that decide whether a ballot counts: frozen once ballots exist."""


def budget_settings(component: Component) -> BudgetsSettings:
    settings = stored_settings(component)
    assert isinstance(settings, BudgetsSettings)
    return settings


def counts_visible(component: Component, switches: Switches) -> bool:
    """Whether vote counts may leave the database now."""
    settings = budget_settings(component)
    return (
        settings.show_votes and not switches.votes_enabled and not switches.votes_hidden
    )


def joined(query: AnySelect, column: Any) -> AnySelect:
    """The query joined, through ``column``, to its component and space."""
    return query.join(Component, Component.id == column).join(
        Space, Space.id == Component.space_id
    )


def _restrict_projects(
    query: Select[Any], viewer: User | None, _now: datetime
) -> Select[Any]:
    return joined(query, BudgetProject.component_id).where(readable_components(viewer))


def _accepts_comments(_project: BudgetProject, _now: datetime) -> bool:
    return True


register(
    ResourceKind(
        "budget_project",
        BudgetProject,
        _restrict_projects,
        component_column=BudgetProject.component_id,
        commentable=True,
        comments_count=BudgetProject.comments_count,
        accepts_comments=_accepts_comments,
    )
)


@dataclass(frozen=True, slots=True)
class BudgetView:
    """A budget as one reader sees it: in force switches, team or not."""

    budget: Budget
    component: Component
    switches: Switches
    team: bool

    @property
    def counts_visible(self) -> bool:
        return counts_visible(self.component, self.switches)

    @property
    def outcome_visible(self) -> bool:
        return self.budget.outcome_published_at is not None or self.team


def _budget_rows(
    viewer: User | None,
) -> Select[Budget, Component, int, bool]:
    return joined(
        select(Budget, Component, Phase.id, previewable_spaces(viewer)),
        Budget.component_id,
    ).outerjoin(Phase, and_(Phase.space_id == Component.space_id, Phase.active))


def _view(row: Any) -> BudgetView:
    budget, component, phase_id, team = row
    return BudgetView(
        budget, component, switches_in_force(component, phase_id), bool(team)
    )


async def get_budget_view(
    session: AsyncSession, viewer: User | None, budget_id: int
) -> BudgetView:
    """The budget, if ``viewer`` may read it; otherwise 404 (one query)."""
    row = (
        await session.execute(
            _budget_rows(viewer).where(
                Budget.id == budget_id, readable_components(viewer)
            )
        )
    ).first()
    if row is None:
        raise NotFoundError(f"There is no budget {budget_id}.")
    return _view(row)


async def budget_views(
    session: AsyncSession, viewer: User | None, budget_ids: list[int]
) -> list[BudgetView]:
    """The budgets of these ids ``viewer`` may read, in one query, any order."""
    if not budget_ids:
        return []
    query = _budget_rows(viewer).where(
        Budget.id.in_(budget_ids), readable_components(viewer)
    )
    return [_view(row) for row in await session.execute(query)]


async def list_budgets(
    session: AsyncSession,
    viewer: User | None,
    component_id: int,
    *,
    after: tuple[int, int] | None,
    limit: int,
) -> list[BudgetView]:
    """A component's budgets by position, ``limit + 1`` to tell if more."""
    await get_readable_component(session, viewer, component_id)
    query = (
        _budget_rows(viewer)
        .where(Budget.component_id == component_id, readable_components(viewer))
        .order_by(Budget.position, Budget.id)
        .limit(limit + 1)
    )
    if after is not None:
        position, last_id = after
        query = query.where(
            (Budget.position > position)
            | ((Budget.position == position) & (Budget.id > last_id))
        )
    return [_view(row) for row in await session.execute(query)]


def budget_read(view: BudgetView) -> BudgetRead:
    budget = view.budget
    shown = view.counts_visible
    return BudgetRead(
        id=budget.id,
        component_id=budget.component_id,
        space_id=view.component.space_id,
        position=budget.position,
        title=budget.title,
        description=budget.description,
        scope_id=budget.scope_id,
        total=budget.total,
        ballot_type=budget.ballot_type,
        ballots_count=budget.ballots_count if shown else None,
        paper_ballots_count=budget.paper_ballots_count if shown else None,
        outcome_rule=budget.outcome_rule if view.outcome_visible else None,
        outcome_published_at=budget.outcome_published_at,
        created_at=budget.created_at,
        updated_at=budget.updated_at,
    )


# Projects


@dataclass(frozen=True, slots=True)
class BudgetProjectFilters:
    scope_id: int | None = None
    area_id: int | None = None
    selected: bool | None = None


async def list_projects(
    session: AsyncSession,
    viewer: User | None,
    budget_id: int,
    filters: BudgetProjectFilters,
    *,
    after: tuple[int, int] | None,
    limit: int,
) -> list[BudgetProjectRead]:
    """A budget's projects by position, ``limit + 1`` to tell if more."""
    view = await get_budget_view(session, viewer, budget_id)
    query = (
        select(BudgetProject)
        .where(BudgetProject.budget_id == view.budget.id)
        .order_by(BudgetProject.position, BudgetProject.id)
        .limit(limit + 1)
    )
    query = query.where(*_project_conditions(view, filters))
    if after is not None:
        position, last_id = after
        query = query.where(
            (BudgetProject.position > position)
            | ((BudgetProject.position == position) & (BudgetProject.id > last_id))
        )
    projects = list((await session.scalars(query)).all())
    return await project_reads(session, viewer, view, projects)


def _project_conditions(view: BudgetView, filters: BudgetProjectFilters) -> list[Any]:
    conditions: list[Any] = []
    if filters.scope_id is not None:
        conditions.append(scope_filter(BudgetProject.scope_id, filters.scope_id))
    if filters.area_id is not None:
        conditions.append(BudgetProject.area_id == filters.area_id)
    if filters.selected is not None:
        if not view.outcome_visible:
            # Before publication nothing is selected for those outside the team.
            return [false()] if filters.selected else []
        conditions.append(
            BudgetProject.selected.is_(True)
            if filters.selected
            else or_(
                BudgetProject.selected.is_(False), BudgetProject.selected.is_(None)
            )
        )
    return conditions


async def get_project(
    session: AsyncSession, viewer: User | None, project_id: int
) -> BudgetProjectRead:
    project = await session.get(BudgetProject, project_id)
    if project is None:
        raise NotFoundError(f"There is no project {project_id}.")
    try:
        view = await get_budget_view(session, viewer, project.budget_id)
    except NotFoundError:
        raise NotFoundError(f"There is no project {project_id}.") from None
    [read] = await project_reads(session, viewer, view, [project])
    return read


async def project_reads(
    session: AsyncSession,
    viewer: User | None,
    view: BudgetView,
    projects: list[BudgetProject],
) -> list[BudgetProjectRead]:
    """The projects as ``viewer`` sees them, their proposals in one query."""
    linked = await linked_proposals(session, viewer, [p.id for p in projects])
    return [
        project_read(view, project, linked.get(project.id, [])) for project in projects
    ]


async def reads_of(
    session: AsyncSession, viewer: User | None, projects: list[BudgetProject]
) -> list[BudgetProjectRead]:
    """Projects of any budgets as ``viewer`` sees them (sync), in two queries;
    the caller has checked that ``viewer`` may read them."""
    if not projects:
        return []
    rows = await session.execute(
        _budget_rows(viewer).where(Budget.id.in_({p.budget_id for p in projects}))
    )
    views = {view.budget.id: view for view in map(_view, rows)}
    linked = await linked_proposals(session, viewer, [p.id for p in projects])
    return [project_read(views[p.budget_id], p, linked.get(p.id, [])) for p in projects]


def project_read(
    view: BudgetView, project: BudgetProject, proposal_ids: list[int]
) -> BudgetProjectRead:
    shown = view.counts_visible
    outcome = view.outcome_visible
    return BudgetProjectRead(
        id=project.id,
        budget_id=project.budget_id,
        component_id=project.component_id,
        position=project.position,
        title=project.title,
        description=project.description,
        amount=project.amount,
        scope_id=project.scope_id,
        area_id=project.area_id,
        address=project.address,
        latitude=project.latitude,
        longitude=project.longitude,
        proposal_ids=proposal_ids,
        votes_count=project.votes_count if shown else None,
        paper_votes_count=project.paper_votes_count if shown else None,
        comments_count=project.comments_count,
        selected=project.selected if outcome else None,
        selection_reason=project.selection_reason if outcome else None,
        created_at=project.created_at,
        updated_at=project.updated_at,
    )


async def linked_proposals(
    session: AsyncSession, viewer: User | None, project_ids: list[int]
) -> dict[int, list[int]]:
    if not project_ids:
        return {}
    rows = await session.execute(
        select(BudgetProjectProposal.project_id, BudgetProjectProposal.proposal_id)
        .where(
            BudgetProjectProposal.project_id.in_(project_ids),
            BudgetProjectProposal.proposal_id.in_(
                readable_ids("proposal", viewer, utcnow())
            ),
        )
        .order_by(BudgetProjectProposal.proposal_id)
    )
    linked: dict[int, list[int]] = {}
    for project_id, proposal_id in rows:
        linked.setdefault(project_id, []).append(proposal_id)
    return linked


# Writing budgets


async def budgets_component_for(
    session: AsyncSession, actor: User, component_id: int
) -> Component:
    """The budgets component, once ``actor`` may manage its space."""
    component = await get_component_for(
        session, actor, Action.MANAGE_SPACE, component_id
    )
    ensure_type(component, ComponentType.BUDGETS)
    return component


async def budget_for(
    session: AsyncSession, actor: User, budget_id: int, *, lock: bool = False
) -> tuple[Budget, Component]:
    """The budget and its component, once ``actor`` may manage them (404, 403)."""
    query = select(Budget).where(Budget.id == budget_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    budget = await session.scalar(query)
    if budget is None:
        raise NotFoundError(f"There is no budget {budget_id}.")
    component = await get_component_for(
        session, actor, Action.MANAGE_SPACE, budget.component_id
    )
    return budget, component


async def admin_view(
    session: AsyncSession, budget: Budget, component: Component
) -> BudgetView:
    return BudgetView(
        budget, component, await effective_switches(session, component), True
    )


async def create_budget(
    session: AsyncSession, actor: User, component_id: int, data: BudgetCreate
) -> BudgetRead:
    """A new budget placed after the component's others."""
    component = await budgets_component_for(session, actor, component_id)
    await _ensure_scope(session, data.scope_id)

    last = await session.scalar(
        select(func.max(Budget.position)).where(Budget.component_id == component.id)
    )
    budget = Budget(
        component_id=component.id,
        position=0 if last is None else last + 1,
        title=data.title,
        description=sanitize_translations(data.description),
        scope_id=data.scope_id,
        total=data.total,
        pabulib_meta={},
    )
    session.add(budget)
    await session.flush()

    _log(
        session,
        actor,
        "budget.created",
        budget,
        component,
        {"total": [None, budget.total]},
    )
    return budget_read(await admin_view(session, budget, component))


async def update_budget(
    session: AsyncSession, actor: User, budget_id: int, data: BudgetUpdate
) -> BudgetRead:
    """Change a budget; its total is frozen once it has ballots."""
    budget, component = await budget_for(session, actor, budget_id, lock=True)
    values = data.model_dump(exclude_unset=True)
    if "description" in values:
        values["description"] = sanitize_translations(values["description"])
    if "total" in values and values["total"] != budget.total:
        await _ensure_no_ballots(session, budget.id, "its total")
    if "scope_id" in values:
        await _ensure_scope(session, values["scope_id"])

    changes = _assign(budget, values)
    await session.flush()

    if changes:
        _log(session, actor, "budget.updated", budget, component, changes)
    return budget_read(await admin_view(session, budget, component))


async def delete_budget(session: AsyncSession, actor: User, budget_id: int) -> None:
    """Delete a budget that holds no ballots (its projects go with it)."""
    budget, component = await budget_for(session, actor, budget_id, lock=True)
    await _ensure_no_ballots(session, budget.id, "the budget")

    _log(session, actor, "budget.deleted", budget, component, {})
    # Projects go through the session, not the foreign key's cascade, so the
    # change log keeps a tombstone of each for sync and search drops them.
    for project in await session.scalars(
        select(BudgetProject).where(BudgetProject.budget_id == budget.id)
    ):
        await session.delete(project)
    await session.flush()
    await session.delete(budget)
    await session.flush()


# Writing projects


async def create_project(
    session: AsyncSession, actor: User, budget_id: int, data: BudgetProjectCreate
) -> BudgetProjectRead:
    budget, component = await budget_for(session, actor, budget_id)
    values = _project_values(data.model_dump(exclude_unset=True))
    await _ensure_references(session, values)
    proposal_ids = values.pop("proposal_ids", None) or []

    last = await session.scalar(
        select(func.max(BudgetProject.position)).where(
            BudgetProject.budget_id == budget.id
        )
    )
    project = BudgetProject(
        budget_id=budget.id,
        component_id=component.id,
        position=0 if last is None else last + 1,
        **({"description": {}} | values),
    )
    session.add(project)
    await session.flush()
    await _link_proposals(session, component, project, proposal_ids)

    _log_project(session, actor, "budget_project.created", project, component, {})
    return await _admin_project_read(session, actor, budget, component, project)


async def update_project(
    session: AsyncSession, actor: User, project_id: int, data: BudgetProjectUpdate
) -> BudgetProjectRead:
    """Change a project; its amount is frozen once its budget has ballots."""
    project = await _project(session, project_id)
    budget, component = await budget_for(session, actor, project.budget_id, lock=True)
    values = _project_values(data.model_dump(exclude_unset=True))
    await _ensure_references(session, values)
    if "amount" in values and values["amount"] != project.amount:
        await _ensure_no_ballots(session, budget.id, "a project's amount")
    proposal_ids = values.pop("proposal_ids", None)

    changes = _assign(project, values)
    if proposal_ids is not None:
        await _link_proposals(session, component, project, proposal_ids)
        changes["proposal_ids"] = [None, proposal_ids]
    await session.flush()

    if changes:
        _log_project(
            session, actor, "budget_project.updated", project, component, changes
        )
    return await _admin_project_read(session, actor, budget, component, project)


async def delete_project(session: AsyncSession, actor: User, project_id: int) -> None:
    """Delete a project no ballot of its budget can have counted yet."""
    project = await _project(session, project_id)
    budget, component = await budget_for(session, actor, project.budget_id, lock=True)
    await _ensure_no_ballots(session, budget.id, "a project")

    _log_project(session, actor, "budget_project.deleted", project, component, {})
    await session.delete(project)
    await session.flush()


async def _project(session: AsyncSession, project_id: int) -> BudgetProject:
    project = await session.get(BudgetProject, project_id)
    if project is None:
        raise NotFoundError(f"There is no project {project_id}.")
    return project


async def _admin_project_read(
    session: AsyncSession,
    actor: User,
    budget: Budget,
    component: Component,
    project: BudgetProject,
) -> BudgetProjectRead:
    view = await admin_view(session, budget, component)
    [read] = await project_reads(session, actor, view, [project])
    return read


def _project_values(values: dict[str, Any]) -> dict[str, Any]:
    if "description" in values:
        values["description"] = sanitize_translations(values["description"])
    return values


async def _link_proposals(
    session: AsyncSession,
    component: Component,
    project: BudgetProject,
    proposal_ids: list[int],
) -> None:
    """Make ``proposal_ids`` (proposals of the project's space) its links."""
    wanted = set(proposal_ids)
    found = set(
        await session.scalars(
            select(Proposal.id)
            .join(Component, Component.id == Proposal.component_id)
            .where(Proposal.id.in_(wanted), Component.space_id == component.space_id)
        )
    )
    missing = sorted(wanted - found)
    if missing:
        raise _invalid("proposal_ids", f"no proposal of this space has id {missing[0]}")
    current = set(
        await session.scalars(
            select(BudgetProjectProposal.proposal_id).where(
                BudgetProjectProposal.project_id == project.id
            )
        )
    )
    for proposal_id in current - wanted:
        link = await session.get(BudgetProjectProposal, (project.id, proposal_id))
        await session.delete(link)
    session.add_all(
        BudgetProjectProposal(project_id=project.id, proposal_id=proposal_id)
        for proposal_id in sorted(wanted - current)
    )
    await session.flush()


# Rules and guards


async def has_ballots(session: AsyncSession, condition: ColumnElement[bool]) -> bool:
    """Whether a ballot of the budgets matching ``condition`` exists."""
    found = await session.scalar(
        select(
            exists(
                select(Ballot.id)
                .join(Budget, Budget.id == Ballot.budget_id)
                .where(condition)
            )
        )
    )
    return bool(found)


async def _ensure_no_ballots(session: AsyncSession, budget_id: int, what: str) -> None:
    if await has_ballots(session, Budget.id == budget_id):
        raise ConflictError(
            f"Budget {budget_id} has ballots; {what} can no longer change.",
            error_code="budget_has_ballots",
        )


async def _ensure_rules_kept(
    session: AsyncSession, component: Component, new: dict[str, Any]
) -> None:
    """Refuse a new vote rule or budget choice once anyone has voted."""
    current = budget_settings(component).model_dump(mode="json")
    if all(current[field] == new.get(field) for field in RULE_FIELDS):
        return
    # Waits for voters who are starting a ballot (they hold the row shared).
    await session.execute(
        select(Component.id).where(Component.id == component.id).with_for_update()
    )
    if await has_ballots(session, Budget.component_id == component.id):
        raise ConflictError(
            f"Component {component.id} has ballots; its vote rules can no "
            "longer change.",
            error_code="budget_has_ballots",
        )


guard_settings(ComponentType.BUDGETS, _ensure_rules_kept)


async def _ensure_scope(session: AsyncSession, scope_id: int | None) -> None:
    if scope_id is not None and await session.get(Scope, scope_id) is None:
        raise _invalid("scope_id", f"there is no scope {scope_id}")


async def _ensure_references(session: AsyncSession, values: dict[str, Any]) -> None:
    await _ensure_scope(session, values.get("scope_id"))
    area_id = values.get("area_id")
    if area_id is not None and await session.get(Area, area_id) is None:
        raise _invalid("area_id", f"there is no area {area_id}")


def _invalid(field: str, message: str) -> InvalidInputError:
    return InvalidInputError(
        f"{field}: {message}.",
        errors=[{"field": field, "location": "body", "message": message}],
    )


def _assign(target: object, values: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for field, value in values.items():
        old = getattr(target, field)
        if old != value:
            changes[field] = [old, value]
            setattr(target, field, value)
    return changes


def event_payload(budget: Budget, component: Component) -> dict[str, Any]:
    return {
        "budget_id": budget.id,
        "component_id": component.id,
        "space_id": component.space_id,
    }


def _log(
    session: AsyncSession,
    actor: User,
    action: str,
    budget: Budget,
    component: Component,
    changes: dict[str, Any],
    *,
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


def _log_project(
    session: AsyncSession,
    actor: User,
    action: str,
    project: BudgetProject,
    component: Component,
    changes: dict[str, Any],
) -> None:
    action_log.record(
        session,
        actor,
        action,
        object_type="budget_project",
        object_id=project.id,
        space_id=component.space_id,
        changes=changes,
    )


search.register(
    search.Searchable(
        "budget_project",
        BudgetProject,
        search.in_component(
            BudgetProject,
            title=BudgetProject.title,
            body=BudgetProject.description,
            occurred_at=BudgetProject.created_at,
            scope_id=BudgetProject.scope_id,
            area_id=BudgetProject.area_id,
        ),
        watched=frozenset({"title", "description", "scope_id", "area_id"}),
    )
)
