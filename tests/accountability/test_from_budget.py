"""Results made from the projects a budget's published outcome selected."""

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.budgets import Budget, BudgetProjectProposal
from app.models.components import ComponentType
from tests import builders
from tests.accountability.conftest import API, Cast, result, status
from tests.budgets.conftest import budgets_component, make_budget, project


async def decided_budget(session: AsyncSession, cast: Cast) -> tuple[Budget, list[int]]:
    """A budget whose outcome funds two of its three projects."""
    component = await budgets_component(session, cast.space)
    budget = await make_budget(session, component, total=300)
    funded = await project(session, budget, 100, selected=True, outcome_position=2)
    first = await project(session, budget, 150, selected=True, outcome_position=1)
    await project(session, budget, 200, selected=False)
    proposals = await builders.component(
        session, cast.space, type=ComponentType.PROPOSALS
    )
    origin = await builders.proposal(session, proposals, None)
    elsewhere = await builders.component(
        session, await builders.space(session), type=ComponentType.PROPOSALS
    )
    foreign = await builders.proposal(session, elsewhere, None)
    session.add_all(
        [
            BudgetProjectProposal(project_id=first.id, proposal_id=origin.id),
            BudgetProjectProposal(project_id=first.id, proposal_id=foreign.id),
        ]
    )
    budget.outcome_published_at = utcnow()
    await session.flush()
    return budget, [first.id, funded.id, origin.id]


async def test_each_selected_project_becomes_a_linked_result_once(
    client: httpx.AsyncClient, session: AsyncSession, cast: Cast
) -> None:
    budget, (first, funded, origin) = await decided_budget(session, cast)
    started = await status(session, cast.component, "em_execucao", 10)
    url = f"{API}/components/{cast.component.id}/results/from-budget"
    body = {"budget_id": budget.id, "status_id": started.id}

    made = await client.post(url, json=body, headers=cast.space_admin.headers)
    again = await client.post(url, json=body, headers=cast.space_admin.headers)

    assert made.status_code == 201, made.text
    created = made.json()["created"]
    assert len(created) == 2
    assert again.json() == {"created": [], "existing": created}
    shown = (await client.get(f"{API}/results/{created[0]}")).json()
    assert shown["title"] == {"pt-BR": "Projeto de 150"}
    assert shown["progress"] == 10
    assert shown["links"] == [
        {"resource_type": "budget_project", "resource_id": first},
        {"resource_type": "proposal", "resource_id": origin},
    ]
    second = (await client.get(f"{API}/results/{created[1]}")).json()
    assert second["links"] == [
        {"resource_type": "budget_project", "resource_id": funded}
    ]


async def test_results_go_under_a_parent_that_follows_them(
    client: httpx.AsyncClient, session: AsyncSession, cast: Cast
) -> None:
    budget, _ = await decided_budget(session, cast)
    parent = await result(session, cast.component, progress=90)

    made = await client.post(
        f"{API}/components/{cast.component.id}/results/from-budget",
        json={"budget_id": budget.id, "parent_id": parent.id},
        headers=cast.space_admin.headers,
    )

    assert made.status_code == 201, made.text
    shown = (await client.get(f"{API}/results/{parent.id}")).json()
    assert shown["children_count"] == 2
    assert shown["progress"] == 0


async def test_an_unpublished_outcome_selects_nothing_yet(
    client: httpx.AsyncClient, session: AsyncSession, cast: Cast
) -> None:
    budget, _ = await decided_budget(session, cast)
    budget.outcome_published_at = None
    await session.flush()

    answer = await client.post(
        f"{API}/components/{cast.component.id}/results/from-budget",
        json={"budget_id": budget.id},
        headers=cast.space_admin.headers,
    )

    assert answer.status_code == 409


async def test_a_budget_of_another_space_is_refused(
    client: httpx.AsyncClient, session: AsyncSession, cast: Cast
) -> None:
    other = await builders.space(session)
    budget = await make_budget(session, await budgets_component(session, other))

    answer = await client.post(
        f"{API}/components/{cast.component.id}/results/from-budget",
        json={"budget_id": budget.id},
        headers=cast.space_admin.headers,
    )

    assert answer.status_code == 422


async def test_participants_may_not(
    client: httpx.AsyncClient, session: AsyncSession, cast: Cast
) -> None:
    budget, _ = await decided_budget(session, cast)

    answer = await client.post(
        f"{API}/components/{cast.component.id}/results/from-budget",
        json={"budget_id": budget.id},
        headers=cast.participant.headers,
    )

    assert answer.status_code == 403
