"""Actors, components and helpers of the proposal tests."""

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.components import Component, ComponentType
from app.models.events import OutboxEvent
from app.models.proposals import Proposal, ProposalParticipant, ProposalSupport
from app.models.spaces import Space, SpaceRoleName
from app.models.users import UserRole
from app.runtime import Runtime
from tests import builders
from tests.builders import Actor, actor

API = "/api/v1"
OPEN = {"creation_enabled": True, "supports_enabled": True}
"""Switches of a component open to new proposals and supports."""


@dataclass
class Cast:
    space: Space
    anonymous: Actor
    author: Actor
    participant: Actor
    space_admin: Actor
    evaluator: Actor
    org_admin: Actor


@pytest.fixture
async def cast(session: AsyncSession, runtime: Runtime) -> Cast:
    """A published public process with its team and two participants."""
    space = await builders.space(session)
    return Cast(
        space=space,
        anonymous=Actor(None, {}),
        author=await actor(session, runtime),
        participant=await actor(session, runtime),
        space_admin=await actor(
            session, runtime, space=space, space_role=SpaceRoleName.ADMIN
        ),
        evaluator=await actor(
            session, runtime, space=space, space_role=SpaceRoleName.EVALUATOR
        ),
        org_admin=await actor(session, runtime, role=UserRole.ADMIN),
    )


async def proposals_component(
    session: AsyncSession,
    space: Space,
    *,
    switches: dict[str, Any] | None = None,
    published: bool = True,
    **settings: Any,
) -> Component:
    return await builders.component(
        session,
        space,
        type=ComponentType.PROPOSALS,
        published=published,
        settings=settings,
        switches=OPEN if switches is None else switches,
    )


@pytest.fixture
async def component(session: AsyncSession, cast: Cast) -> Component:
    return await proposals_component(session, cast.space)


def draft_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": {"pt-BR": "Mais árvores na praça"},
        "body": {"pt-BR": "<p>Plantar ipês na praça da Matriz.</p>"},
    }
    body.update(overrides)
    return body


async def outbox_types(session: AsyncSession) -> list[str]:
    return list(
        await session.scalars(select(OutboxEvent.event_type).order_by(OutboxEvent.id))
    )


async def counters_match_rows(session: AsyncSession) -> bool:
    """Every stored supports_count equals the counted support rows of its proposal.

    A support counts once its giver has given the component's minimum; with no
    minimum (the tests' default) every row counts.
    """
    counted = (
        select(func.count(ProposalSupport.id))
        .join(
            ProposalParticipant,
            (ProposalParticipant.component_id == ProposalSupport.component_id)
            & (ProposalParticipant.user_id == ProposalSupport.user_id),
        )
        .where(ProposalSupport.proposal_id == Proposal.id)
        .scalar_subquery()
    )
    rows = (await session.execute(select(Proposal.supports_count, counted))).all()
    return all(stored == actual for stored, actual in rows)


def ids(page: dict[str, Any]) -> list[int]:
    return [item["id"] for item in page["items"]]
