"""Scenario helpers: crowds of people, their contributions, the figures they make."""

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.components import Component, ComponentType
from app.models.proposals import Proposal, ProposalSupport
from app.models.spaces import Space
from app.models.users import User
from app.runtime import Runtime
from app.services.stats import refresh
from tests import builders

API = "/api/v1"


async def people(session: AsyncSession, runtime: Runtime, count: int) -> list[User]:
    return [await builders.user(session, runtime) for _ in range(count)]


async def proposals_in(
    session: AsyncSession, space: Space, **component: Any
) -> Component:
    return await builders.component(
        session, space, type=ComponentType.PROPOSALS, **component
    )


async def one_proposal_each(
    session: AsyncSession, component: Component, authors: list[User], **values: Any
) -> list[Proposal]:
    return [
        await builders.proposal(session, component, author, **values)
        for author in authors
    ]


async def supports(
    session: AsyncSession, proposal: Proposal, supporters: list[User]
) -> None:
    for supporter in supporters:
        session.add(
            ProposalSupport(
                proposal_id=proposal.id,
                component_id=proposal.component_id,
                user_id=supporter.id,
            )
        )
    await session.flush()


async def figures(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    **params: Any,
) -> dict[str, Any]:
    """Refresh the snapshot, as the worker would, then read it as a visitor."""
    await refresh(session, runtime.settings)
    response = await client.get(f"{API}/stats", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def entry(entries: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    [found] = [e for e in entries if all(e[k] == v for k, v in match.items())]
    return found
