"""The one visibility rule, as each kind of reader meets it on the spaces endpoints.

Every status (draft, published, archived) crossed with every visibility (public,
private, private but transparent) and every reader (anonymous, participant,
member, collaborator, space admin, organisation admin).
"""

import itertools

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.spaces import Space, SpaceRoleName, SpaceStatus, Visibility
from app.models.users import UserRole
from app.runtime import Runtime
from tests import builders
from tests.builders import ANONYMOUS, Actor, actor
from tests.structure.spaces.conftest import API, phase

STATUSES = [SpaceStatus.DRAFT, SpaceStatus.PUBLISHED, SpaceStatus.ARCHIVED]
OPENNESS = ["public", "private", "transparent"]
READERS = [
    "anonymous",
    "participant",
    "member",
    "collaborator",
    "space_admin",
    "org_admin",
]
PREVIEWERS = {"collaborator", "space_admin", "org_admin"}


def may_read(status: SpaceStatus, openness: str, reader: str) -> bool:
    """The rule, spelt out: what each reader should see."""
    if reader in PREVIEWERS:
        return True
    if status is SpaceStatus.DRAFT:
        return False
    return openness != "private" or reader == "member"


async def make_space(
    session: AsyncSession, status: SpaceStatus, openness: str
) -> Space:
    space = await builders.space(
        session,
        status=status,
        visibility=Visibility.PUBLIC if openness == "public" else Visibility.PRIVATE,
    )
    space.transparent = openness == "transparent"
    await session.flush()
    return space


async def make_reader(
    session: AsyncSession, runtime: Runtime, space: Space, reader: str
) -> Actor:
    if reader == "anonymous":
        return ANONYMOUS
    if reader == "org_admin":
        return await actor(session, runtime, UserRole.ADMIN)
    held = await actor(session, runtime)
    if reader == "member":
        await builders.member(session, space, held.user)
    elif reader == "collaborator":
        await builders.grant(session, space, held.user, SpaceRoleName.COLLABORATOR)
    elif reader == "space_admin":
        await builders.grant(session, space, held.user, SpaceRoleName.ADMIN)
    return held


@pytest.mark.parametrize(
    ("status", "openness"),
    list(itertools.product(STATUSES, OPENNESS)),
    ids=lambda value: str(value),
)
async def test_each_reader_sees_the_space_exactly_as_the_rule_says(
    client: AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    status: SpaceStatus,
    openness: str,
):
    space = await make_space(session, status, openness)
    other = await builders.space(session)
    readers = {
        reader: await make_reader(session, runtime, space, reader) for reader in READERS
    }

    seen = {
        reader: await what_is_seen(client, space, viewer)
        for reader, viewer in readers.items()
    }

    for reader, answers in seen.items():
        visible = may_read(status, openness, reader)
        expected_ids = sorted([space.id, other.id] if visible else [other.id])
        expected_status = 200 if visible else 404
        assert answers == {
            "list": expected_ids,
            "by_id": expected_status,
            "by_slug": expected_status,
            "phases": expected_status,
            "timeline": expected_status,
        }, reader


async def what_is_seen(
    client: AsyncClient, space: Space, viewer: Actor
) -> dict[str, object]:
    """The list's ids and the status of each endpoint about ``space``."""
    headers = viewer.headers
    listed = await client.get(f"{API}/spaces", headers=headers)
    paths = {
        "by_id": f"{API}/spaces/{space.id}",
        "by_slug": f"{API}/spaces/{space.slug}",
        "phases": f"{API}/spaces/{space.id}/phases",
        "timeline": f"{API}/spaces/{space.id}/timeline",
    }
    answers: dict[str, object] = {
        "list": sorted(item["id"] for item in listed.json()["items"])
    }
    for name, path in paths.items():
        response = await client.get(path, headers=headers)
        answers[name] = response.status_code
        if response.status_code == 404:
            assert response.json()["type"].endswith("/not-found")
    return answers


async def test_role_holders_without_preview_read_published_private_spaces_only(
    client: AsyncClient, session: AsyncSession, runtime: Runtime
):
    published = await make_space(session, SpaceStatus.PUBLISHED, "private")
    draft = await make_space(session, SpaceStatus.DRAFT, "private")
    moderator = await actor(session, runtime)
    for space in (published, draft):
        await builders.grant(session, space, moderator.user, SpaceRoleName.MODERATOR)

    listed = await client.get(f"{API}/spaces", headers=moderator.headers)
    draft_detail = await client.get(
        f"{API}/spaces/{draft.id}", headers=moderator.headers
    )

    assert [item["id"] for item in listed.json()["items"]] == [published.id]
    assert draft_detail.status_code == 404


async def test_component_count_shows_only_components_the_reader_may_see(
    client: AsyncClient, session: AsyncSession, runtime: Runtime
):
    space = await builders.space(session)
    await builders.component(session, space, published=True)
    await builders.component(session, space, published=False)
    await phase(session, space, 0)
    collaborator = await actor(session, runtime)
    await builders.grant(session, space, collaborator.user, SpaceRoleName.COLLABORATOR)

    anonymous = await client.get(f"{API}/spaces/{space.id}")
    previewer = await client.get(
        f"{API}/spaces/{space.id}", headers=collaborator.headers
    )
    listed = await client.get(f"{API}/spaces")

    assert anonymous.json()["component_count"] == 1
    assert previewer.json()["component_count"] == 2
    assert listed.json()["items"][0]["component_count"] == 1
    assert anonymous.json()["phase_count"] == 1


async def test_unknown_spaces_and_odd_references_are_404(client: AsyncClient):
    responses = [
        await client.get(f"{API}/spaces/{reference}")
        for reference in ("999999", "nao-existe", "9" * 40, "%C3%A1gua")
    ]

    assert [response.status_code for response in responses] == [404] * 4
