"""A stage for the notification tests: a real SMTP relay, people and content.

Every test here mails through an SMTP server on loopback (aiosmtpd) and reads
what it received, as a person reads their inbox.
"""

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import MailBackend, Settings
from app.models.components import Component, ComponentType
from app.models.events import OutboxEvent
from app.models.follows import Follow
from app.models.proposals import Proposal
from app.models.spaces import Space, SpaceRoleName
from app.models.users import User, UserRole
from app.runtime import Runtime
from tests import builders
from tests.builders import Actor, actor
from tests.conftest import make_settings
from tests.mailbox import Mailbox

API = "/api/v1"


class Relay:
    """An SMTP server on loopback that keeps every message it accepts."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(message)
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.received if m["To"].lower() == address.lower()]


def text_of(message: EmailMessage, subtype: str = "plain") -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None, f"no {subtype} part"
    return str(part.get_content())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def relay_port() -> int:
    return _free_port()


@pytest.fixture
def relay(relay_port: int) -> Iterator[Relay]:
    handler = Relay()
    controller = Controller(handler, hostname="127.0.0.1", port=relay_port)
    controller.start()
    yield handler
    controller.stop()


@pytest.fixture
def settings(
    database_url: str, mailbox: Mailbox, relay: Relay, relay_port: int
) -> Settings:
    return make_settings(
        database_url,
        mailbox.folder,
        mail_backend=MailBackend.SMTP,
        smtp_host="127.0.0.1",
        smtp_port=relay_port,
        smtp_starttls=False,
    )


async def deliver(runtime: Runtime) -> int:
    """Run the outbox until nothing is left to deliver (mails queued by fan-out too)."""
    total = 0
    dispatcher = runtime.dispatcher()
    while delivered := await dispatcher.run_once():
        total += delivered
    return total


@dataclass
class Stage:
    space: Space
    component: Component
    author: Actor
    follower: Actor
    space_follower: Actor
    bystander: Actor
    space_admin: Actor
    org_admin: Actor


@pytest.fixture
async def stage(session: AsyncSession, runtime: Runtime) -> Stage:
    """A public process with a proposals component and people around it."""
    space = await builders.space(session, title="Orçamento 2027")
    component = await builders.component(
        session,
        space,
        type=ComponentType.PROPOSALS,
        switches={"creation_enabled": True, "supports_enabled": True},
    )
    stage = Stage(
        space=space,
        component=component,
        author=await actor(session, runtime, name="Ana Autora"),
        follower=await actor(session, runtime, name="Bruno Seguidor"),
        space_follower=await actor(session, runtime, name="Carla Espaço"),
        bystander=await actor(session, runtime, name="Davi Alheio"),
        space_admin=await actor(
            session, runtime, space=space, space_role=SpaceRoleName.ADMIN
        ),
        org_admin=await actor(session, runtime, role=UserRole.ADMIN),
    )
    await follow(session, stage.space_follower.user, "space", space.id)
    return stage


async def follow(
    session: AsyncSession, user: User | None, resource_type: str, resource_id: int
) -> None:
    assert user is not None
    session.add(
        Follow(user_id=user.id, resource_type=resource_type, resource_id=resource_id)
    )
    await session.flush()


async def followed_proposal(
    session: AsyncSession, stage: Stage, title: str = "Mais árvores na Praça"
) -> Proposal:
    """A published proposal by the stage's author, followed by its follower."""
    assert stage.author.user is not None
    proposal = await builders.proposal(
        session, stage.component, stage.author.user, title=title
    )
    await follow(session, stage.author.user, "proposal", proposal.id)
    await follow(session, stage.follower.user, "proposal", proposal.id)
    return proposal


async def inbox(client: Any, who: Actor, **params: Any) -> dict[str, Any]:
    response = await client.get(
        f"{API}/me/notifications", params=params, headers=who.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def set_preferences(client: Any, who: Actor, **body: Any) -> dict[str, Any]:
    response = await client.patch(
        f"{API}/me/notification-preferences", json=body, headers=who.headers
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def outbox_payloads(session: AsyncSession, event_type: str) -> list[Any]:
    rows = await session.scalars(
        select(OutboxEvent.payload)
        .where(OutboxEvent.event_type == event_type)
        .order_by(OutboxEvent.id)
    )
    return list(rows)
