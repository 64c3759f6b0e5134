"""Components of a space: admin writes, switches in force, who sees what."""

from datetime import datetime

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.components import Component, ComponentType
from app.models.spaces import SpaceStatus, Visibility
from app.schemas.components import Switches
from app.services.components import effective_switches
from tests import builders
from tests.api.problems import assert_problem, failing_fields
from tests.structure.components.conftest import (
    API,
    Cast,
    ids,
    log_entries,
    page,
    phase,
    post,
)


class TestCreate:
    async def test_a_new_component_is_unpublished_and_placed_last(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        first = await builders.component(session, cast.space)
        first.position = 4
        await session.flush()

        response = await client.post(
            f"{API}/spaces/{cast.space.id}/components",
            json={"type": "proposals", "name": {"pt-BR": "Propostas"}},
            headers=cast.space_admin.headers,
        )

        assert response.status_code == 201, response.text
        created = response.json()
        assert created["published_at"] is None
        assert created["position"] == 5
        assert created["space_id"] == cast.space.id
        assert created["phase_switches"] == {}
        assert created["current_switches"] == Switches().model_dump()

    async def test_creating_is_logged_with_the_fields_set(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        response = await client.post(
            f"{API}/spaces/{cast.space.id}/components",
            json={"type": "posts", "name": {"pt-BR": "Notícias"}},
            headers=cast.space_admin.headers,
        )

        [entry] = await log_entries(session, "component.created")
        assert entry.object_id == response.json()["id"]
        assert entry.space_id == cast.space.id
        assert entry.actor_id == cast.space_admin.user.id  # type: ignore[union-attr]
        assert entry.changes["name"] == [None, {"pt-BR": "Notícias"}]
        assert entry.public is False

    async def test_in_an_unknown_space_is_404(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        response = await client.post(
            f"{API}/spaces/999999/components",
            json={"type": "posts", "name": {"pt-BR": "Notícias"}},
            headers=cast.org_admin.headers,
        )

        assert_problem(response, 404, "not-found")


class TestUpdate:
    async def test_renames_and_merges_default_switches(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await builders.component(session, cast.space)
        component.default_switches = {"creation_enabled": True}
        await session.flush()

        response = await client.patch(
            f"{API}/components/{component.id}",
            json={
                "name": {"pt-BR": "Novo nome"},
                "default_switches": {"comments_blocked": True},
            },
            headers=cast.space_admin.headers,
        )

        assert response.status_code == 200, response.text
        body = response.json()
        assert body["name"] == {"pt-BR": "Novo nome"}
        assert body["default_switches"]["creation_enabled"] is True
        assert body["default_switches"]["comments_blocked"] is True
        [entry] = await log_entries(session, "component.updated")
        assert set(entry.changes) == {"name", "default_switches"}

    async def test_changing_nothing_logs_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await builders.component(session, cast.space)

        response = await client.patch(
            f"{API}/components/{component.id}",
            json={"name": component.name},
            headers=cast.space_admin.headers,
        )

        assert response.status_code == 200
        assert await log_entries(session, "component.updated") == []

    async def test_an_unknown_switch_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await builders.component(session, cast.space)

        response = await client.patch(
            f"{API}/components/{component.id}",
            json={"default_switches": {"voting_enabled": True}},
            headers=cast.space_admin.headers,
        )

        body = assert_problem(response, 422, "validation-error")
        assert failing_fields(body) == {"default_switches.voting_enabled"}


class TestDelete:
    async def test_an_empty_component_is_deleted_and_logged(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await builders.component(session, cast.space)
        component_id = component.id

        response = await client.delete(
            f"{API}/components/{component_id}", headers=cast.space_admin.headers
        )

        assert response.status_code == 204
        session.expunge(component)
        assert await session.get(Component, component_id) is None
        [entry] = await log_entries(session, "component.deleted")
        assert entry.object_id == component_id

    async def test_a_component_with_a_post_is_refused_with_409(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await builders.component(session, cast.space)
        await post(session, component)
        component_id = component.id

        response = await client.delete(
            f"{API}/components/{component_id}", headers=cast.space_admin.headers
        )

        assert_problem(response, 409, "conflict")
        session.expunge(component)
        assert await session.get(Component, component_id) is not None

    async def test_a_component_with_a_page_is_refused_with_409(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await builders.component(
            session, cast.space, type=ComponentType.PAGES
        )
        await page(session, component, slug="estatuto")

        response = await client.delete(
            f"{API}/components/{component.id}", headers=cast.space_admin.headers
        )

        assert_problem(response, 409, "conflict")

    async def test_deleted_posts_do_not_hold_a_component(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await builders.component(session, cast.space)
        await post(session, component, deleted=True)

        response = await client.delete(
            f"{API}/components/{component.id}", headers=cast.space_admin.headers
        )

        assert response.status_code == 204


class TestReorder:
    async def test_positions_follow_the_order_given(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        a, b, c = [await builders.component(session, cast.space) for _ in range(3)]

        response = await client.put(
            f"{API}/spaces/{cast.space.id}/components/order",
            json={"ids": [c.id, a.id, b.id]},
            headers=cast.space_admin.headers,
        )

        assert response.status_code == 200, response.text
        assert [item["id"] for item in response.json()] == [c.id, a.id, b.id]
        assert [item["position"] for item in response.json()] == [0, 1, 2]
        listed = await client.get(f"{API}/spaces/{cast.space.id}/components")
        assert ids(listed.json()) == [c.id, a.id, b.id]
        [entry] = await log_entries(session, "component.reordered")
        assert entry.changes["order"] == [[a.id, b.id, c.id], [c.id, a.id, b.id]]

    @pytest.mark.parametrize("shape", ["missing", "repeated", "foreign"])
    async def test_anything_but_every_component_once_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast, shape: str
    ) -> None:
        a, b = [await builders.component(session, cast.space) for _ in range(2)]
        elsewhere = await builders.component(session, await builders.space(session))
        sent = {
            "missing": [b.id],
            "repeated": [b.id, a.id, a.id],
            "foreign": [b.id, a.id, elsewhere.id],
        }[shape]

        response = await client.put(
            f"{API}/spaces/{cast.space.id}/components/order",
            json={"ids": sent},
            headers=cast.space_admin.headers,
        )

        body = assert_problem(response, 422, "validation-error")
        assert failing_fields(body) == {"ids"}


class TestPublish:
    async def test_publishing_shows_the_component_and_is_on_the_timeline(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await builders.component(session, cast.space, published=False)

        response = await client.post(
            f"{API}/components/{component.id}/publish",
            headers=cast.space_admin.headers,
        )

        assert response.status_code == 200
        assert response.json()["published_at"] is not None
        seen = await client.get(f"{API}/components/{component.id}")
        assert seen.status_code == 200
        [entry] = await log_entries(session, "component.published")
        assert entry.public is True

    async def test_publishing_twice_changes_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await builders.component(session, cast.space)
        published_at = component.published_at

        response = await client.post(
            f"{API}/components/{component.id}/publish",
            headers=cast.space_admin.headers,
        )

        assert response.status_code == 200
        seen = datetime.fromisoformat(response.json()["published_at"])
        assert seen == published_at
        assert await log_entries(session, "component.published") == []

    async def test_unpublishing_hides_the_component_from_the_public(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await builders.component(session, cast.space)

        response = await client.post(
            f"{API}/components/{component.id}/unpublish",
            headers=cast.space_admin.headers,
        )

        assert response.status_code == 200
        assert response.json()["published_at"] is None
        seen = await client.get(f"{API}/components/{component.id}")
        assert_problem(seen, 404, "not-found")
        [entry] = await log_entries(session, "component.unpublished")
        assert entry.public is False


class TestSwitches:
    async def test_without_an_active_phase_the_defaults_are_in_force(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await builders.component(session, cast.space)
        inactive = await phase(session, cast.space, position=1)
        component.default_switches = {"creation_enabled": True}
        component.phase_switches = {str(inactive.id): {"votes_enabled": True}}
        await session.flush()

        response = await client.get(f"{API}/components/{component.id}")

        current = response.json()["current_switches"]
        assert current["creation_enabled"] is True
        assert current["votes_enabled"] is False

    async def test_the_active_phase_switches_are_in_force(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await builders.component(session, cast.space)
        await phase(session, cast.space, position=1)
        active = await phase(session, cast.space, position=2, active=True)
        component.default_switches = {"creation_enabled": True}
        component.phase_switches = {str(active.id): {"supports_enabled": True}}
        await session.flush()

        response = await client.get(f"{API}/components/{component.id}")

        current = response.json()["current_switches"]
        assert current["supports_enabled"] is True
        assert current["creation_enabled"] is False
        assert response.json()["phase_switches"][str(active.id)]["supports_enabled"]

    async def test_an_active_phase_without_its_own_switches_uses_the_defaults(
        self, session: AsyncSession, cast: Cast
    ) -> None:
        component = await builders.component(session, cast.space)
        await phase(session, cast.space, position=1, active=True)
        component.default_switches = {"comments_enabled": False}
        await session.flush()

        switches = await effective_switches(session, component)

        assert switches == Switches(comments_enabled=False)

    async def test_the_components_list_shows_the_switches_in_force(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        with_phase = await builders.component(session, cast.space)
        without = await builders.component(session, cast.space)
        active = await phase(session, cast.space, position=1, active=True)
        with_phase.phase_switches = {str(active.id): {"votes_enabled": True}}
        await session.flush()

        response = await client.get(f"{API}/spaces/{cast.space.id}/components")

        by_id = {item["id"]: item for item in response.json()["items"]}
        assert by_id[with_phase.id]["current_switches"]["votes_enabled"] is True
        assert by_id[without.id]["current_switches"]["votes_enabled"] is False

    async def test_setting_a_phase_switches_stores_and_logs_them(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await builders.component(session, cast.space)
        active = await phase(session, cast.space, position=1, active=True)

        response = await client.put(
            f"{API}/components/{component.id}/phase-switches/{active.id}",
            json={"creation_enabled": True, "supports_enabled": True},
            headers=cast.space_admin.headers,
        )

        assert response.status_code == 200, response.text
        body = response.json()
        assert body["current_switches"]["creation_enabled"] is True
        assert body["phase_switches"][str(active.id)]["supports_enabled"] is True
        [entry] = await log_entries(session, "component.phase_switches_set")
        assert f"phase_switches.{active.id}" in entry.changes

    async def test_a_phase_of_another_space_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await builders.component(session, cast.space)
        foreign = await phase(session, await builders.space(session), position=1)

        response = await client.put(
            f"{API}/components/{component.id}/phase-switches/{foreign.id}",
            json={"creation_enabled": True},
            headers=cast.space_admin.headers,
        )

        body = assert_problem(response, 422, "validation-error")
        assert failing_fields(body) == {"phase_id"}
        await session.refresh(component)
        assert component.phase_switches == {}

    async def test_an_unknown_switch_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await builders.component(session, cast.space)
        active = await phase(session, cast.space, position=1, active=True)

        response = await client.put(
            f"{API}/components/{component.id}/phase-switches/{active.id}",
            json={"creating": True},
            headers=cast.space_admin.headers,
        )

        body = assert_problem(response, 422, "validation-error")
        assert failing_fields(body) == {"creating"}


class TestVisibility:
    async def test_unpublished_components_are_hidden_from_the_public(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        shown = await builders.component(session, cast.space)
        hidden = await builders.component(session, cast.space, published=False)

        for viewer in (cast.anonymous, cast.participant, cast.other_space_admin):
            listed = await client.get(
                f"{API}/spaces/{cast.space.id}/components", headers=viewer.headers
            )
            detail = await client.get(
                f"{API}/components/{hidden.id}", headers=viewer.headers
            )

            assert ids(listed.json()) == [shown.id]
            assert_problem(detail, 404, "not-found")

    async def test_the_space_team_and_organisation_admins_see_them(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        shown = await builders.component(session, cast.space)
        hidden = await builders.component(session, cast.space, published=False)

        for viewer in (cast.space_admin, cast.collaborator, cast.org_admin):
            listed = await client.get(
                f"{API}/spaces/{cast.space.id}/components", headers=viewer.headers
            )
            detail = await client.get(
                f"{API}/components/{hidden.id}", headers=viewer.headers
            )

            assert ids(listed.json()) == [shown.id, hidden.id]
            assert detail.status_code == 200

    @pytest.mark.parametrize(
        ("status", "visibility"),
        [
            (SpaceStatus.DRAFT, Visibility.PUBLIC),
            (SpaceStatus.PUBLISHED, Visibility.PRIVATE),
        ],
        ids=["draft space", "private space"],
    )
    async def test_published_components_of_a_hidden_space_stay_hidden(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        status: SpaceStatus,
        visibility: Visibility,
    ) -> None:
        space = await builders.space(session, status=status, visibility=visibility)
        component = await builders.component(session, space)

        for viewer in (cast.anonymous, cast.participant):
            listed = await client.get(
                f"{API}/spaces/{space.id}/components", headers=viewer.headers
            )
            detail = await client.get(
                f"{API}/components/{component.id}", headers=viewer.headers
            )

            assert_problem(listed, 404, "not-found")
            assert_problem(detail, 404, "not-found")

    async def test_members_of_a_private_space_see_its_published_components(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        space = await builders.space(session, visibility=Visibility.PRIVATE)
        await builders.member(session, space, cast.participant.user)  # type: ignore[arg-type]
        shown = await builders.component(session, space)
        await builders.component(session, space, published=False)

        response = await client.get(
            f"{API}/spaces/{space.id}/components", headers=cast.participant.headers
        )

        assert ids(response.json()) == [shown.id]


class TestPagination:
    async def test_pages_follow_each_other_without_gaps_or_repeats(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        made = [await builders.component(session, cast.space) for _ in range(5)]
        for component in made:
            component.position = 0  # the id alone must break the tie
        await session.flush()

        first = await client.get(
            f"{API}/spaces/{cast.space.id}/components", params={"limit": 2}
        )
        cursor = first.json()["next_cursor"]
        second = await client.get(
            f"{API}/spaces/{cast.space.id}/components",
            params={"limit": 2, "cursor": cursor},
        )
        third = await client.get(
            f"{API}/spaces/{cast.space.id}/components",
            params={"limit": 2, "cursor": second.json()["next_cursor"]},
        )

        assert 'rel="next"' in first.headers["link"]
        seen = ids(first.json()) + ids(second.json()) + ids(third.json())
        assert seen == [component.id for component in made]
        assert third.json()["next_cursor"] is None

    async def test_a_malformed_cursor_is_422(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        response = await client.get(
            f"{API}/spaces/{cast.space.id}/components", params={"cursor": "bm9wZQ"}
        )

        body = assert_problem(response, 422, "validation-error")
        assert failing_fields(body) == {"cursor"}
