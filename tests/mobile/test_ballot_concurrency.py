"""Parallel ballot additions from the app (PostgreSQL, real commits): the
ballot never holds more than the budget, whatever arrives at once."""

import asyncio

import httpx

from app.runtime import Runtime
from tests import builders
from tests.budgets.test_concurrency import arrange, ballots_of
from tests.mobile.conftest import MOBILE


async def test_parallel_additions_keep_the_budget_total(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    [budget], [projects], [voter] = await arrange(
        committed_runtime, [60, 50, 40, 30, 20]
    )
    headers = builders.bearer(committed_runtime, voter)

    answers = await asyncio.gather(
        *(
            committed_client.put(
                f"{MOBILE}/budgets/{budget.id}/ballot/projects/{chosen.id}",
                headers=headers,
            )
            for chosen in projects
        )
    )

    statuses = [answer.status_code for answer in answers]
    assert set(statuses) <= {200, 409}
    kept = sum(
        chosen.amount
        for chosen, status in zip(projects, statuses, strict=True)
        if status == 200
    )
    [(total, count, items)] = await ballots_of(committed_runtime, budget.id)
    assert total == kept <= 100
    assert count == items == statuses.count(200)
    screens = [a.json()["budget"]["viewer"]["total"] for a in answers if a.is_success]
    assert max(screens) == total
