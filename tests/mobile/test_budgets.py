"""Budgets on the app: cards in the reader's language, hidden vote counts, the
viewer's ballot on every screen, and ballot changes answering with it."""

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.budgets import Ballot
from app.models.spaces import Visibility
from app.runtime import Runtime
from tests import builders
from tests.budgets.conftest import (
    CLOSED,
    Cast,
    budgets_component,
    make_budget,
    project,
    set_switches,
)
from tests.conftest import QueryCounter
from tests.mobile.conftest import MOBILE

EXPECTED_BUDGET_LIST = 4
"""The component read first (a 404 for one the viewer may not read), then the page."""
EXPECTED_PROJECT_LIST = 6
"""Statements one request runs, whatever the number of rows it shows."""


def ballot(budget_id: int, project_id: int | None = None) -> str:
    path = f"{MOBILE}/budgets/{budget_id}/ballot"
    return path if project_id is None else f"{path}/projects/{project_id}"


class TestScreens:
    async def test_the_budget_screen_speaks_the_readers_language(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        cast.budget.title = {"pt-BR": "Orçamento regional", "en": "Regional budget"}
        cast.budget.description = {"pt-BR": "<p>Escolha <b>obras</b></p>"}
        await session.flush()

        answer = await client.get(
            f"{MOBILE}/budgets/{cast.budget.id}",
            headers={**cast.voter.headers, "Accept-Language": "en"},
        )

        body = answer.json()
        assert answer.status_code == 200
        assert (body["title"], body["locale"]) == ("Regional budget", "en")
        assert body["summary"] == "Escolha obras"
        assert body["voting_open"] is True
        assert [p["amount"] for p in body["projects"]] == [60, 50, 40, 10]
        assert body["viewer"] == {
            "project_ids": [],
            "total": 0,
            "remaining": 100,
            "rule_met": False,
            "why_not": "Choose at least one project.",
            "checked_out_at": None,
        }

    async def test_vote_counts_are_null_while_voting_is_open(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        cast.projects[0].votes_count = 7
        await session.flush()

        budget = await client.get(f"{MOBILE}/budgets/{cast.budget.id}")
        projects = await client.get(f"{MOBILE}/budgets/{cast.budget.id}/projects")
        one = await client.get(f"{MOBILE}/budget-projects/{cast.projects[0].id}")

        assert budget.json()["ballots_count"] is None
        assert {p["votes_count"] for p in projects.json()["items"]} == {None}
        assert one.json()["votes_count"] is None
        assert budget.json()["viewer"] is None

    async def test_vote_counts_show_once_voting_is_over(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        shown = await budgets_component(session, cast.space, show_votes=True)
        voted = await project(session, await make_budget(session, shown), 10)
        voted.votes_count = 7
        await set_switches(session, shown, **CLOSED)

        one = await client.get(f"{MOBILE}/budget-projects/{voted.id}")

        assert one.json()["votes_count"] == 7

    async def test_a_private_space_hides_its_budgets(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        cast: Cast,
    ) -> None:
        cast.space.visibility = Visibility.PRIVATE
        await session.flush()
        paths = [
            f"{MOBILE}/budgets/{cast.budget.id}",
            f"{MOBILE}/budget-projects/{cast.projects[0].id}",
            f"{MOBILE}/budgets/{cast.budget.id}/projects",
        ]

        for path in paths:
            answer = await client.get(path, headers=cast.voter.headers)
            assert answer.status_code == 404, path
        listed = await client.get(
            f"{MOBILE}/components/{cast.component.id}/budgets",
            headers=cast.voter.headers,
        )
        assert listed.status_code == 404 or listed.json()["items"] == []

    async def test_an_unpublished_component_hides_its_budgets(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        hidden = await budgets_component(session, cast.space, published=False)
        budget = await make_budget(session, hidden)

        answer = await client.get(
            f"{MOBILE}/budgets/{budget.id}", headers=cast.voter.headers
        )

        assert answer.status_code == 404


class TestBallot:
    async def test_adding_a_project_answers_with_the_ballot_screen(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        chosen = cast.projects[1]

        answer = await client.put(
            ballot(cast.budget.id, chosen.id), headers=cast.voter.headers
        )

        body = answer.json()
        assert answer.status_code == 200
        assert body["budget"]["viewer"]["project_ids"] == [chosen.id]
        assert body["budget"]["viewer"]["total"] == 50
        assert body["budget"]["viewer"]["remaining"] == 50
        assert [p["id"] for p in body["chosen"]] == [chosen.id]
        assert body["chosen"][0]["viewer"] == {"chosen": True}

    async def test_the_rule_says_why_a_ballot_may_not_be_cast_yet(
        self, client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
    ) -> None:
        space = await builders.space(session)
        component = await budgets_component(
            session,
            space,
            vote_rule={"rule": "minimum_projects", "minimum_projects": 2},
        )
        budget = await make_budget(session, component)
        first = await project(session, budget, 10)
        voter = await builders.actor(session, runtime)

        answer = await client.put(ballot(budget.id, first.id), headers=voter.headers)
        refused = await client.post(
            f"{ballot(budget.id)}/checkout", headers=voter.headers
        )

        viewer = answer.json()["budget"]["viewer"]
        assert (viewer["rule_met"], viewer["why_not"]) == (
            False,
            "Choose at least 2 projects.",
        )
        assert refused.status_code == 409
        assert refused.json()["detail"] == "Choose at least 2 projects."

    async def test_a_project_that_does_not_fit_is_refused(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        await client.put(
            ballot(cast.budget.id, cast.projects[0].id), headers=cast.voter.headers
        )

        refused = await client.put(
            ballot(cast.budget.id, cast.projects[1].id), headers=cast.voter.headers
        )

        assert refused.status_code == 409
        assert refused.headers["content-type"] == "application/problem+json"

    async def test_checkout_remove_and_cancel(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        headers = cast.voter.headers
        await client.put(ballot(cast.budget.id, cast.projects[2].id), headers=headers)
        await client.put(ballot(cast.budget.id, cast.projects[0].id), headers=headers)
        removed = await client.delete(
            ballot(cast.budget.id, cast.projects[2].id), headers=headers
        )
        await client.put(ballot(cast.budget.id, cast.projects[3].id), headers=headers)
        cast_out = await client.post(
            f"{ballot(cast.budget.id)}/checkout", headers=headers
        )
        cancelled = await client.delete(ballot(cast.budget.id), headers=headers)

        assert removed.json()["budget"]["viewer"]["project_ids"] == [
            cast.projects[0].id
        ]
        assert cast_out.status_code == 200
        assert cast_out.json()["budget"]["viewer"]["checked_out_at"] is not None
        assert cast_out.json()["budget"]["viewer"]["rule_met"] is True
        assert cancelled.status_code == 200
        assert cancelled.json()["budget"]["viewer"]["project_ids"] == []
        assert cancelled.json()["chosen"] == []

    async def test_a_retried_checkout_with_the_same_key_replays(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        headers = {**cast.voter.headers, "Idempotency-Key": "checkout-7f3a"}
        for chosen in (cast.projects[0], cast.projects[3]):
            await client.put(
                ballot(cast.budget.id, chosen.id), headers=cast.voter.headers
            )

        first = await client.post(f"{ballot(cast.budget.id)}/checkout", headers=headers)
        retry = await client.post(f"{ballot(cast.budget.id)}/checkout", headers=headers)
        again = await client.post(
            f"{ballot(cast.budget.id)}/checkout", headers=cast.voter.headers
        )

        assert first.status_code == retry.status_code == 200
        assert retry.json() == first.json()
        assert retry.headers["idempotent-replayed"] == "true"
        assert again.status_code == 409  # without the key: already checked out
        ballots = await session.scalar(
            select(func.count())
            .select_from(Ballot)
            .where(Ballot.budget_id == cast.budget.id)
        )
        assert ballots == 1

    async def test_anonymous_readers_may_not_vote(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        answer = await client.put(ballot(cast.budget.id, cast.projects[0].id))

        assert answer.status_code == 401


@pytest.mark.parametrize("rows", [2, 20])
class TestQueryCounts:
    async def test_budget_list_runs_the_same_queries_whatever_its_length(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        queries: QueryCounter,
        rows: int,
    ) -> None:
        for _ in range(rows - 1):
            await make_budget(session, cast.component)
        queries.statements.clear()

        answer = await client.get(
            f"{MOBILE}/components/{cast.component.id}/budgets",
            params={"limit": 50},
            headers=cast.voter.headers,
        )

        assert len(answer.json()["items"]) == rows
        assert queries.count == EXPECTED_BUDGET_LIST

    async def test_project_list_runs_the_same_queries_whatever_its_length(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        queries: QueryCounter,
        rows: int,
    ) -> None:
        space = await builders.space(session)
        budget = await make_budget(
            session, await budgets_component(session, space), total=10_000
        )
        for _ in range(rows):
            await project(session, budget, 10)
        voter = await builders.actor(session, runtime)
        queries.statements.clear()

        answer = await client.get(
            f"{MOBILE}/budgets/{budget.id}/projects",
            params={"limit": 50},
            headers=voter.headers,
        )

        assert len(answer.json()["items"]) == rows
        assert queries.count == EXPECTED_PROJECT_LIST


async def test_the_budget_screen_is_cached_per_viewer(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    path = f"{MOBILE}/budgets/{cast.budget.id}"
    first = await client.get(path, headers=cast.voter.headers)

    again = await client.get(
        path, headers={**cast.voter.headers, "If-None-Match": first.headers["etag"]}
    )
    await client.put(
        ballot(cast.budget.id, cast.projects[3].id), headers=cast.voter.headers
    )
    changed = await client.get(
        path, headers={**cast.voter.headers, "If-None-Match": first.headers["etag"]}
    )

    assert "private" in first.headers["cache-control"]
    assert again.status_code == 304
    assert changed.status_code == 200
