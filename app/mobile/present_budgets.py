"""Budget and project cards of the app, and the viewer's ballot.

Hidden vote counts, outcomes and the vote rule come from the budgets and
ballots services; each function runs a fixed number of queries per page.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.mobile import cards
from app.mobile.present import Reader, images_of
from app.models.budgets import Ballot, BallotItem, BallotSource
from app.schemas.budgets import BudgetProjectRead
from app.services.ballots import rule_problem
from app.services.budgets import BudgetView, budget_read


@dataclass(frozen=True, slots=True)
class _Ballot:
    ballot: Ballot
    project_ids: list[int]


async def _ballots(
    session: AsyncSession, reader: Reader, budget_ids: Sequence[int]
) -> dict[int, _Ballot]:
    """The viewer's online ballots in these budgets, with their projects."""
    if reader.viewer is None or not budget_ids:
        return {}
    rows = await session.execute(
        select(Ballot, BallotItem.project_id)
        .outerjoin(BallotItem, BallotItem.ballot_id == Ballot.id)
        .where(
            Ballot.user_id == reader.viewer.id,
            Ballot.source == BallotSource.ONLINE,
            Ballot.budget_id.in_(budget_ids),
        )
        .order_by(Ballot.id, BallotItem.project_id)
    )
    found: dict[int, _Ballot] = {}
    for ballot, project_id in rows:
        entry = found.setdefault(ballot.budget_id, _Ballot(ballot, []))
        if project_id is not None:
            entry.project_ids.append(project_id)
    return found


def _budget_viewer(view: BudgetView, found: _Ballot | None) -> cards.BudgetViewer:
    if found is None:
        return cards.BudgetViewer(
            project_ids=[],
            total=0,
            remaining=view.budget.total,
            rule_met=False,
            why_not="Choose at least one project.",
            checked_out_at=None,
        )
    problem = rule_problem(view, found.ballot)
    return cards.BudgetViewer(
        project_ids=found.project_ids,
        total=found.ballot.total,
        remaining=view.budget.total - found.ballot.total,
        rule_met=problem is None,
        why_not=problem,
        checked_out_at=found.ballot.checked_out_at,
    )


def voting_open(view: BudgetView) -> bool:
    return view.component.published_at is not None and view.switches.votes_enabled


async def budget_cards(
    session: AsyncSession, reader: Reader, views: Sequence[BudgetView]
) -> list[cards.BudgetCard]:
    ballots = await _ballots(session, reader, [view.budget.id for view in views])
    built = []
    for view in views:
        read = budget_read(view)
        title, locale = reader.text(read.title)
        viewer = None
        if reader.viewer is not None:
            viewer = _budget_viewer(view, ballots.get(view.budget.id))
        built.append(
            cards.BudgetCard(
                id=read.id,
                locale=locale,
                space_id=read.space_id,
                component_id=read.component_id,
                title=title,
                summary=reader.plain(read.description),
                total=read.total,
                scope_id=read.scope_id,
                voting_open=voting_open(view),
                ballots_count=read.ballots_count,
                outcome_published_at=read.outcome_published_at,
                viewer=viewer,
            )
        )
    return built


async def chosen_ids(
    session: AsyncSession, reader: Reader, budget_ids: Sequence[int]
) -> set[int]:
    """The projects on the viewer's ballots in these budgets."""
    ballots = await _ballots(session, reader, budget_ids)
    return {
        project_id for entry in ballots.values() for project_id in entry.project_ids
    }


async def project_cards(
    session: AsyncSession, reader: Reader, reads: Sequence[BudgetProjectRead]
) -> list[cards.ProjectCard]:
    """Cards of projects as the budgets service showed them to the reader."""
    ids = [read.id for read in reads]
    images = await images_of(session, "budget_project", ids)
    chosen = await chosen_ids(session, reader, list({r.budget_id for r in reads}))
    return [_project_card(reader, read, images.get(read.id), chosen) for read in reads]


def _project_card(
    reader: Reader,
    read: BudgetProjectRead,
    images: list[int] | None,
    chosen: set[int],
) -> cards.ProjectCard:
    title, locale = reader.text(read.title)
    return cards.ProjectCard(
        id=read.id,
        locale=locale,
        budget_id=read.budget_id,
        component_id=read.component_id,
        title=title,
        summary=reader.plain(read.description),
        amount=read.amount,
        image_url=reader.file_url(images[0]) if images else None,
        scope_id=read.scope_id,
        area_id=read.area_id,
        address=read.address,
        latitude=read.latitude,
        longitude=read.longitude,
        votes_count=read.votes_count,
        comments_count=read.comments_count,
        selected=read.selected,
        viewer=None
        if reader.viewer is None
        else cards.ProjectViewer(chosen=read.id in chosen),
    )


async def project_detail(
    session: AsyncSession, reader: Reader, read: BudgetProjectRead
) -> cards.ProjectDetail:
    [card] = await project_cards(session, reader, [read])
    images = (await images_of(session, "budget_project", [read.id])).get(read.id, [])
    return cards.ProjectDetail(
        **card.model_dump(),
        description_html=reader.html(read.description),
        image_urls=[reader.file_url(image) for image in images],
        proposal_ids=read.proposal_ids,
        selection_reason=read.selection_reason,
    )


async def budget_detail(
    session: AsyncSession,
    reader: Reader,
    view: BudgetView,
    projects: Sequence[BudgetProjectRead],
) -> cards.BudgetDetail:
    [card] = await budget_cards(session, reader, [view])
    return cards.BudgetDetail(
        **card.model_dump(),
        description_html=reader.html(view.budget.description),
        projects=await project_cards(session, reader, projects),
    )
