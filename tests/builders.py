"""Rows built directly in the test's session, for arranging a scenario fast.

Scenarios that a user would drive through the API use tests/factories.py; these
builders only set the stage (a published space, an admin, a role).
"""

from dataclasses import dataclass
from datetime import date, datetime
from itertools import count
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.components import Component, ComponentType
from app.models.proposals import AuthorKind, Proposal, ProposalStatus
from app.models.spaces import (
    Space,
    SpaceKind,
    SpaceMember,
    SpaceRole,
    SpaceRoleName,
    SpaceStatus,
    Visibility,
)
from app.models.taxonomies import Scope, ScopeType
from app.models.users import User, UserRole
from app.runtime import Runtime

_serial = count(1)
PASSWORD = "correct horse battery"


async def user(
    session: AsyncSession,
    runtime: Runtime,
    *,
    role: UserRole = UserRole.PARTICIPANT,
    name: str | None = None,
) -> User:
    """A confirmed account that can sign in with ``PASSWORD``."""
    serial = next(_serial)
    email = f"builder{serial}@example.org"
    account = User(
        email=email,
        email_normalized=email,
        name=name or f"Builder {serial}",
        nickname=f"builder_{serial}",
        password_hash=runtime.passwords.hash(PASSWORD),
        role=role,
        confirmed_at=utcnow(),
        tos_accepted_at=utcnow(),
    )
    session.add(account)
    await session.flush()
    return account


def bearer(runtime: Runtime, account: User) -> dict[str, str]:
    """Authorization headers for ``account``, as if it had signed in."""
    token = runtime.tokens.issue(account.id, account.token_version)
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Actor:
    """Someone calling the API: their account (None when anonymous), their headers."""

    user: User | None
    headers: dict[str, str]

    @property
    def id(self) -> int:
        assert self.user is not None
        return self.user.id


ANONYMOUS = Actor(None, {})


async def actor(
    session: AsyncSession,
    runtime: Runtime,
    role: UserRole = UserRole.PARTICIPANT,
    *,
    space: Space | None = None,
    space_role: SpaceRoleName | None = None,
    name: str | None = None,
) -> Actor:
    """A signed-in account, with a role in ``space`` when one is given."""
    account = await user(session, runtime, role=role, name=name)
    if space is not None and space_role is not None:
        await grant(session, space, account, space_role)
    return Actor(account, bearer(runtime, account))


async def scope(
    session: AsyncSession,
    *,
    parent: Scope | None = None,
    type: ScopeType = ScopeType.REGIONAL,
    name: str | None = None,
) -> Scope:
    serial = next(_serial)
    node = Scope(
        parent_id=parent.id if parent else None,
        type=type,
        code=f"S{serial}",
        name={"pt-BR": name or f"Território {serial}"},
    )
    session.add(node)
    await session.flush()
    node.path = f"{parent.path if parent else '/'}{node.id}/"
    await session.flush()
    return node


async def space(
    session: AsyncSession,
    *,
    kind: SpaceKind = SpaceKind.PROCESS,
    status: SpaceStatus = SpaceStatus.PUBLISHED,
    visibility: Visibility = Visibility.PUBLIC,
    scope_id: int | None = None,
    start_date: date | None = None,
    end_date: date | None = None,
    title: str | None = None,
    is_council: bool = False,
) -> Space:
    serial = next(_serial)
    created = Space(
        kind=kind,
        slug=f"espaco-{serial}",
        title={"pt-BR": title or f"Espaço {serial}"},
        status=status,
        published_at=utcnow() if status != SpaceStatus.DRAFT else None,
        visibility=visibility,
        scope_id=scope_id,
        start_date=start_date,
        end_date=end_date,
        is_council=is_council,
    )
    session.add(created)
    await session.flush()
    return created


async def grant(
    session: AsyncSession, space: Space, account: User, role: SpaceRoleName
) -> None:
    session.add(SpaceRole(space_id=space.id, user_id=account.id, role=role))
    await session.flush()


async def member(session: AsyncSession, space: Space, account: User) -> None:
    session.add(SpaceMember(space_id=space.id, user_id=account.id))
    await session.flush()


async def component(
    session: AsyncSession,
    space: Space,
    *,
    type: ComponentType = ComponentType.POSTS,
    published: bool = True,
    settings: dict[str, Any] | None = None,
    switches: dict[str, Any] | None = None,
) -> Component:
    created = Component(
        space_id=space.id,
        type=type,
        name={"pt-BR": f"Componente {next(_serial)}"},
        published_at=utcnow() if published else None,
        settings=settings or {},
        default_switches=switches or {},
    )
    session.add(created)
    await session.flush()
    return created


async def proposal(
    session: AsyncSession,
    component: Component,
    author: User | None,
    *,
    title: str | None = None,
    published_at: datetime | None = None,
    draft: bool = False,
    **values: Any,
) -> Proposal:
    """A proposal, published unless ``draft``; ``values`` set any other column."""
    serial = next(_serial)
    text = title or f"Proposta {serial}"
    columns: dict[str, Any] = {
        "component_id": component.id,
        "author_kind": AuthorKind.USER if author else AuthorKind.OFFICIAL,
        "author_id": author.id if author else None,
        "title": {"pt-BR": text},
        "body": {"pt-BR": f"<p>{text}</p>"},
        "search_text": f"{text} {text}".lower(),
        "status": ProposalStatus.DRAFT if draft else ProposalStatus.PUBLISHED,
        "published_at": None if draft else published_at or utcnow(),
    }
    created = Proposal(**{**columns, **values})
    session.add(created)
    await session.flush()
    if not draft:
        created.reference = f"CTG-PROP-2026-12-{created.id}"
        await session.flush()
    return created
