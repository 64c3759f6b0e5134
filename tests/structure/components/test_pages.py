"""Pages: static texts in order, found by id or by slug, deleted to a tombstone."""

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.components import ComponentType, Page
from app.models.spaces import SpaceStatus, Visibility
from tests import builders
from tests.api.problems import assert_problem, failing_fields
from tests.structure.components.conftest import (
    API,
    Cast,
    ids,
    log_entries,
    page,
    pages_component,
)


def page_body(slug: str = "regimento", **overrides: object) -> dict[str, object]:
    return {
        "slug": slug,
        "title": {"pt-BR": "Regimento interno"},
        "body": {"pt-BR": "<h2>Capítulo I</h2><p>Do conselho</p>"},
        **overrides,
    }


class TestCreate:
    async def test_a_page_is_placed_last_and_logged(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await pages_component(session, cast.space)
        await page(session, component, slug="lei", position=3)

        response = await client.post(
            f"{API}/components/{component.id}/pages",
            json=page_body(),
            headers=cast.space_admin.headers,
        )

        assert response.status_code == 201, response.text
        assert response.json()["position"] == 4
        assert response.json()["body"] == {
            "pt-BR": "<h2>Capítulo I</h2><p>Do conselho</p>"
        }
        [entry] = await log_entries(session, "page.created")
        assert entry.object_id == response.json()["id"]

    async def test_a_slug_taken_in_the_component_is_409(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await pages_component(session, cast.space)
        await page(session, component, slug="regimento")

        response = await client.post(
            f"{API}/components/{component.id}/pages",
            json=page_body("regimento"),
            headers=cast.space_admin.headers,
        )

        assert_problem(response, 409, "conflict")
        count = await session.scalars(select(Page.id))
        assert len(list(count)) == 1

    async def test_the_same_slug_in_another_component_is_fine(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        await page(session, await pages_component(session, cast.space), slug="lei")
        component = await pages_component(session, cast.space)

        response = await client.post(
            f"{API}/components/{component.id}/pages",
            json=page_body("lei"),
            headers=cast.space_admin.headers,
        )

        assert response.status_code == 201

    async def test_a_deleted_page_frees_its_slug(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await pages_component(session, cast.space)
        await page(session, component, slug="regimento", deleted=True)

        response = await client.post(
            f"{API}/components/{component.id}/pages",
            json=page_body("regimento"),
            headers=cast.space_admin.headers,
        )

        assert response.status_code == 201

    @pytest.mark.parametrize("slug", ["Com Espaço", "-lei", "lei--nova", ""])
    async def test_a_malformed_slug_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast, slug: str
    ) -> None:
        component = await pages_component(session, cast.space)

        response = await client.post(
            f"{API}/components/{component.id}/pages",
            json=page_body(slug),
            headers=cast.space_admin.headers,
        )

        body = assert_problem(response, 422, "validation-error")
        assert failing_fields(body) == {"slug"}

    async def test_in_a_component_of_another_type_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await builders.component(session, cast.space)

        response = await client.post(
            f"{API}/components/{component.id}/pages",
            json=page_body(),
            headers=cast.space_admin.headers,
        )

        body = assert_problem(response, 422, "validation-error")
        assert failing_fields(body) == {"component_id"}


class TestUpdate:
    async def test_changes_are_saved_and_logged(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await pages_component(session, cast.space)
        existing = await page(session, component, slug="lei")

        response = await client.patch(
            f"{API}/pages/{existing.id}",
            json={"slug": "lei-organica", "body": {"pt-BR": "<script>x</script>Art."}},
            headers=cast.space_admin.headers,
        )

        assert response.status_code == 200, response.text
        assert response.json()["slug"] == "lei-organica"
        assert response.json()["body"] == {"pt-BR": "Art."}
        [entry] = await log_entries(session, "page.updated")
        assert entry.changes["slug"] == ["lei", "lei-organica"]

    async def test_taking_another_pages_slug_is_409(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await pages_component(session, cast.space)
        await page(session, component, slug="lei")
        existing = await page(session, component, slug="estatuto")

        response = await client.patch(
            f"{API}/pages/{existing.id}",
            json={"slug": "lei"},
            headers=cast.space_admin.headers,
        )

        assert_problem(response, 409, "conflict")
        await session.refresh(existing)
        assert existing.slug == "estatuto"

    async def test_keeping_its_own_slug_is_fine(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await pages_component(session, cast.space)
        existing = await page(session, component, slug="lei")

        response = await client.patch(
            f"{API}/pages/{existing.id}",
            json={"slug": "lei", "title": {"pt-BR": "Lei"}},
            headers=cast.space_admin.headers,
        )

        assert response.status_code == 200


class TestReorder:
    async def test_positions_follow_the_order_given(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await pages_component(session, cast.space)
        a = await page(session, component, slug="a", position=0)
        b = await page(session, component, slug="b", position=1)
        await page(session, component, slug="gone", position=2, deleted=True)

        response = await client.put(
            f"{API}/components/{component.id}/pages/order",
            json={"ids": [b.id, a.id]},
            headers=cast.space_admin.headers,
        )

        assert response.status_code == 200, response.text
        assert [item["slug"] for item in response.json()] == ["b", "a"]
        listed = await client.get(f"{API}/components/{component.id}/pages")
        assert ids(listed.json()) == [b.id, a.id]
        [entry] = await log_entries(session, "page.reordered")
        assert entry.changes["order"] == [[a.id, b.id], [b.id, a.id]]

    async def test_leaving_a_page_out_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await pages_component(session, cast.space)
        a = await page(session, component, slug="a", position=0)
        b = await page(session, component, slug="b", position=1)

        response = await client.put(
            f"{API}/components/{component.id}/pages/order",
            json={"ids": [b.id]},
            headers=cast.space_admin.headers,
        )

        assert_problem(response, 422, "validation-error")
        await session.refresh(a)
        await session.refresh(b)
        assert (a.position, b.position) == (0, 1)


class TestRead:
    async def test_the_list_has_titles_and_slugs_but_no_bodies(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await pages_component(session, cast.space)
        await page(session, component, slug="estatuto")

        response = await client.get(f"{API}/components/{component.id}/pages")

        [item] = response.json()["items"]
        assert item["slug"] == "estatuto"
        assert item["title"] == {"pt-BR": "Estatuto"}
        assert "body" not in item

    async def test_a_page_is_found_by_id_and_by_slug(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await pages_component(session, cast.space)
        existing = await page(session, component, slug="estatuto")

        by_id = await client.get(f"{API}/pages/{existing.id}")
        by_slug = await client.get(f"{API}/components/{component.id}/pages/estatuto")

        assert by_id.status_code == 200
        assert by_id.json() == by_slug.json()
        assert by_id.json()["body"] == {"pt-BR": "<p>estatuto</p>"}

    async def test_an_unknown_slug_is_404(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await pages_component(session, cast.space)
        await page(session, await pages_component(session, cast.space), slug="lei")

        response = await client.get(f"{API}/components/{component.id}/pages/lei")

        assert_problem(response, 404, "not-found")

    async def test_listing_a_component_of_another_type_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await builders.component(session, cast.space)

        response = await client.get(f"{API}/components/{component.id}/pages")

        assert_problem(response, 422, "validation-error")

    async def test_pages_follow_each_other_without_gaps_or_repeats(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await pages_component(session, cast.space)
        made = [await page(session, component, slug=f"p{n}") for n in range(5)]

        first = await client.get(
            f"{API}/components/{component.id}/pages", params={"limit": 3}
        )
        second = await client.get(
            f"{API}/components/{component.id}/pages",
            params={"limit": 3, "cursor": first.json()["next_cursor"]},
        )

        assert ids(first.json()) + ids(second.json()) == [p.id for p in made]
        assert second.json()["next_cursor"] is None


class TestDelete:
    async def test_a_deleted_page_is_gone_but_keeps_a_tombstone(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await pages_component(session, cast.space)
        existing = await page(session, component, slug="lei")

        response = await client.delete(
            f"{API}/pages/{existing.id}", headers=cast.space_admin.headers
        )

        assert response.status_code == 204
        for path in (f"pages/{existing.id}", f"components/{component.id}/pages/lei"):
            found = await client.get(f"{API}/{path}", headers=cast.space_admin.headers)
            assert_problem(found, 404, "not-found")
        listed = await client.get(f"{API}/components/{component.id}/pages")
        assert ids(listed.json()) == []
        await session.refresh(existing)
        assert existing.deleted_at is not None
        [entry] = await log_entries(session, "page.deleted")
        assert entry.object_id == existing.id


class TestVisibility:
    async def test_pages_of_an_unpublished_component_are_hidden_from_the_public(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await builders.component(
            session, cast.space, type=ComponentType.PAGES, published=False
        )
        hidden = await page(session, component, slug="lei")

        for viewer in (cast.anonymous, cast.participant, cast.other_space_admin):
            for path in (
                f"components/{component.id}/pages",
                f"components/{component.id}/pages/lei",
                f"pages/{hidden.id}",
            ):
                response = await client.get(f"{API}/{path}", headers=viewer.headers)
                assert_problem(response, 404, "not-found")

    async def test_the_space_team_sees_pages_of_an_unpublished_component(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await builders.component(
            session, cast.space, type=ComponentType.PAGES, published=False
        )
        hidden = await page(session, component, slug="lei")

        for viewer in (cast.space_admin, cast.collaborator, cast.org_admin):
            listed = await client.get(
                f"{API}/components/{component.id}/pages", headers=viewer.headers
            )
            detail = await client.get(
                f"{API}/pages/{hidden.id}", headers=viewer.headers
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
    async def test_pages_of_a_hidden_space_stay_hidden(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        status: SpaceStatus,
        visibility: Visibility,
    ) -> None:
        space = await builders.space(session, status=status, visibility=visibility)
        component = await pages_component(session, space)
        hidden = await page(session, component, slug="lei")

        for viewer in (cast.anonymous, cast.participant):
            for path in (
                f"components/{component.id}/pages",
                f"components/{component.id}/pages/lei",
                f"pages/{hidden.id}",
            ):
                response = await client.get(f"{API}/{path}", headers=viewer.headers)
                assert_problem(response, 404, "not-found")
