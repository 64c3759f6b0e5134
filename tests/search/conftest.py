"""A public space with proposals, debates, meetings and posts, and who searches."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.comments import Comment
from app.models.components import Component, ComponentType, Post
from app.models.debates import Debate
from app.models.meetings import Meeting, MeetingType
from app.models.proposals import Proposal
from app.models.spaces import Space
from app.models.users import User
from app.runtime import Runtime
from tests import builders
from tests.builders import ANONYMOUS, Actor, actor

API = "/api/v1"


@dataclass
class Stage:
    space: Space
    proposals: Component
    debates: Component
    meetings: Component
    posts: Component
    author: Actor
    anonymous: Actor


@pytest.fixture
async def stage(session: AsyncSession, runtime: Runtime) -> Stage:
    space = await builders.space(session, title="Plano Diretor")
    return Stage(
        space=space,
        proposals=await builders.component(
            session, space, type=ComponentType.PROPOSALS
        ),
        debates=await builders.component(session, space, type=ComponentType.DEBATES),
        meetings=await builders.component(session, space, type=ComponentType.MEETINGS),
        posts=await builders.component(session, space, type=ComponentType.POSTS),
        author=await actor(session, runtime),
        anonymous=ANONYMOUS,
    )


async def find(
    client: httpx.AsyncClient, who: Actor, q: str, **params: Any
) -> dict[str, Any]:
    response = await client.get(
        f"{API}/search", params={"q": q, **params}, headers=who.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def found(body: dict[str, Any]) -> list[tuple[str, int]]:
    return [(item["type"], item["id"]) for item in body["items"]]


async def debate(
    session: AsyncSession, component: Component, author: User, title: str, **values: Any
) -> Debate:
    created = Debate(
        component_id=component.id,
        author_id=author.id,
        title={"pt-BR": title},
        description=values.pop("description", {"pt-BR": "<p>Debate aberto</p>"}),
        **values,
    )
    session.add(created)
    await session.flush()
    return created


async def meeting(
    session: AsyncSession, component: Component, title: str, **values: Any
) -> Meeting:
    starts_at: datetime = values.pop("starts_at", utcnow())
    created = Meeting(
        component_id=component.id,
        title={"pt-BR": title},
        type=MeetingType.IN_PERSON,
        address="Praça da Cemig, 100",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
        published_at=values.pop("published_at", utcnow()),
        **values,
    )
    session.add(created)
    await session.flush()
    return created


async def post(
    session: AsyncSession, component: Component, title: str, **values: Any
) -> Post:
    created = Post(
        component_id=component.id,
        title={"pt-BR": title},
        body={"pt-BR": f"<p>{title}</p>"},
        published_at=values.pop("published_at", utcnow()),
        **values,
    )
    session.add(created)
    await session.flush()
    return created


async def comment(
    session: AsyncSession,
    on: Proposal | Debate | Meeting | Post,
    author: User,
    body: str,
) -> Comment:
    kind = {Proposal: "proposal", Debate: "debate", Meeting: "meeting", Post: "post"}
    created = Comment(
        resource_type=kind[type(on)], resource_id=on.id, author_id=author.id, body=body
    )
    session.add(created)
    await session.flush()
    return created
