"""Admins create, change, publish, unpublish and archive spaces."""

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.action_log import ActionLogEntry
from app.models.spaces import SpaceInterestGroup, SpaceRoleName, SpaceStatus, Visibility
from app.models.taxonomies import Area
from app.runtime import Runtime
from tests import builders
from tests.api.problems import assert_problem, failing_fields
from tests.builders import Actor
from tests.structure.spaces.conftest import API, interest_group, space_actor


def space_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "process",
        "slug": "plano-plurianual-2026",
        "title": {"pt-BR": "Plano Plurianual", "en": "Multi-year plan"},
    }
    body.update(overrides)
    return body


async def log_of(session: AsyncSession, space_id: int) -> list[ActionLogEntry]:
    query = (
        select(ActionLogEntry)
        .where(ActionLogEntry.space_id == space_id)
        .order_by(ActionLogEntry.id)
    )
    return list((await session.scalars(query)).all())


class TestCreate:
    async def test_an_org_admin_creates_a_draft_only_admins_see(
        self, client: AsyncClient, session: AsyncSession, org_admin: Actor
    ):
        youth = await interest_group(session, "juventude")
        scope = await builders.scope(session)
        body = space_body(
            subtitle={"pt-BR": "Participe"},
            description={"pt-BR": "<p>Oi<script>alert(1)</script></p>"},
            scope_id=scope.id,
            interest_group_ids=[youth.id, youth.id],
            start_date="2026-03-01",
            end_date="2026-12-31",
            hero_image_url="https://example.org/hero.jpg",
        )

        created = await client.post(
            f"{API}/spaces", json=body, headers=org_admin.headers
        )
        space = created.json()
        anonymous = await client.get(f"{API}/spaces/{space['slug']}")

        assert created.status_code == 201, created.text
        assert space["status"] == "draft"
        assert space["published_at"] is None
        assert space["description"] == {"pt-BR": "<p>Oi</p>"}
        assert space["interest_group_ids"] == [youth.id]
        assert space["scope_id"] == scope.id
        assert space["is_council"] is False
        assert space["phase_count"] == 0
        assert anonymous.status_code == 404
        [entry] = await log_of(session, space["id"])
        assert entry.action == "space.created"
        assert entry.actor_id == org_admin.user.id
        assert entry.public is False

    async def test_a_taken_slug_is_409(
        self, client: AsyncClient, session: AsyncSession, org_admin: Actor
    ):
        existing = await builders.space(session)

        response = await client.post(
            f"{API}/spaces",
            json=space_body(slug=existing.slug),
            headers=org_admin.headers,
        )

        assert_problem(response, 409, "conflict")

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"slug": "Com Espaço"}, "slug"),
            ({"slug": "2026"}, "slug"),
            ({"slug": "-plano"}, "slug"),
            ({"title": {}}, "title"),
            ({"title": {"portuguese": "x"}}, "title"),
            ({"kind": "council"}, "kind"),
            ({"hero_image_url": "javascript:alert(1)"}, "hero_image_url"),
            ({"status": "published"}, "status"),
            ({"scope_id": 2**70}, "scope_id"),
        ],
    )
    async def test_invalid_bodies_are_422(
        self,
        client: AsyncClient,
        org_admin: Actor,
        overrides: dict[str, Any],
        field: str,
    ):
        response = await client.post(
            f"{API}/spaces", json=space_body(**overrides), headers=org_admin.headers
        )

        body = assert_problem(response, 422, "validation-error")
        assert field in failing_fields(body)

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"start_date": "2026-05-02", "end_date": "2026-05-01"}, "end_date"),
            ({"transparent": True}, "transparent"),
            ({"scope_id": 987654}, "scope_id"),
            ({"area_id": 987654}, "area_id"),
            ({"interest_group_ids": [987654]}, "interest_group_ids"),
        ],
    )
    async def test_inconsistent_bodies_are_422(
        self,
        client: AsyncClient,
        org_admin: Actor,
        overrides: dict[str, Any],
        field: str,
    ):
        response = await client.post(
            f"{API}/spaces", json=space_body(**overrides), headers=org_admin.headers
        )

        body = assert_problem(response, 422, "validation-error")
        assert failing_fields(body) == {field}

    async def test_a_private_space_may_be_transparent(
        self, client: AsyncClient, org_admin: Actor
    ):
        response = await client.post(
            f"{API}/spaces",
            json=space_body(visibility="private", transparent=True),
            headers=org_admin.headers,
        )

        assert response.status_code == 201
        assert response.json()["transparent"] is True


class TestUpdate:
    async def test_a_space_admin_changes_fields_and_the_change_is_logged(
        self, client: AsyncClient, session: AsyncSession, runtime: Runtime
    ):
        space = await builders.space(session, status=SpaceStatus.DRAFT)
        admin = await space_actor(session, runtime, space, SpaceRoleName.ADMIN)
        area = Area(name={"pt-BR": "Mobilidade"})
        session.add(area)
        await session.flush()

        response = await client.patch(
            f"{API}/spaces/{space.id}",
            json={
                "title": {"pt-BR": "Novo título"},
                "area_id": area.id,
                "description": {"pt-BR": '<a href="javascript:x()">x</a>'},
            },
            headers=admin.headers,
        )

        assert response.status_code == 200, response.text
        assert response.json()["title"] == {"pt-BR": "Novo título"}
        assert response.json()["area_id"] == area.id
        assert response.json()["description"] == {
            "pt-BR": '<a rel="noopener noreferrer nofollow">x</a>'
        }
        [entry] = await log_of(session, space.id)
        assert entry.action == "space.updated"
        assert set(entry.changes) == {"title", "area_id", "description"}
        assert entry.changes["area_id"] == [None, area.id]

    async def test_an_unchanged_update_logs_nothing(
        self, client: AsyncClient, session: AsyncSession, org_admin: Actor
    ):
        space = await builders.space(session)

        response = await client.patch(
            f"{API}/spaces/{space.id}",
            json={"slug": space.slug, "title": space.title},
            headers=org_admin.headers,
        )

        assert response.status_code == 200
        assert await log_of(session, space.id) == []

    async def test_interest_groups_are_replaced(
        self, client: AsyncClient, session: AsyncSession, org_admin: Actor
    ):
        youth = await interest_group(session, "juventude")
        women = await interest_group(session, "mulheres")
        space = await builders.space(session)
        session.add(SpaceInterestGroup(space_id=space.id, interest_group_id=youth.id))
        await session.flush()

        response = await client.patch(
            f"{API}/spaces/{space.id}",
            json={"interest_group_ids": [women.id]},
            headers=org_admin.headers,
        )

        assert response.json()["interest_group_ids"] == [women.id]
        [entry] = await log_of(session, space.id)
        assert entry.changes == {"interest_group_ids": [[youth.id], [women.id]]}

    async def test_scope_and_dates_can_be_cleared(
        self, client: AsyncClient, session: AsyncSession, org_admin: Actor
    ):
        scope = await builders.scope(session)
        space = await builders.space(session, scope_id=scope.id)

        response = await client.patch(
            f"{API}/spaces/{space.id}",
            json={"scope_id": None, "start_date": None},
            headers=org_admin.headers,
        )

        assert response.status_code == 200
        assert response.json()["scope_id"] is None

    async def test_another_spaces_slug_is_409(
        self, client: AsyncClient, session: AsyncSession, org_admin: Actor
    ):
        space = await builders.space(session)
        other = await builders.space(session)

        response = await client.patch(
            f"{API}/spaces/{space.id}",
            json={"slug": other.slug},
            headers=org_admin.headers,
        )

        assert_problem(response, 409, "conflict")

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"end_date": "2026-01-01"}, "end_date"),
            ({"transparent": True}, "transparent"),
            ({"title": None}, "title"),
            ({"visibility": None}, "visibility"),
            ({"kind": "assembly"}, "kind"),
        ],
    )
    async def test_a_change_leaving_the_space_inconsistent_is_422(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org_admin: Actor,
        body: dict[str, Any],
        field: str,
    ):
        from datetime import date

        space = await builders.space(session, start_date=date(2026, 6, 1))

        response = await client.patch(
            f"{API}/spaces/{space.id}", json=body, headers=org_admin.headers
        )
        await session.refresh(space)

        problem = assert_problem(response, 422, "validation-error")
        assert field in failing_fields(problem)
        assert space.end_date is None
        assert space.transparent is False

    async def test_making_a_transparent_space_public_needs_transparent_off(
        self, client: AsyncClient, session: AsyncSession, org_admin: Actor
    ):
        space = await builders.space(session, visibility=Visibility.PRIVATE)
        space.transparent = True
        await session.flush()

        refused = await client.patch(
            f"{API}/spaces/{space.id}",
            json={"visibility": "public"},
            headers=org_admin.headers,
        )
        accepted = await client.patch(
            f"{API}/spaces/{space.id}",
            json={"visibility": "public", "transparent": False},
            headers=org_admin.headers,
        )

        assert_problem(refused, 422, "validation-error")
        assert accepted.status_code == 200


class TestStatus:
    async def test_publishing_opens_the_space_and_tells_the_timeline(
        self, client: AsyncClient, session: AsyncSession, org_admin: Actor
    ):
        space = await builders.space(session, status=SpaceStatus.DRAFT)

        published = await client.post(
            f"{API}/spaces/{space.id}/publish", headers=org_admin.headers
        )
        seen = await client.get(f"{API}/spaces/{space.id}")
        timeline = await client.get(f"{API}/spaces/{space.id}/timeline")

        assert published.status_code == 200
        assert published.json()["status"] == "published"
        assert published.json()["published_at"] is not None
        assert seen.status_code == 200
        [entry] = timeline.json()["items"]
        assert entry["action"] == "space.published"
        assert entry["object_type"] == "space"
        assert entry["object_id"] == space.id

    async def test_publishing_a_published_space_changes_nothing(
        self, client: AsyncClient, session: AsyncSession, org_admin: Actor
    ):
        space = await builders.space(session)

        response = await client.post(
            f"{API}/spaces/{space.id}/publish", headers=org_admin.headers
        )

        assert response.status_code == 200
        assert await log_of(session, space.id) == []

    async def test_unpublishing_hides_the_space_again(
        self, client: AsyncClient, session: AsyncSession, org_admin: Actor
    ):
        space = await builders.space(session)

        response = await client.post(
            f"{API}/spaces/{space.id}/unpublish", headers=org_admin.headers
        )
        seen = await client.get(f"{API}/spaces/{space.id}")

        assert response.json()["status"] == "draft"
        assert seen.status_code == 404
        [entry] = await log_of(session, space.id)
        assert (entry.action, entry.public) == ("space.unpublished", False)

    async def test_archiving_keeps_the_space_readable(
        self, client: AsyncClient, session: AsyncSession, org_admin: Actor
    ):
        space = await builders.space(session)

        response = await client.post(
            f"{API}/spaces/{space.id}/archive", headers=org_admin.headers
        )
        seen = await client.get(f"{API}/spaces/{space.id}")
        timeline = await client.get(f"{API}/spaces/{space.id}/timeline")

        assert response.json()["status"] == "archived"
        assert seen.json()["status"] == "archived"
        assert [e["action"] for e in timeline.json()["items"]] == ["space.archived"]

    async def test_a_draft_cannot_be_archived(
        self, client: AsyncClient, session: AsyncSession, org_admin: Actor
    ):
        space = await builders.space(session, status=SpaceStatus.DRAFT)

        response = await client.post(
            f"{API}/spaces/{space.id}/archive", headers=org_admin.headers
        )
        await session.refresh(space)

        assert_problem(response, 409, "conflict")
        assert space.status == SpaceStatus.DRAFT

    async def test_an_archived_space_can_be_published_again(
        self, client: AsyncClient, session: AsyncSession, org_admin: Actor
    ):
        space = await builders.space(session, status=SpaceStatus.ARCHIVED)
        first_published_at = space.published_at

        response = await client.post(
            f"{API}/spaces/{space.id}/publish", headers=org_admin.headers
        )

        assert response.json()["status"] == "published"
        assert response.json()["published_at"].startswith(
            first_published_at.isoformat()[:19]
        )

    async def test_an_unknown_space_is_404(self, client: AsyncClient, org_admin: Actor):
        response = await client.post(
            f"{API}/spaces/987654/publish", headers=org_admin.headers
        )

        assert_problem(response, 404, "not-found")
