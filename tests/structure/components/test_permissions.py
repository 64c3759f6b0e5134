"""Every admin endpoint of components, posts and pages, called by everyone.

Anonymous clients get 401; participants, the space's collaborators and admins
of another space get 403; the space's admin and organisation admins succeed.
A refusal changes nothing: not a row, not a log entry.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.action_log import ActionLogEntry
from app.models.components import Component, ComponentType, Page, Post
from app.models.events import ChangeLogEntry
from tests import builders
from tests.api.problems import assert_problem, assert_unauthenticated
from tests.structure.components.conftest import API, Cast, page, phase, post


@dataclass
class Scene:
    space_id: int
    posts: Component
    pages: Component
    draft: Component
    empty: Component
    post_id: int
    page_ids: tuple[int, int]
    phase_id: int


@dataclass
class Call:
    method: str
    path: Callable[[Scene], str]
    body: Callable[[Scene], Any] = lambda _scene: None
    status: int = 200


CALLS: dict[str, Call] = {
    "components:create": Call(
        "POST",
        lambda s: f"spaces/{s.space_id}/components",
        lambda _s: {"type": "meetings", "name": {"pt-BR": "Reuniões"}},
        201,
    ),
    "components:update": Call(
        "PATCH",
        lambda s: f"components/{s.posts.id}",
        lambda _s: {
            "name": {"pt-BR": "Outro"},
            "settings": {"comments_enabled": False},
        },
    ),
    "components:delete": Call(
        "DELETE", lambda s: f"components/{s.empty.id}", status=204
    ),
    "components:reorder": Call(
        "PUT",
        lambda s: f"spaces/{s.space_id}/components/order",
        lambda s: {"ids": [s.empty.id, s.draft.id, s.pages.id, s.posts.id]},
    ),
    "components:publish": Call("POST", lambda s: f"components/{s.draft.id}/publish"),
    "components:unpublish": Call(
        "POST", lambda s: f"components/{s.posts.id}/unpublish"
    ),
    "components:set_phase_switches": Call(
        "PUT",
        lambda s: f"components/{s.posts.id}/phase-switches/{s.phase_id}",
        lambda _s: {"comments_enabled": False},
    ),
    "posts:create": Call(
        "POST",
        lambda s: f"components/{s.posts.id}/posts",
        lambda _s: {"title": {"pt-BR": "Nova"}, "body": {"pt-BR": "Texto"}},
        201,
    ),
    "posts:update": Call(
        "PATCH", lambda s: f"posts/{s.post_id}", lambda _s: {"title": {"pt-BR": "X"}}
    ),
    "posts:delete": Call("DELETE", lambda s: f"posts/{s.post_id}", status=204),
    "pages:create": Call(
        "POST",
        lambda s: f"components/{s.pages.id}/pages",
        lambda _s: {"slug": "nova", "title": {"pt-BR": "Nova"}, "body": {}},
        201,
    ),
    "pages:update": Call(
        "PATCH",
        lambda s: f"pages/{s.page_ids[0]}",
        lambda _s: {"title": {"pt-BR": "Outro"}},
    ),
    "pages:delete": Call("DELETE", lambda s: f"pages/{s.page_ids[0]}", status=204),
    "pages:reorder": Call(
        "PUT",
        lambda s: f"components/{s.pages.id}/pages/order",
        lambda s: {"ids": list(reversed(s.page_ids))},
    ),
}

REFUSED = {
    "anonymous": 401,
    "participant": 403,
    "collaborator": 403,
    "other_space_admin": 403,
}
ALLOWED = ("space_admin", "org_admin")


@pytest.fixture
async def scene(session: AsyncSession, cast: Cast) -> Scene:
    posts = await builders.component(session, cast.space, type=ComponentType.POSTS)
    pages = await builders.component(session, cast.space, type=ComponentType.PAGES)
    draft = await builders.component(
        session, cast.space, type=ComponentType.PROPOSALS, published=False
    )
    empty = await builders.component(session, cast.space, type=ComponentType.DEBATES)
    first = await page(session, pages, slug="primeira", position=0)
    second = await page(session, pages, slug="segunda", position=1)
    return Scene(
        space_id=cast.space.id,
        posts=posts,
        pages=pages,
        draft=draft,
        empty=empty,
        post_id=(await post(session, posts)).id,
        page_ids=(first.id, second.id),
        phase_id=(await phase(session, cast.space, position=1)).id,
    )


async def snapshot(session: AsyncSession) -> list[Any]:
    """Every row the endpoints could touch, as plain tuples."""
    rows: list[Any] = []
    for model in (Component, Post, Page, ActionLogEntry, ChangeLogEntry):
        table = model.__table__
        result = await session.execute(select(table).order_by(table.c.id))
        rows.append([tuple(row) for row in result])
    return rows


async def call(
    client: httpx.AsyncClient, scene: Scene, name: str, headers: dict[str, str]
) -> httpx.Response:
    spec = CALLS[name]
    return await client.request(
        spec.method,
        f"{API}/{spec.path(scene)}",
        json=spec.body(scene),
        headers=headers,
    )


@pytest.mark.parametrize("name", list(CALLS))
async def test_refused_and_nothing_changes(
    client: httpx.AsyncClient,
    session: AsyncSession,
    cast: Cast,
    scene: Scene,
    name: str,
) -> None:
    before = await snapshot(session)

    for who, status in REFUSED.items():
        response = await call(client, scene, name, getattr(cast, who).headers)

        if status == 401:
            assert_unauthenticated(response)
        else:
            assert_problem(response, 403, "forbidden")
        assert await snapshot(session) == before, who


@pytest.mark.parametrize("who", ALLOWED)
@pytest.mark.parametrize("name", list(CALLS))
async def test_the_space_admins_may(
    client: httpx.AsyncClient,
    session: AsyncSession,
    cast: Cast,
    scene: Scene,
    name: str,
    who: str,
) -> None:
    logged_before = len((await snapshot(session))[3])

    response = await call(client, scene, name, getattr(cast, who).headers)

    assert response.status_code == CALLS[name].status, response.text
    assert len((await snapshot(session))[3]) == logged_before + 1


async def test_the_matrix_covers_every_admin_endpoint(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(f"{API}/openapi.json")

    writes = {
        operation["operationId"]
        for path in response.json()["paths"].values()
        for method, operation in path.items()
        if method != "get" and operation["tags"][0] in ("components", "posts", "pages")
    }
    assert writes == set(CALLS)
