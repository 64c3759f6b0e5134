"""Every endpoint that reads by id answers 404, and says nothing of the object,
when the caller may not see it: another person's draft, a private space's
content, hidden content.

The endpoints come from the OpenAPI documents, so a new one is walked too.
"""

import itertools
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.comments import Comment
from app.models.components import ComponentType, Page, Post
from app.models.spaces import Phase, Visibility
from app.runtime import Runtime
from tests import builders
from tests.builders import Actor
from tests.conversation.conftest import debate
from tests.meetings.conftest import meeting

SECRET = "SEGREDO"

NOT_BY_ID = {
    "/calendars/{token}.ics": "a private calendar token, not an id",
    "/me/data-export/{token}": "a download token; tests/privacy covers it",
    "/users/{user_id}/profile": "public profiles; a deleted one is 410",
    "/scopes/{scope_id}": "taxonomies are public",
    "/area-types/{area_type_id}": "taxonomies are public",
    "/areas/{area_id}": "taxonomies are public",
    "/interest-groups/{group_id}": "taxonomies are public",
}
STAFF_ONLY = {
    "/moderations/{moderation_id}",
    "/proposals/{proposal_id}/answer",
    "/spaces/{space_id}/members",
    "/spaces/{space_id}/roles",
    "/spaces/{space_id}/demands/report",
    "/meetings/{meeting_id}/registrations",
    "/meetings/{meeting_id}/attendees",
    "/spaces/{space_id}/council/seats",
    "/components/{component_id}/demands",
}
"""Team endpoints: a participant is refused (403) whether or not the object exists."""
THREAD_KEEPS_SHAPE = ("/comments/{comment_id}/replies", "hidden content")
"""The replies under a hidden comment stay readable; the comment never shows."""


@dataclass
class Case:
    name: str
    values: dict[str, list[Any]] = field(default_factory=dict)


@dataclass
class Unseen:
    viewer: Actor
    cases: list[Case]


def titled(serial: str) -> dict[str, str]:
    return {"pt-BR": f"{SECRET} {serial}"}


async def _private_space_case(session: AsyncSession, owner: Actor) -> Case:
    space = await builders.space(
        session, visibility=Visibility.PRIVATE, title=f"{SECRET} espaço"
    )
    components = {
        kind: await builders.component(session, space, type=kind)
        for kind in (
            ComponentType.PROPOSALS,
            ComponentType.DEBATES,
            ComponentType.MEETINGS,
            ComponentType.POSTS,
            ComponentType.PAGES,
        )
    }
    proposal = await builders.proposal(
        session, components[ComponentType.PROPOSALS], owner.user, title=SECRET
    )
    talk = await debate(session, components[ComponentType.DEBATES], owner, title=SECRET)
    said = Comment(
        resource_type="debate",
        resource_id=talk.id,
        author_id=owner.id,
        body=SECRET,
    )
    post = Post(
        component_id=components[ComponentType.POSTS].id,
        title=titled("post"),
        body=titled("post"),
        published_at=utcnow(),
    )
    page = Page(
        component_id=components[ComponentType.PAGES].id,
        slug="segredo",
        title=titled("page"),
        body=titled("page"),
    )
    phase = Phase(space_id=space.id, position=1, title=titled("fase"))
    session.add_all([said, post, page, phase])
    gathering = await meeting(
        session, components[ComponentType.MEETINGS], title=titled("reunião")
    )
    await session.flush()
    return Case(
        "a private space's content",
        {
            "id_or_slug": [space.id, space.slug],
            "space_id": [space.id],
            "component_id": [each.id for each in components.values()],
            "proposal_id": [proposal.id],
            "debate_id": [talk.id],
            "comment_id": [said.id],
            "meeting_id": [gathering.id],
            "post_id": [post.id],
            "page_id": [page.id],
            "slug": [page.slug],
            "phase_id": [phase.id],
            "resource_type": ["proposal", "debate", "meeting", "post"],
            "resource_id": [proposal.id, talk.id, gathering.id, post.id],
        },
    )


async def _hidden_case(session: AsyncSession, owner: Actor) -> Case:
    space = await builders.space(session)
    proposals = await builders.component(session, space, type=ComponentType.PROPOSALS)
    debates = await builders.component(session, space, type=ComponentType.DEBATES)
    meetings = await builders.component(session, space, type=ComponentType.MEETINGS)
    now = utcnow()
    proposal = await builders.proposal(
        session, proposals, owner.user, title=SECRET, hidden_at=now
    )
    hidden_talk = await debate(session, debates, owner, title=SECRET)
    open_talk = await debate(session, debates, owner, title="Aberto")
    hidden_talk.hidden_at = now
    said = Comment(
        resource_type="debate",
        resource_id=open_talk.id,
        author_id=owner.id,
        body=SECRET,
        hidden_at=now,
    )
    session.add(said)
    gathering = await meeting(session, meetings, title=titled("reunião"))
    gathering.hidden_at = now
    await session.flush()
    return Case(
        "hidden content",
        {
            "proposal_id": [proposal.id],
            "debate_id": [hidden_talk.id],
            "comment_id": [said.id],
            "meeting_id": [gathering.id],
            "resource_type": ["proposal", "debate", "meeting"],
            "resource_id": [proposal.id, hidden_talk.id, gathering.id],
        },
    )


async def _draft_case(session: AsyncSession, owner: Actor) -> Case:
    space = await builders.space(session)
    proposals = await builders.component(session, space, type=ComponentType.PROPOSALS)
    draft = await builders.proposal(
        session, proposals, owner.user, title=SECRET, draft=True
    )
    return Case(
        "another person's draft",
        {
            "proposal_id": [draft.id],
            "resource_type": ["proposal"],
            "resource_id": [draft.id],
        },
    )


@pytest.fixture
async def unseen(session: AsyncSession, runtime: Runtime) -> Unseen:
    owner = await builders.actor(session, runtime)
    return Unseen(
        viewer=await builders.actor(session, runtime),
        cases=[
            await _private_space_case(session, owner),
            await _hidden_case(session, owner),
            await _draft_case(session, owner),
        ],
    )


def by_id_paths(app: FastAPI, prefix: str) -> list[str]:
    """The documented GET paths that name an object, under ``prefix``."""
    for route in app.routes:
        mounted = getattr(route, "app", None)
        if getattr(route, "path", None) == prefix and isinstance(mounted, FastAPI):
            document = mounted.openapi()
            return [
                path
                for path, operations in document["paths"].items()
                if "get" in operations and "{" in path and path not in NOT_BY_ID
            ]
    raise AssertionError(f"no application mounted at {prefix}")


def fillings(path: str, case: Case) -> list[str]:
    """``path`` with each combination of the case's values for its parameters."""
    names = [part[1:-1] for part in path.replace(".ics", "").split("/") if "{" in part]
    if not all(name in case.values for name in names):
        return []
    combos = itertools.product(*(case.values[name] for name in names))
    filled = []
    for combo in combos:
        concrete = path
        for name, value in zip(names, combo, strict=True):
            concrete = concrete.replace("{" + name + "}", str(value))
        filled.append(concrete)
    return filled


@pytest.mark.parametrize("prefix", ["/api/v1", "/mobile/v1"])
async def test_nothing_unseen_is_read_by_id(
    client: httpx.AsyncClient, app: FastAPI, unseen: Unseen, prefix: str
) -> None:
    walked: list[str] = []
    leaks: list[str] = []
    for path in by_id_paths(app, prefix):
        for case in unseen.cases:
            for concrete in fillings(path, case):
                for who in (unseen.viewer.headers, {}):
                    response = await client.get(prefix + concrete, headers=who)
                    walked.append(concrete)
                    leaks += _judge(path, concrete, case, response, bool(who))

    assert not leaks, "\n".join(leaks)
    if prefix == "/api/v1":
        assert len(walked) > 50


def _judge(
    path: str, concrete: str, case: Case, response: httpx.Response, signed_in: bool
) -> list[str]:
    allowed = {404} if signed_in else {401, 404}
    if path in STAFF_ONLY and signed_in:
        allowed = {403, 404}
    if (path, case.name) == THREAD_KEEPS_SHAPE:
        allowed = {200}
    problems = []
    if response.status_code not in allowed:
        problems.append(f"{concrete} ({case.name}): {response.status_code}")
    if SECRET in response.text:
        problems.append(f"{concrete} ({case.name}) shows the object")
    return problems
