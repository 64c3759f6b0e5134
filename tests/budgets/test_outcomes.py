"""Outcomes: the rules fund projects by online and paper ballots together,
the team sees a computed outcome, everyone sees it once published."""

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.budgets.conftest import (
    API,
    CLOSED,
    Cast,
    ballot_path,
    events,
    set_switches,
)


async def vote_and_close(
    client: httpx.AsyncClient, session: AsyncSession, cast: Cast
) -> dict[str, int]:
    """Scores 60: 4, 50: 3, 40: 2, 10: 1 (one online ballot, eight on paper)."""
    a, b, c, d = (project.id for project in cast.projects)
    for chosen in (a, d):
        await client.put(ballot_path(cast.budget, chosen), headers=cast.voter.headers)
    checkout = await client.post(
        ballot_path(cast.budget) + "/checkout", headers=cast.voter.headers
    )
    assert checkout.status_code == 200, checkout.text
    paper = await client.post(
        f"{API}/budgets/{cast.budget.id}/paper-ballots",
        json={"ballots": [[a], [a], [a], [b], [b], [b], [c], [c]]},
        headers=cast.space_admin.headers,
    )
    assert paper.status_code == 201, paper.text
    await set_switches(session, cast.component, **CLOSED)
    return {"a": a, "b": b, "c": c, "d": d}


async def compute(
    client: httpx.AsyncClient, cast: Cast, rule: str, **extra: Any
) -> httpx.Response:
    return await client.post(
        f"{API}/budgets/{cast.budget.id}/outcome",
        json={"rule": rule, **extra},
        headers=cast.space_admin.headers,
    )


def decisions(
    body: dict[str, Any], named: dict[str, int]
) -> dict[str, tuple[bool, str]]:
    names = {project_id: name for name, project_id in named.items()}
    return {
        names[item["project_id"]]: (item["selected"], item["reason"])
        for item in body["projects"]
    }


@pytest.fixture
async def shown(session: AsyncSession, cast: Cast) -> Cast:
    cast.component.settings = {**cast.component.settings, "show_votes": True}
    await session.flush()
    return cast


class TestRules:
    async def test_greedy_skips_what_does_not_fit(
        self, client: httpx.AsyncClient, session: AsyncSession, shown: Cast
    ) -> None:
        named = await vote_and_close(client, session, shown)

        answer = await compute(client, shown, "greedy")

        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert decisions(body, named) == {
            "a": (True, "selected"),
            "b": (False, "not_affordable"),
            "c": (True, "selected"),
            "d": (False, "not_affordable"),
        }
        assert [item["score"] for item in body["projects"]] == [4, 2, 3, 1]
        assert body["spent"] == 100

    async def test_greedy_without_skipping_stops_at_the_first_misfit(
        self, client: httpx.AsyncClient, session: AsyncSession, shown: Cast
    ) -> None:
        named = await vote_and_close(client, session, shown)

        answer = await compute(client, shown, "greedy-no-skip")

        assert decisions(answer.json(), named) == {
            "a": (True, "selected"),
            "b": (False, "not_affordable"),
            "c": (False, "stopped"),
            "d": (False, "stopped"),
        }

    async def test_greedy_with_a_threshold_leaves_out_weak_projects(
        self, client: httpx.AsyncClient, session: AsyncSession, shown: Cast
    ) -> None:
        named = await vote_and_close(client, session, shown)

        answer = await compute(client, shown, "greedy-threshold", threshold=3)

        assert answer.json()["threshold"] == 3
        assert decisions(answer.json(), named) == {
            "a": (True, "selected"),
            "b": (False, "not_affordable"),
            "c": (False, "below_threshold"),
            "d": (False, "below_threshold"),
        }

    @pytest.mark.parametrize(
        "rule", ["equalshares/add1", "equalshares/add1-comparison"]
    )
    async def test_equal_shares_funds_within_the_budget(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        shown: Cast,
        rule: str,
    ) -> None:
        await vote_and_close(client, session, shown)

        answer = await compute(client, shown, rule)

        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert 0 < body["spent"] <= 100
        assert all(item["reason"] for item in body["projects"])

    async def test_a_threshold_belongs_to_greedy_threshold_only(
        self, client: httpx.AsyncClient, session: AsyncSession, shown: Cast
    ) -> None:
        await vote_and_close(client, session, shown)

        missing = await compute(client, shown, "greedy-threshold")
        stray = await compute(client, shown, "greedy", threshold=2)
        unknown = await compute(client, shown, "lottery")

        assert [missing.status_code, stray.status_code, unknown.status_code] == [
            422,
            422,
            422,
        ]


class TestPublishing:
    async def test_no_outcome_while_voting_is_open(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        answer = await compute(client, cast, "greedy")

        assert answer.status_code == 409
        assert answer.json()["error_code"] == "voting_open"

    async def test_the_public_sees_the_outcome_once_published(
        self, client: httpx.AsyncClient, session: AsyncSession, shown: Cast
    ) -> None:
        named = await vote_and_close(client, session, shown)
        await compute(client, shown, "greedy")
        outcome = f"{API}/budgets/{shown.budget.id}/outcome"
        projects = f"{API}/budgets/{shown.budget.id}/projects"

        before = await client.get(outcome)
        hidden = await client.get(projects, params={"selected": True})
        team = await client.get(outcome, headers=shown.space_admin.headers)
        published = await client.post(
            outcome + "/publish", headers=shown.space_admin.headers
        )
        after = await client.get(outcome)
        winners = await client.get(projects, params={"selected": True})
        again = await compute(client, shown, "greedy-no-skip")

        assert before.status_code == 404
        assert hidden.json()["items"] == []
        assert team.status_code == 200
        assert published.status_code == 200
        assert after.json()["published_at"] is not None
        assert [item["id"] for item in winners.json()["items"]] == [
            named["a"],
            named["c"],
        ]
        assert winners.json()["items"][0]["selection_reason"] == "selected"
        assert again.status_code == 409
        [event] = await events(session, "budget.outcome_published")
        assert event["selected_project_ids"] == [named["a"], named["c"]]
        assert event["rule"] == "greedy"

    async def test_hidden_counts_leave_the_outcome_without_scores(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        await vote_and_close(client, session, cast)

        answer = await compute(client, cast, "greedy")

        assert {item["score"] for item in answer.json()["projects"]} == {None}

    async def test_only_the_space_team_computes_an_outcome(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        await vote_and_close(client, session, cast)

        answer = await client.post(
            f"{API}/budgets/{cast.budget.id}/outcome",
            json={"rule": "greedy"},
            headers=cast.voter.headers,
        )

        assert answer.status_code == 403
