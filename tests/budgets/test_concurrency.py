"""Races on PostgreSQL (real commits, separate connections): ballots never
exceed their budget, one ballot per voter and budget, counters equal ballots."""

import asyncio

import httpx
from sqlalchemy import func, select

from app.models.budgets import Ballot, BallotItem, Budget, BudgetProject
from app.models.users import User, UserRole
from app.runtime import Runtime
from tests import builders
from tests.budgets.conftest import (
    API,
    ballot_path,
    budgets_component,
    make_budget,
    project,
)


async def arrange(
    runtime: Runtime, amounts: list[int], *, voters: int = 1, budgets: int = 1
) -> tuple[list[Budget], list[list[BudgetProject]], list[User]]:
    async with runtime.sessionmaker() as session:
        space = await builders.space(session)
        component = await budgets_component(session, space)
        made = [
            await make_budget(session, component, total=100) for _ in range(budgets)
        ]
        projects = [
            [await project(session, b, amount) for amount in amounts] for b in made
        ]
        users = [await builders.user(session, runtime) for _ in range(voters)]
        await session.commit()
    return made, projects, users


async def ballots_of(runtime: Runtime, budget_id: int) -> list[tuple[int, int, int]]:
    """(total, projects_count, items actually held) of each ballot of the budget."""
    async with runtime.sessionmaker() as session:
        held = (
            select(func.count())
            .where(BallotItem.ballot_id == Ballot.id)
            .scalar_subquery()
        )
        rows = await session.execute(
            select(Ballot.total, Ballot.projects_count, held).where(
                Ballot.budget_id == budget_id
            )
        )
        return [(total, count, items) for total, count, items in rows]


async def test_three_parallel_additions_keep_only_what_fits(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    [budget], [projects], [voter] = await arrange(committed_runtime, [60, 50, 40])
    headers = builders.bearer(committed_runtime, voter)

    answers = await asyncio.gather(
        *(
            committed_client.put(ballot_path(budget.id, chosen.id), headers=headers)
            for chosen in projects
        )
    )

    statuses = [answer.status_code for answer in answers]
    kept = sum(
        chosen.amount
        for chosen, status in zip(projects, statuses, strict=True)
        if status == 200
    )
    assert set(statuses) <= {200, 409}
    assert 409 in statuses
    [(total, count, items)] = await ballots_of(committed_runtime, budget.id)
    assert total == kept <= 100
    assert count == items == statuses.count(200)


async def test_ten_parallel_first_additions_create_one_ballot(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    [budget], [projects], [voter] = await arrange(committed_runtime, [10] * 10)
    headers = builders.bearer(committed_runtime, voter)

    answers = await asyncio.gather(
        *(
            committed_client.put(ballot_path(budget.id, chosen.id), headers=headers)
            for chosen in projects
        )
    )

    assert [answer.status_code for answer in answers] == [200] * 10
    assert await ballots_of(committed_runtime, budget.id) == [(100, 10, 10)]


async def test_one_budget_per_voter_holds_against_parallel_first_additions(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    budgets, projects, [voter] = await arrange(committed_runtime, [10], budgets=4)
    headers = builders.bearer(committed_runtime, voter)

    answers = await asyncio.gather(
        *(
            committed_client.put(ballot_path(b.id, chosen[0].id), headers=headers)
            for b, chosen in zip(budgets, projects, strict=True)
        )
    )

    assert sorted(answer.status_code for answer in answers) == [200, 409, 409, 409]
    async with committed_runtime.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Ballot)) == 1


async def test_parallel_checkouts_and_cancellations_keep_counters_equal_to_ballots(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    [budget], [projects], voters = await arrange(committed_runtime, [40, 30], voters=12)
    every = [builders.bearer(committed_runtime, voter) for voter in voters]
    for headers in every:
        for chosen in projects:
            added = await committed_client.put(
                ballot_path(budget.id, chosen.id), headers=headers
            )
            assert added.status_code == 200, added.text

    checkouts = [
        committed_client.post(ballot_path(budget.id) + "/checkout", headers=headers)
        for headers in every
    ]
    cancellations = [
        committed_client.delete(ballot_path(budget.id), headers=headers)
        for headers in every[:4]
    ]
    answers = await asyncio.gather(*checkouts, *cancellations)

    assert {answer.status_code for answer in answers} <= {200, 204, 404}
    async with committed_runtime.sessionmaker() as session:
        cast = await session.scalar(
            select(func.count()).where(
                Ballot.budget_id == budget.id, Ballot.checked_out_at.is_not(None)
            )
        )
        counted = await session.scalar(
            select(Budget.ballots_count).where(Budget.id == budget.id)
        )
        votes = await session.scalars(
            select(BudgetProject.votes_count).where(
                BudgetProject.budget_id == budget.id
            )
        )
        assert counted == cast
        assert set(votes) == {cast}
        assert cast is not None and 8 <= cast <= 12


async def test_a_rule_change_racing_first_ballots_is_refused_if_any_came_first(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    [budget], [projects], voters = await arrange(committed_runtime, [10], voters=6)
    async with committed_runtime.sessionmaker() as session:
        admin = await builders.user(session, committed_runtime, role=UserRole.ADMIN)
        await session.commit()
    additions = [
        committed_client.put(
            ballot_path(budget.id, projects[0].id),
            headers=builders.bearer(committed_runtime, voter),
        )
        for voter in voters
    ]
    change = committed_client.patch(
        f"{API}/components/{budget.component_id}",
        json={"settings": {"vote_rule": {"rule": "minimum_projects"}}},
        headers=builders.bearer(committed_runtime, admin),
    )

    answers = await asyncio.gather(*additions[:3], change, *additions[3:])

    changed = answers[3]
    assert [answer.status_code for answer in answers[:3] + answers[4:]] == [200] * 6
    assert changed.status_code in {200, 409}, changed.text
    if changed.status_code == 409:
        assert changed.json()["error_code"] == "budget_has_ballots"
