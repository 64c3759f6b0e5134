"""Concurrent supports and creations (PostgreSQL: real commits, real row locks)."""

import asyncio
from collections import Counter
from typing import Any

import httpx
from sqlalchemy import func, select

from app.models.components import Component
from app.models.events import OutboxEvent
from app.models.proposals import Proposal, ProposalSupport
from app.models.spaces import Space, SpaceRoleName
from app.models.users import User
from app.runtime import Runtime
from tests import builders
from tests.proposals.conftest import (
    API,
    counters_match_rows,
    draft_body,
    proposals_component,
)


async def stage(
    runtime: Runtime, users: int, proposals: int, **settings: Any
) -> tuple[list[User], Component, list[Proposal]]:
    async with runtime.sessionmaker() as session:
        accounts = [await builders.user(session, runtime) for _ in range(users)]
        space: Space = await builders.space(session)
        component = await proposals_component(session, space, **settings)
        created = [
            await builders.proposal(session, component, accounts[0])
            for _ in range(proposals)
        ]
        await session.commit()
    return accounts, component, created


def statuses(answers: list[httpx.Response]) -> Counter[int]:
    return Counter(answer.status_code for answer in answers)


async def stored(runtime: Runtime, proposal: Proposal) -> tuple[int, int]:
    """The proposal's stored supports_count and its support rows."""
    async with runtime.sessionmaker() as session:
        count = await session.scalar(
            select(Proposal.supports_count).where(Proposal.id == proposal.id)
        )
        rows = await session.scalar(
            select(func.count(ProposalSupport.id)).where(
                ProposalSupport.proposal_id == proposal.id
            )
        )
        assert await counters_match_rows(session)
    return int(count or 0), int(rows or 0)


async def test_the_same_user_supporting_20_times_makes_one_support(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    (_, fan), _, [proposal] = await stage(committed_runtime, 2, 1)
    headers = builders.bearer(committed_runtime, fan)

    answers = await asyncio.gather(
        *(
            committed_client.post(
                f"{API}/proposals/{proposal.id}/supports", headers=headers
            )
            for _ in range(20)
        )
    )

    assert statuses(answers) == Counter({201: 1, 409: 19})
    assert await stored(committed_runtime, proposal) == (1, 1)


async def test_20_users_one_short_of_the_threshold_leave_it_exactly_reached(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    accounts, _, [proposal] = await stage(
        committed_runtime, 25, 1, threshold_per_proposal=5
    )
    path = f"{API}/proposals/{proposal.id}/supports"
    for early in accounts[:4]:
        response = await committed_client.post(
            path, headers=builders.bearer(committed_runtime, early)
        )
        assert response.status_code == 201

    answers = await asyncio.gather(
        *(
            committed_client.post(
                path, headers=builders.bearer(committed_runtime, account)
            )
            for account in accounts[5:]
        )
    )

    assert statuses(answers) == Counter({201: 1, 409: 19})
    assert await stored(committed_runtime, proposal) == (5, 5)


async def test_a_user_one_short_of_the_limit_gets_exactly_one_more_of_five(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    (_, fan), _, proposals = await stage(
        committed_runtime, 2, 7, supports_limit_per_user=3
    )
    headers = builders.bearer(committed_runtime, fan)
    for early in proposals[:2]:
        response = await committed_client.post(
            f"{API}/proposals/{early.id}/supports", headers=headers
        )
        assert response.status_code == 201

    answers = await asyncio.gather(
        *(
            committed_client.post(
                f"{API}/proposals/{proposal.id}/supports", headers=headers
            )
            for proposal in proposals[2:]
        )
    )

    assert statuses(answers) == Counter({201: 1, 409: 4})
    async with committed_runtime.sessionmaker() as session:
        given = await session.scalar(
            select(func.count(ProposalSupport.id)).where(
                ProposalSupport.user_id == fan.id
            )
        )
    assert given == 3


async def test_counters_equal_rows_after_a_storm_of_supports_and_withdrawals(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    accounts, _, proposals = await stage(committed_runtime, 12, 4)
    requests = []
    for n, account in enumerate(accounts):
        headers = builders.bearer(committed_runtime, account)
        for proposal in proposals:
            path = f"{API}/proposals/{proposal.id}/supports"
            requests.append(committed_client.post(path, headers=headers))
            if n % 3 == 0:
                requests.append(committed_client.delete(path, headers=headers))

    answers = await asyncio.gather(*requests)

    assert set(statuses(answers)) <= {200, 201, 404}
    for proposal in proposals:
        count, rows = await stored(committed_runtime, proposal)
        assert count == rows


async def test_reaching_the_minimum_at_once_counts_every_support(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    (_, fan), _, proposals = await stage(
        committed_runtime, 2, 5, minimum_supports_per_user=3
    )
    headers = builders.bearer(committed_runtime, fan)

    answers = await asyncio.gather(
        *(
            committed_client.post(
                f"{API}/proposals/{proposal.id}/supports", headers=headers
            )
            for proposal in proposals
        )
    )

    assert statuses(answers) == Counter({201: 5})
    assert [(await stored(committed_runtime, p))[0] for p in proposals] == [1] * 5


async def test_the_proposal_limit_holds_under_concurrent_drafts(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    (_, author), component, _ = await stage(
        committed_runtime, 2, 0, proposal_limit_per_user=1
    )
    headers = builders.bearer(committed_runtime, author)

    answers = await asyncio.gather(
        *(
            committed_client.post(
                f"{API}/components/{component.id}/proposals",
                json=draft_body(),
                headers=headers,
            )
            for _ in range(5)
        )
    )

    assert statuses(answers) == Counter({201: 1, 409: 4})


async def test_a_draft_published_five_times_at_once_is_published_once(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    (author, _), component, _ = await stage(committed_runtime, 2, 0)
    async with committed_runtime.sessionmaker() as session:
        draft = await builders.proposal(session, component, author, draft=True)
        await session.commit()
    headers = builders.bearer(committed_runtime, author)

    answers = await asyncio.gather(
        *(
            committed_client.post(
                f"{API}/proposals/{draft.id}/publish", headers=headers
            )
            for _ in range(5)
        )
    )

    assert statuses(answers) == Counter({200: 1, 409: 4})
    async with committed_runtime.sessionmaker() as session:
        published = await session.scalar(
            select(func.count(OutboxEvent.id)).where(
                OutboxEvent.event_type == "proposal.published"
            )
        )
    assert published == 1


async def test_answers_racing_the_removal_of_their_state_never_outlive_it(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
) -> None:
    """Either the state is dropped and no proposal holds it, or it is kept."""
    custom = {
        "token": "em_analise",
        "title": {"pt-BR": "Em análise"},
        "colour": "#ff8800",
    }
    async with committed_runtime.sessionmaker() as session:
        admin = await builders.user(session, committed_runtime)
        space: Space = await builders.space(session)
        await builders.grant(session, space, admin, SpaceRoleName.ADMIN)
        component = await proposals_component(
            session, space, custom_answer_states=[custom]
        )
        targets = [
            await builders.proposal(session, component, admin) for _ in range(10)
        ]
        await session.commit()
    headers = builders.bearer(committed_runtime, admin)
    answers = [
        committed_client.post(
            f"{API}/proposals/{proposal.id}/answer",
            json={"state": "em_analise"},
            headers=headers,
        )
        for proposal in targets
    ]
    removal = committed_client.patch(
        f"{API}/components/{component.id}",
        json={"settings": {"custom_answer_states": []}},
        headers=headers,
    )

    *answered, removed = await asyncio.gather(*answers, removal)

    async with committed_runtime.sessionmaker() as session:
        held = await session.scalar(
            select(func.count(Proposal.id)).where(
                Proposal.component_id == component.id,
                Proposal.answer_state == "em_analise",
            )
        )
        stored_component = await session.get(Component, component.id)
        assert stored_component is not None
        states = stored_component.settings["custom_answer_states"]
    assert removed.status_code in (200, 409), removed.text
    assert {response.status_code for response in answered} <= {200, 422}
    taken = sum(response.status_code == 200 for response in answered)
    assert held == taken
    if removed.status_code == 200:
        assert states == [] and held == 0
    else:
        assert [state["token"] for state in states] == ["em_analise"] and held > 0
