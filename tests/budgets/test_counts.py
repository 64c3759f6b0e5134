"""Vote counts: hidden from every output while hidden, paper ballots apart,
and vote rules frozen once anyone has voted."""

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.budgets import Budget, BudgetProject
from tests.budgets.conftest import (
    API,
    CLOSED,
    Cast,
    ballot_path,
    events,
    set_switches,
)

COUNT_KEYS = {
    "votes_count",
    "paper_votes_count",
    "ballots_count",
    "paper_ballots_count",
}


def counts_in(body: Any) -> list[Any]:
    """Every value under a count key, at any depth of a JSON body."""
    if isinstance(body, dict):
        found = [value for key, value in body.items() if key in COUNT_KEYS]
        return found + [v for value in body.values() for v in counts_in(value)]
    if isinstance(body, list):
        return [v for item in body for v in counts_in(item)]
    return []


async def vote(client: httpx.AsyncClient, cast: Cast) -> None:
    for chosen in (cast.projects[0], cast.projects[3]):
        added = await client.put(
            ballot_path(cast.budget, chosen.id), headers=cast.voter.headers
        )
        assert added.status_code == 200, added.text
    checkout = await client.post(
        ballot_path(cast.budget) + "/checkout", headers=cast.voter.headers
    )
    assert checkout.status_code == 200, checkout.text


async def every_output(client: httpx.AsyncClient, cast: Cast) -> list[Any]:
    paths = [
        f"{API}/components/{cast.component.id}/budgets",
        f"{API}/budgets/{cast.budget.id}",
        f"{API}/budgets/{cast.budget.id}/projects",
        f"{API}/budget-projects/{cast.projects[0].id}",
        ballot_path(cast.budget),
    ]
    bodies = []
    for who in (cast.voter, cast.space_admin, cast.org_admin):
        for path in paths:
            answer = await client.get(path, headers=who.headers)
            assert answer.status_code == 200, (path, answer.text)
            bodies.append(answer.json())
    return bodies


class TestHiddenCounts:
    @pytest.mark.parametrize(
        ("shown", "switches"),
        [
            ({"show_votes": False}, CLOSED),
            ({"show_votes": True}, {"votes_enabled": True}),
            ({"show_votes": True}, {"votes_enabled": False, "votes_hidden": True}),
        ],
        ids=["setting-off", "voting-open", "switch-hides"],
    )
    async def test_no_output_shows_a_hidden_count(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        shown: dict[str, Any],
        switches: dict[str, Any],
    ) -> None:
        await vote(client, cast)
        cast.component.settings = {**cast.component.settings, **shown}
        await set_switches(session, cast.component, **switches)

        bodies = await every_output(client, cast)

        assert counts_in(bodies)
        assert set(counts_in(bodies)) == {None}

    async def test_counts_show_once_voting_is_over_where_the_setting_says(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        await vote(client, cast)
        cast.component.settings = {**cast.component.settings, "show_votes": True}
        await set_switches(session, cast.component, **CLOSED)

        projects = await client.get(f"{API}/budgets/{cast.budget.id}/projects")
        budget = await client.get(f"{API}/budgets/{cast.budget.id}")

        votes = [item["votes_count"] for item in projects.json()["items"]]
        assert votes == [1, 0, 0, 1]
        assert budget.json()["ballots_count"] == 1

    async def test_the_checkout_event_carries_no_count(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        await vote(client, cast)

        [event] = await events(session, "budget.ballot_checked_out")

        assert counts_in(event) == []
        assert set(event) == {
            "budget_id",
            "component_id",
            "space_id",
            "ballot_id",
        }


class TestPaperBallots:
    async def test_paper_ballots_are_counted_apart_from_online_ones(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        await vote(client, cast)
        first, second, third, fourth = (p.id for p in cast.projects)

        answer = await client.post(
            f"{API}/budgets/{cast.budget.id}/paper-ballots",
            json={"ballots": [[first, third], [second, third], [fourth]]},
            headers=cast.space_admin.headers,
        )

        assert answer.status_code == 201, answer.text
        assert answer.json() == {"recorded": 3}
        rows = await session.execute(
            select(
                BudgetProject.id,
                BudgetProject.votes_count,
                BudgetProject.paper_votes_count,
            )
            .where(BudgetProject.budget_id == cast.budget.id)
            .execution_options(populate_existing=True)
        )
        assert {row[0]: (row[1], row[2]) for row in rows} == {
            first: (1, 1),
            second: (0, 1),
            third: (0, 2),
            fourth: (1, 1),
        }
        budget = await session.scalar(
            select(Budget)
            .where(Budget.id == cast.budget.id)
            .execution_options(populate_existing=True)
        )
        assert budget is not None
        assert (budget.ballots_count, budget.paper_ballots_count) == (1, 3)
        [event] = await events(session, "budget.paper_ballots_recorded")
        assert event["count"] == 3

    @pytest.mark.parametrize(
        "ballot", [["unknown"], ["over"]], ids=["unknown-project", "over-budget"]
    )
    async def test_a_bad_paper_ballot_refuses_the_whole_batch(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        ballot: list[str],
    ) -> None:
        first, second = cast.projects[0].id, cast.projects[1].id
        bad = [999_999] if ballot == ["unknown"] else [first, second]

        answer = await client.post(
            f"{API}/budgets/{cast.budget.id}/paper-ballots",
            json={"ballots": [[first], bad]},
            headers=cast.space_admin.headers,
        )

        assert answer.status_code == 422
        assert answer.json()["errors"][0]["field"] == "ballots.1"
        paper = await session.scalars(
            select(BudgetProject.paper_votes_count).where(
                BudgetProject.budget_id == cast.budget.id
            )
        )
        assert set(paper) == {0}

    async def test_only_the_space_team_records_paper_ballots(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        answer = await client.post(
            f"{API}/budgets/{cast.budget.id}/paper-ballots",
            json={"ballots": [[cast.projects[0].id]]},
            headers=cast.voter.headers,
        )

        assert answer.status_code == 403


class TestFrozenRules:
    @pytest.mark.parametrize(
        "changed",
        [
            {"vote_rule": {"rule": "minimum_projects", "minimum_projects": 1}},
            {"voter_budget_choice": "all"},
        ],
        ids=["vote-rule", "budget-choice"],
    )
    async def test_changing_the_rules_after_a_vote_is_409(
        self,
        client: httpx.AsyncClient,
        cast: Cast,
        changed: dict[str, Any],
    ) -> None:
        path = f"{API}/components/{cast.component.id}"
        before = await client.patch(
            path,
            json={"settings": {"show_votes": True}},
            headers=cast.space_admin.headers,
        )
        await client.put(
            ballot_path(cast.budget, cast.projects[3].id), headers=cast.voter.headers
        )

        refused = await client.patch(
            path, json={"settings": changed}, headers=cast.space_admin.headers
        )
        harmless = await client.patch(
            path,
            json={"settings": {"show_votes": False}},
            headers=cast.space_admin.headers,
        )

        assert before.status_code == 200
        assert refused.status_code == 409
        assert refused.json()["error_code"] == "budget_has_ballots"
        assert harmless.status_code == 200

    async def test_rules_change_freely_before_anyone_votes(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        answer = await client.patch(
            f"{API}/components/{cast.component.id}",
            json={"settings": {"voter_budget_choice": "all"}},
            headers=cast.space_admin.headers,
        )

        assert answer.status_code == 200

    async def test_a_component_with_budgets_cannot_be_deleted(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        answer = await client.delete(
            f"{API}/components/{cast.component.id}", headers=cast.space_admin.headers
        )

        assert answer.status_code == 409
