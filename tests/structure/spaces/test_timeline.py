"""A space's public timeline: what happened, never who did it or what changed."""

from datetime import timedelta

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.components import ComponentType, Post
from app.models.spaces import Space, SpaceRoleName
from app.models.users import User
from app.runtime import Runtime
from app.services.action_log import record
from tests import builders
from tests.api.problems import assert_problem
from tests.builders import Actor
from tests.conftest import QueryCounter
from tests.structure.spaces.conftest import API, space_actor

SECRET = "cpf 123.456.789-00"


async def log(
    session: AsyncSession,
    space: Space,
    action: str,
    *,
    public: bool = True,
    actor: User | None = None,
    object_type: str = "space",
    object_id: int | None = None,
) -> int:
    entry = record(
        session,
        actor,
        action,
        object_type=object_type,
        object_id=object_id or space.id,
        space_id=space.id,
        changes={"note": [None, SECRET]},
        public=public,
    )
    await session.flush()
    return entry.id


async def test_only_public_entries_show_newest_first_without_changes_or_actor(
    client: AsyncClient, session: AsyncSession, runtime: Runtime
):
    space = await builders.space(session)
    admin = await builders.user(session, runtime, name="Secretária Executiva")
    published = await log(session, space, "space.published", actor=admin)
    await log(session, space, "space.updated", public=False, actor=admin)
    activated = await log(session, space, "phase.activated", actor=admin)
    await log(session, await builders.space(session), "space.published")

    response = await client.get(f"{API}/spaces/{space.id}/timeline")

    items = response.json()["items"]
    assert [item["id"] for item in items] == [activated, published]
    assert [item["action"] for item in items] == ["phase.activated", "space.published"]
    for item in items:
        assert set(item) == {"id", "action", "object_type", "object_id", "created_at"}
    assert SECRET not in response.text
    assert "Secretária" not in response.text


async def test_admins_see_the_same_timeline_as_everyone(
    client: AsyncClient, session: AsyncSession, runtime: Runtime, org_admin: Actor
):
    space = await builders.space(session)
    await log(session, space, "space.published")
    await log(session, space, "space.updated", public=False)

    public = await client.get(f"{API}/spaces/{space.id}/timeline")
    admin = await client.get(
        f"{API}/spaces/{space.id}/timeline", headers=org_admin.headers
    )

    assert admin.json()["items"] == public.json()["items"]
    assert SECRET not in admin.text


async def test_entries_about_a_component_the_reader_may_not_see_are_left_out(
    client: AsyncClient, session: AsyncSession, runtime: Runtime
):
    space = await builders.space(session)
    shown = await builders.component(session, space, published=True)
    hidden = await builders.component(session, space, published=False)
    about_shown = await log(
        session,
        space,
        "component.published",
        object_type="component",
        object_id=shown.id,
    )
    about_hidden = await log(
        session, space, "meeting.held", object_type="component", object_id=hidden.id
    )
    collaborator = await space_actor(
        session, runtime, space, SpaceRoleName.COLLABORATOR
    )

    anonymous = await client.get(f"{API}/spaces/{space.id}/timeline")
    previewer = await client.get(
        f"{API}/spaces/{space.id}/timeline", headers=collaborator.headers
    )

    assert [item["id"] for item in anonymous.json()["items"]] == [about_shown]
    assert [item["id"] for item in previewer.json()["items"]] == [
        about_hidden,
        about_shown,
    ]


async def test_entries_about_a_deleted_or_scheduled_post_are_left_out(
    client: AsyncClient, session: AsyncSession
):
    space = await builders.space(session)
    news = await builders.component(session, space, type=ComponentType.POSTS)
    now = utcnow()
    live, deleted, scheduled = (
        Post(component_id=news.id, title={"pt-BR": title}, body={}, published_at=at)
        for title, at in (
            ("Audiência marcada", now - timedelta(hours=1)),
            ("Nota retirada", now - timedelta(hours=1)),
            ("Resultado da votação", now + timedelta(days=2)),
        )
    )
    session.add_all([live, deleted, scheduled])
    await session.flush()
    deleted.deleted_at = now
    entries = {
        post.id: await log(
            session, space, "post.published", object_type="post", object_id=post.id
        )
        for post in (live, deleted, scheduled)
    }

    response = await client.get(f"{API}/spaces/{space.id}/timeline")

    assert [item["id"] for item in response.json()["items"]] == [entries[live.id]]


async def test_pages_cover_every_entry_once(client: AsyncClient, session: AsyncSession):
    space = await builders.space(session)
    ids = [await log(session, space, f"step.{index}") for index in range(11)]

    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, object] = {"limit": 4}
        if cursor:
            params["cursor"] = cursor
        body = (
            await client.get(f"{API}/spaces/{space.id}/timeline", params=params)
        ).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert seen == sorted(ids, reverse=True)


async def test_a_malformed_cursor_is_422(client: AsyncClient, session: AsyncSession):
    space = await builders.space(session)

    response = await client.get(
        f"{API}/spaces/{space.id}/timeline", params={"cursor": "WyJ4Il0"}
    )

    assert_problem(response, 422, "validation-error")


async def test_the_timeline_runs_a_constant_number_of_queries(
    client: AsyncClient, session: AsyncSession, queries: QueryCounter
):
    space = await builders.space(session)
    component = await builders.component(session, space)

    async def count_for(total: int) -> int:
        for index in range(total):
            await log(
                session,
                space,
                f"step.{index}",
                object_type="component" if index % 2 else "space",
                object_id=component.id if index % 2 else space.id,
            )
        before = queries.count
        response = await client.get(
            f"{API}/spaces/{space.id}/timeline", params={"limit": 100}
        )
        assert response.status_code == 200
        return queries.count - before

    with_2 = await count_for(2)
    with_20 = await count_for(18)

    assert with_2 == with_20
