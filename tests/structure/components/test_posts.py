"""Posts: news items, scheduled by their publication time, deleted to a tombstone."""

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.components import ComponentType, Post
from app.models.events import ChangeLogEntry, ChangeOperation
from app.models.spaces import SpaceStatus, Visibility
from tests import builders
from tests.api.problems import assert_problem, failing_fields
from tests.structure.components.conftest import (
    API,
    Cast,
    ids,
    log_entries,
    post,
    posts_component,
)


class TestCreate:
    async def test_a_post_is_public_at_once_by_default(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await posts_component(session, cast.space)

        response = await client.post(
            f"{API}/components/{component.id}/posts",
            json={"title": {"pt-BR": "Audiência"}, "body": {"pt-BR": "<p>Hoje</p>"}},
            headers=cast.space_admin.headers,
        )

        assert response.status_code == 201, response.text
        seen = await client.get(f"{API}/posts/{response.json()['id']}")
        assert seen.status_code == 200
        assert seen.json()["title"] == {"pt-BR": "Audiência"}
        [entry] = await log_entries(session, "post.published")
        assert entry.public is True
        assert entry.space_id == cast.space.id

    async def test_the_body_is_sanitised(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await posts_component(session, cast.space)
        body = '<p onclick="x()">Oi<script>alert(1)</script></p><img src=x>'

        response = await client.post(
            f"{API}/components/{component.id}/posts",
            json={"title": {"pt-BR": "Oi"}, "body": {"pt-BR": body, "en": "<img>"}},
            headers=cast.space_admin.headers,
        )

        assert response.json()["body"] == {"pt-BR": "<p>Oi</p>"}

    async def test_in_a_component_of_another_type_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await builders.component(
            session, cast.space, type=ComponentType.PAGES
        )

        response = await client.post(
            f"{API}/components/{component.id}/posts",
            json={"title": {"pt-BR": "Oi"}, "body": {}},
            headers=cast.space_admin.headers,
        )

        body = assert_problem(response, 422, "validation-error")
        assert failing_fields(body) == {"component_id"}
        assert await session.scalar(select(Post.id)) is None

    async def test_a_naive_publication_time_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await posts_component(session, cast.space)

        response = await client.post(
            f"{API}/components/{component.id}/posts",
            json={
                "title": {"pt-BR": "Oi"},
                "body": {},
                "published_at": "2030-01-01T10:00:00",
            },
            headers=cast.space_admin.headers,
        )

        body = assert_problem(response, 422, "validation-error")
        assert failing_fields(body) == {"published_at"}


class TestScheduled:
    async def test_a_future_post_is_invisible_to_the_public_until_then(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await posts_component(session, cast.space)
        scheduled = await post(
            session, component, published_at=utcnow() + timedelta(days=1)
        )
        shown = await post(session, component)

        for viewer in (cast.anonymous, cast.participant, cast.other_space_admin):
            listed = await client.get(
                f"{API}/components/{component.id}/posts", headers=viewer.headers
            )
            detail = await client.get(
                f"{API}/posts/{scheduled.id}", headers=viewer.headers
            )

            assert ids(listed.json()) == [shown.id]
            assert_problem(detail, 404, "not-found")

    async def test_the_space_team_previews_scheduled_posts(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await posts_component(session, cast.space)
        scheduled = await post(
            session, component, published_at=utcnow() + timedelta(days=1)
        )
        shown = await post(session, component)

        for viewer in (cast.space_admin, cast.collaborator, cast.org_admin):
            listed = await client.get(
                f"{API}/components/{component.id}/posts", headers=viewer.headers
            )
            detail = await client.get(
                f"{API}/posts/{scheduled.id}", headers=viewer.headers
            )

            assert ids(listed.json()) == [scheduled.id, shown.id]
            assert detail.status_code == 200

    async def test_a_post_once_due_is_public(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await posts_component(session, cast.space)
        due = await post(session, component, published_at=utcnow() + timedelta(days=1))
        due.published_at = utcnow() - timedelta(seconds=1)
        await session.flush()

        response = await client.get(f"{API}/posts/{due.id}")

        assert response.status_code == 200

    async def test_scheduling_is_logged_off_the_timeline(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await posts_component(session, cast.space)
        later = (utcnow() + timedelta(days=2)).isoformat()

        await client.post(
            f"{API}/components/{component.id}/posts",
            json={"title": {"pt-BR": "Em breve"}, "body": {}, "published_at": later},
            headers=cast.space_admin.headers,
        )

        [entry] = await log_entries(session, "post.scheduled")
        assert entry.public is False
        assert await log_entries(session, "post.published") == []

    async def test_bringing_a_scheduled_post_forward_publishes_it(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await posts_component(session, cast.space)
        scheduled = await post(
            session, component, published_at=utcnow() + timedelta(days=1)
        )

        response = await client.patch(
            f"{API}/posts/{scheduled.id}",
            json={"published_at": utcnow().isoformat()},
            headers=cast.space_admin.headers,
        )

        assert response.status_code == 200, response.text
        assert (await client.get(f"{API}/posts/{scheduled.id}")).status_code == 200
        [entry] = await log_entries(session, "post.published")
        assert entry.public is True
        assert "published_at" in entry.changes


class TestUpdate:
    async def test_changes_are_saved_and_logged(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await posts_component(session, cast.space)
        existing = await post(session, component, title="Antigo")

        response = await client.patch(
            f"{API}/posts/{existing.id}",
            json={"title": {"pt-BR": "Novo"}, "body": {"pt-BR": "<b>x</b><em>y</em>"}},
            headers=cast.space_admin.headers,
        )

        assert response.status_code == 200, response.text
        assert response.json()["title"] == {"pt-BR": "Novo"}
        assert response.json()["body"] == {"pt-BR": "x<em>y</em>"}
        [entry] = await log_entries(session, "post.updated")
        assert entry.changes["title"] == [{"pt-BR": "Antigo"}, {"pt-BR": "Novo"}]

    @pytest.mark.parametrize("field", ["title", "published_at"])
    async def test_null_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast, field: str
    ) -> None:
        component = await posts_component(session, cast.space)
        existing = await post(session, component)

        response = await client.patch(
            f"{API}/posts/{existing.id}",
            json={field: None},
            headers=cast.space_admin.headers,
        )

        body = assert_problem(response, 422, "validation-error")
        assert failing_fields(body) == {field}


class TestDelete:
    async def test_a_deleted_post_is_gone_for_everyone(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await posts_component(session, cast.space)
        existing = await post(session, component)

        response = await client.delete(
            f"{API}/posts/{existing.id}", headers=cast.space_admin.headers
        )

        assert response.status_code == 204
        for viewer in (cast.anonymous, cast.space_admin):
            detail = await client.get(
                f"{API}/posts/{existing.id}", headers=viewer.headers
            )
            listed = await client.get(
                f"{API}/components/{component.id}/posts", headers=viewer.headers
            )
            assert_problem(detail, 404, "not-found")
            assert ids(listed.json()) == []
        again = await client.delete(
            f"{API}/posts/{existing.id}", headers=cast.space_admin.headers
        )
        assert_problem(again, 404, "not-found")

    async def test_a_tombstone_stays_for_sync_clients(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await posts_component(session, cast.space)
        existing = await post(session, component)

        await client.delete(
            f"{API}/posts/{existing.id}", headers=cast.space_admin.headers
        )

        await session.refresh(existing)
        assert existing.deleted_at is not None
        changes = await session.scalars(
            select(ChangeLogEntry.operation)
            .where(
                ChangeLogEntry.record_type == "post",
                ChangeLogEntry.record_id == existing.id,
            )
            .order_by(ChangeLogEntry.id)
        )
        assert list(changes)[-1] == ChangeOperation.UPDATED
        [entry] = await log_entries(session, "post.deleted")
        assert entry.object_id == existing.id


class TestVisibility:
    async def test_posts_of_an_unpublished_component_are_hidden_from_the_public(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await builders.component(session, cast.space, published=False)
        hidden = await post(session, component)

        for viewer in (cast.anonymous, cast.participant, cast.other_space_admin):
            listed = await client.get(
                f"{API}/components/{component.id}/posts", headers=viewer.headers
            )
            detail = await client.get(
                f"{API}/posts/{hidden.id}", headers=viewer.headers
            )

            assert_problem(listed, 404, "not-found")
            assert_problem(detail, 404, "not-found")

    async def test_the_space_team_sees_posts_of_an_unpublished_component(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await builders.component(session, cast.space, published=False)
        hidden = await post(session, component)

        for viewer in (cast.space_admin, cast.collaborator):
            listed = await client.get(
                f"{API}/components/{component.id}/posts", headers=viewer.headers
            )
            detail = await client.get(
                f"{API}/posts/{hidden.id}", headers=viewer.headers
            )

            assert ids(listed.json()) == [hidden.id]
            assert detail.status_code == 200

    @pytest.mark.parametrize(
        ("status", "visibility"),
        [
            (SpaceStatus.DRAFT, Visibility.PUBLIC),
            (SpaceStatus.PUBLISHED, Visibility.PRIVATE),
        ],
        ids=["draft space", "private space"],
    )
    async def test_posts_of_a_hidden_space_stay_hidden(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        status: SpaceStatus,
        visibility: Visibility,
    ) -> None:
        space = await builders.space(session, status=status, visibility=visibility)
        component = await posts_component(session, space)
        hidden = await post(session, component)

        for viewer in (cast.anonymous, cast.participant):
            listed = await client.get(
                f"{API}/components/{component.id}/posts", headers=viewer.headers
            )
            detail = await client.get(
                f"{API}/posts/{hidden.id}", headers=viewer.headers
            )

            assert_problem(listed, 404, "not-found")
            assert_problem(detail, 404, "not-found")

    async def test_listing_a_component_of_another_type_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await builders.component(
            session, cast.space, type=ComponentType.PAGES
        )

        response = await client.get(f"{API}/components/{component.id}/posts")

        assert_problem(response, 422, "validation-error")


class TestPagination:
    async def test_newest_first_with_ties_broken_by_id(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await posts_component(session, cast.space)
        moment = utcnow() - timedelta(hours=1)
        older = await post(session, component, published_at=moment - timedelta(days=1))
        tied = [await post(session, component, published_at=moment) for _ in range(3)]
        newest = await post(session, component)

        pages = []
        cursor = None
        while True:
            params: dict[str, str | int] = {"limit": 2}
            if cursor:
                params["cursor"] = cursor
            response = await client.get(
                f"{API}/components/{component.id}/posts", params=params
            )
            pages.append(ids(response.json()))
            cursor = response.json()["next_cursor"]
            if cursor is None:
                break

        expected = [newest.id, *reversed([p.id for p in tied]), older.id]
        assert [post_id for page in pages for post_id in page] == expected
        assert len(pages) == 3

    @pytest.mark.parametrize(
        "cursor",
        [
            "not-base64!",
            "WyJub3QtYS1kYXRlIiwgMV0",
            "WyIyMDMwLTAxLTAxVDEwOjAwOjAwIiwxXQ",
        ],
        ids=["garbage", "not a date", "naive date"],
    )
    async def test_a_malformed_cursor_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast, cursor: str
    ) -> None:
        component = await posts_component(session, cast.space)

        response = await client.get(
            f"{API}/components/{component.id}/posts", params={"cursor": cursor}
        )

        body = assert_problem(response, 422, "validation-error")
        assert failing_fields(body) == {"cursor"}
