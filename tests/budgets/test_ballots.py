"""Voting: building a ballot, the vote rules, checkout and cancellation."""

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.budgets import Ballot, Budget, BudgetProject
from app.models.taxonomies import ResidentDeclaration
from app.runtime import Runtime
from tests import builders
from tests.budgets.conftest import (
    CLOSED,
    Cast,
    ballot_path,
    budgets_component,
    events,
    make_budget,
    project,
    set_switches,
)


async def choose(
    client: httpx.AsyncClient, cast: Cast, *amounts: int
) -> httpx.Response:
    """Add the cast's projects of these amounts, in order; the last answer."""
    by_amount = {chosen.amount: chosen for chosen in cast.projects}
    answer = None
    for amount in amounts:
        answer = await client.put(
            ballot_path(cast.budget, by_amount[amount].id), headers=cast.voter.headers
        )
        assert answer.status_code == 200, answer.text
    assert answer is not None
    return answer


async def use_rule(session: AsyncSession, cast: Cast, rule: dict[str, Any]) -> None:
    cast.component.settings = {**cast.component.settings, "vote_rule": rule}
    await session.flush()


class TestBuildingABallot:
    async def test_adding_projects_keeps_the_total_and_what_remains(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        answer = await choose(client, cast, 60, 10)

        body = answer.json()
        assert body["total"] == 70
        assert body["remaining"] == 30
        assert body["projects_count"] == 2
        assert body["checked_out_at"] is None

    async def test_a_project_that_does_not_fit_is_refused(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        await choose(client, cast, 60)

        answer = await client.put(
            ballot_path(cast.budget, cast.projects[1].id), headers=cast.voter.headers
        )

        assert answer.status_code == 409
        assert answer.json()["error_code"] == "budget_exceeded"

    async def test_adding_the_same_project_twice_counts_it_once(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        await choose(client, cast, 40)
        answer = await choose(client, cast, 40)

        assert answer.json()["total"] == 40

    async def test_removing_the_last_project_leaves_no_ballot(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        await choose(client, cast, 40)

        answer = await client.delete(
            ballot_path(cast.budget, cast.projects[2].id), headers=cast.voter.headers
        )

        assert answer.status_code == 200
        assert answer.json()["project_ids"] == []
        assert await session.scalar(select(func.count()).select_from(Ballot)) == 0

    async def test_a_project_of_another_budget_is_not_found(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        other = await make_budget(session, cast.component)
        elsewhere = await project(session, other, 10)

        answer = await client.put(
            ballot_path(cast.budget, elsewhere.id), headers=cast.voter.headers
        )

        assert answer.status_code == 404

    async def test_anonymous_visitors_must_sign_in(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        answer = await client.put(ballot_path(cast.budget, cast.projects[0].id))

        assert answer.status_code == 401

    async def test_voting_closed_refuses_with_409(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        await set_switches(session, cast.component, **CLOSED)

        answer = await client.put(
            ballot_path(cast.budget, cast.projects[0].id), headers=cast.voter.headers
        )

        assert answer.status_code == 409
        assert answer.json()["error_code"] == "voting_closed"


class TestVoteRules:
    @pytest.mark.parametrize(
        ("amounts", "met"), [((60,), False), ((60, 10), True), ((50, 40, 10), True)]
    )
    async def test_minimum_percent_needs_that_share_of_the_budget(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        amounts: tuple[int, ...],
        met: bool,
    ) -> None:
        await use_rule(session, cast, {"rule": "minimum_percent", "percent": 70})
        await choose(client, cast, *amounts)

        answer = await client.post(
            ballot_path(cast.budget) + "/checkout", headers=cast.voter.headers
        )

        assert answer.status_code == (200 if met else 409), answer.text
        if not met:
            assert answer.json()["error_code"] == "vote_rule_not_met"

    @pytest.mark.parametrize(("amounts", "met"), [((10,), False), ((10, 40), True)])
    async def test_minimum_projects_needs_that_many_projects(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        amounts: tuple[int, ...],
        met: bool,
    ) -> None:
        await use_rule(
            session, cast, {"rule": "minimum_projects", "minimum_projects": 2}
        )
        answer = await choose(client, cast, *amounts)
        assert answer.json()["rule_met"] is met

        checkout = await client.post(
            ballot_path(cast.budget) + "/checkout", headers=cast.voter.headers
        )

        assert checkout.status_code == (200 if met else 409)

    async def test_a_projects_range_refuses_one_project_too_many(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        await use_rule(
            session,
            cast,
            {"rule": "projects_range", "min_projects": 2, "max_projects": 2},
        )
        await choose(client, cast, 10)
        too_few = await client.post(
            ballot_path(cast.budget) + "/checkout", headers=cast.voter.headers
        )
        await choose(client, cast, 40)

        third = await client.put(
            ballot_path(cast.budget, cast.projects[1].id), headers=cast.voter.headers
        )
        checkout = await client.post(
            ballot_path(cast.budget) + "/checkout", headers=cast.voter.headers
        )

        assert too_few.status_code == 409
        assert third.status_code == 409
        assert third.json()["error_code"] == "ballot_full"
        assert checkout.status_code == 200


class TestCheckout:
    async def test_checkout_counts_the_ballot_and_announces_it(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        await choose(client, cast, 60, 10)

        answer = await client.post(
            ballot_path(cast.budget) + "/checkout", headers=cast.voter.headers
        )

        assert answer.status_code == 200
        assert answer.json()["checked_out_at"] is not None
        rows = await session.execute(
            select(BudgetProject.amount, BudgetProject.votes_count).where(
                BudgetProject.budget_id == cast.budget.id
            )
        )
        counts = {amount: votes for amount, votes in rows}
        assert counts == {60: 1, 50: 0, 40: 0, 10: 1}
        budget = await session.get_one(Budget, cast.budget.id)
        await session.refresh(budget)
        assert budget.ballots_count == 1
        [event] = await events(session, "budget.ballot_checked_out")
        assert event["budget_id"] == cast.budget.id
        assert "user_id" not in event

    async def test_a_checked_out_ballot_cannot_change(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        await choose(client, cast, 60, 10)
        await client.post(
            ballot_path(cast.budget) + "/checkout", headers=cast.voter.headers
        )

        answer = await client.put(
            ballot_path(cast.budget, cast.projects[3].id), headers=cast.voter.headers
        )
        again = await client.post(
            ballot_path(cast.budget) + "/checkout", headers=cast.voter.headers
        )

        assert answer.status_code == 409
        assert answer.json()["error_code"] == "ballot_checked_out"
        assert again.status_code == 409

    async def test_cancelling_uncounts_the_ballot_while_voting_is_open(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        await choose(client, cast, 60, 10)
        await client.post(
            ballot_path(cast.budget) + "/checkout", headers=cast.voter.headers
        )

        answer = await client.delete(
            ballot_path(cast.budget), headers=cast.voter.headers
        )
        seen = await client.get(ballot_path(cast.budget), headers=cast.voter.headers)

        assert answer.status_code == 204
        assert seen.json()["project_ids"] == []
        votes = await session.scalars(
            select(BudgetProject.votes_count).where(
                BudgetProject.budget_id == cast.budget.id
            )
        )
        assert set(votes) == {0}
        assert len(await events(session, "budget.ballot_cancelled")) == 1

    async def test_cancelling_after_voting_closed_is_refused(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        await choose(client, cast, 60, 10)
        await client.post(
            ballot_path(cast.budget) + "/checkout", headers=cast.voter.headers
        )
        await set_switches(session, cast.component, **CLOSED)

        answer = await client.delete(
            ballot_path(cast.budget), headers=cast.voter.headers
        )

        assert answer.status_code == 409


class TestWhichBudgets:
    async def test_under_any_a_voter_keeps_to_one_budget(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        other = await make_budget(session, cast.component)
        elsewhere = await project(session, other, 10)
        await choose(client, cast, 10)

        answer = await client.put(
            ballot_path(other, elsewhere.id), headers=cast.voter.headers
        )

        assert answer.status_code == 409
        assert answer.json()["error_code"] == "other_budget_chosen"

    async def test_under_all_a_voter_votes_in_every_budget(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        cast.component.settings = {
            **cast.component.settings,
            "voter_budget_choice": "all",
        }
        other = await make_budget(session, cast.component)
        elsewhere = await project(session, other, 10)
        await choose(client, cast, 10)

        answer = await client.put(
            ballot_path(other, elsewhere.id), headers=cast.voter.headers
        )

        assert answer.status_code == 200

    async def test_by_residence_opens_the_budget_of_where_one_lives(
        self, client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
    ) -> None:
        space = await builders.space(session)
        component = await budgets_component(
            session, space, voter_budget_choice="by_residence"
        )
        north = await builders.scope(session)
        neighbourhood = await builders.scope(session, parent=north)
        south = await builders.scope(session)
        northern = await make_budget(session, component, scope_id=north.id)
        southern = await make_budget(session, component, scope_id=south.id)
        chosen_north = await project(session, northern, 10)
        chosen_south = await project(session, southern, 10)
        voter = await builders.actor(session, runtime)
        undeclared = await builders.actor(session, runtime)
        session.add(ResidentDeclaration(user_id=voter.id, scope_id=neighbourhood.id))
        await session.flush()

        home = await client.put(
            ballot_path(northern, chosen_north.id), headers=voter.headers
        )
        away = await client.put(
            ballot_path(southern, chosen_south.id), headers=voter.headers
        )
        unknown = await client.put(
            ballot_path(northern, chosen_north.id), headers=undeclared.headers
        )

        assert home.status_code == 200
        assert away.status_code == 403
        assert away.json()["error_code"] == "residence_elsewhere"
        assert unknown.status_code == 403
        assert unknown.json()["error_code"] == "residence_required"

    async def test_a_voter_who_moves_keeps_one_ballot_by_residence(
        self, client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
    ) -> None:
        space = await builders.space(session)
        component = await budgets_component(
            session, space, voter_budget_choice="by_residence"
        )
        north = await builders.scope(session)
        south = await builders.scope(session)
        northern = await make_budget(session, component, scope_id=north.id)
        southern = await make_budget(session, component, scope_id=south.id)
        chosen_north = await project(session, northern, 10)
        chosen_south = await project(session, southern, 10)
        voter = await builders.actor(session, runtime)
        declared = ResidentDeclaration(user_id=voter.id, scope_id=north.id)
        session.add(declared)
        await session.flush()
        home = await client.put(
            ballot_path(northern, chosen_north.id), headers=voter.headers
        )
        assert home.status_code == 200

        declared.scope_id = south.id
        await session.flush()
        moved = await client.put(
            ballot_path(southern, chosen_south.id), headers=voter.headers
        )

        assert moved.status_code == 409
        assert moved.json()["error_code"] == "other_budget_chosen"

    async def test_a_private_space_takes_ballots_of_its_members_only(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        # An org admin reads every space but takes part only where a member
        # would; a plain participant of a private space gets 404 instead.
        other_space = await builders.space(session)
        component = await budgets_component(session, other_space, published=False)
        budget = await make_budget(session, component)
        chosen = await project(session, budget, 10)

        answer = await client.put(
            ballot_path(budget, chosen.id), headers=cast.voter.headers
        )

        assert answer.status_code == 404
