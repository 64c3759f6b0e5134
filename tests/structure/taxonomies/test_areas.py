"""Area types and areas: themes grouped by type."""

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.action_log import ActionLogEntry
from app.models.taxonomies import Area, AreaType
from tests import builders
from tests.api.problems import assert_problem, failing_fields
from tests.builders import Actor
from tests.conftest import QueryCounter
from tests.structure.taxonomies.conftest import API


async def area_type(session: AsyncSession, name: str = "Políticas") -> AreaType:
    created = AreaType(name={"pt-BR": name})
    session.add(created)
    await session.flush()
    return created


async def area(
    session: AsyncSession, kind: AreaType | None = None, name: str = "Saúde"
) -> Area:
    created = Area(area_type_id=kind.id if kind else None, name={"pt-BR": name})
    session.add(created)
    await session.flush()
    return created


class TestAreaTypes:
    async def test_admin_creates_renames_and_deletes_an_area_type(
        self, client: httpx.AsyncClient, session: AsyncSession, admin: Actor
    ) -> None:
        created = await client.post(
            f"{API}/area-types",
            json={"name": {"pt-BR": "Políticas sociais"}},
            headers=admin.headers,
        )
        type_id = created.json()["id"]
        renamed = await client.patch(
            f"{API}/area-types/{type_id}",
            json={"name": {"pt-BR": "Políticas", "en": "Policies"}},
            headers=admin.headers,
        )
        deleted = await client.delete(
            f"{API}/area-types/{type_id}", headers=admin.headers
        )

        assert created.status_code == 201, created.text
        assert renamed.json()["name"] == {"pt-BR": "Políticas", "en": "Policies"}
        assert deleted.status_code == 204
        assert (await client.get(f"{API}/area-types/{type_id}")).status_code == 404
        actions = await session.scalars(
            select(ActionLogEntry.action)
            .where(ActionLogEntry.object_type == "area_type")
            .where(ActionLogEntry.object_id == type_id)
            .order_by(ActionLogEntry.id)
        )
        assert list(actions) == [
            "area_type.created",
            "area_type.updated",
            "area_type.deleted",
        ]

    async def test_an_area_type_with_areas_is_in_use(
        self, client: httpx.AsyncClient, session: AsyncSession, admin: Actor
    ) -> None:
        kind = await area_type(session)
        await area(session, kind)

        response = await client.delete(
            f"{API}/area-types/{kind.id}", headers=admin.headers
        )

        body = assert_problem(response, 409, "conflict")
        assert body["in_use_by"] == ["areas"]
        assert (await client.get(f"{API}/area-types/{kind.id}")).status_code == 200

    async def test_anyone_reads_area_types(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        kind = await area_type(session, "Temas")

        listed = await client.get(f"{API}/area-types", params={"limit": 100})
        detail = await client.get(f"{API}/area-types/{kind.id}")

        assert kind.id in [item["id"] for item in listed.json()["items"]]
        assert detail.json()["name"] == {"pt-BR": "Temas"}

    async def test_an_unknown_area_type_is_a_404(
        self, client: httpx.AsyncClient, admin: Actor
    ) -> None:
        assert_problem(await client.get(f"{API}/area-types/999999"), 404, "not-found")
        patched = await client.patch(
            f"{API}/area-types/999999",
            json={"name": {"pt-BR": "X"}},
            headers=admin.headers,
        )
        assert_problem(patched, 404, "not-found")


class TestAreas:
    async def test_admin_creates_an_area_of_a_type(
        self, client: httpx.AsyncClient, session: AsyncSession, admin: Actor
    ) -> None:
        kind = await area_type(session)

        response = await client.post(
            f"{API}/areas",
            json={"area_type_id": kind.id, "name": {"pt-BR": "Saúde", "en": "Health"}},
            headers=admin.headers,
        )

        assert response.status_code == 201, response.text
        assert response.json()["area_type_id"] == kind.id
        assert response.json()["name"] == {"pt-BR": "Saúde", "en": "Health"}

    async def test_an_unknown_area_type_is_a_422_on_the_field(
        self, client: httpx.AsyncClient, session: AsyncSession, admin: Actor
    ) -> None:
        existing = await area(session)

        created = await client.post(
            f"{API}/areas",
            json={"area_type_id": 999_999, "name": {"pt-BR": "Saúde"}},
            headers=admin.headers,
        )
        updated = await client.patch(
            f"{API}/areas/{existing.id}",
            json={"area_type_id": 999_999},
            headers=admin.headers,
        )

        for response in (created, updated):
            body = assert_problem(response, 422, "validation-error")
            assert failing_fields(body) == {"area_type_id"}

    async def test_an_area_changes_type_or_leaves_it(
        self, client: httpx.AsyncClient, session: AsyncSession, admin: Actor
    ) -> None:
        first, second = await area_type(session), await area_type(session)
        theme = await area(session, first)

        moved = await client.patch(
            f"{API}/areas/{theme.id}",
            json={"area_type_id": second.id},
            headers=admin.headers,
        )
        detached = await client.patch(
            f"{API}/areas/{theme.id}",
            json={"area_type_id": None},
            headers=admin.headers,
        )

        assert moved.json()["area_type_id"] == second.id
        assert detached.json()["area_type_id"] is None
        assert detached.json()["name"] == {"pt-BR": "Saúde"}

    async def test_a_name_cannot_be_emptied(
        self, client: httpx.AsyncClient, session: AsyncSession, admin: Actor
    ) -> None:
        theme = await area(session)

        for name in (None, {}, {"pt-BR": "  "}):
            response = await client.patch(
                f"{API}/areas/{theme.id}", json={"name": name}, headers=admin.headers
            )

            body = assert_problem(response, 422, "validation-error")
            assert failing_fields(body) == {"name"}

    async def test_the_list_filters_by_area_type(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        kind, other = await area_type(session), await area_type(session)
        health = await area(session, kind, "Saúde")
        education = await area(session, kind, "Educação")
        await area(session, other, "Mobilidade")

        response = await client.get(f"{API}/areas", params={"area_type_id": kind.id})

        assert [item["id"] for item in response.json()["items"]] == [
            health.id,
            education.id,
        ]

    async def test_an_area_of_a_space_is_in_use(
        self, client: httpx.AsyncClient, session: AsyncSession, admin: Actor
    ) -> None:
        theme = await area(session)
        space = await builders.space(session)
        space.area_id = theme.id
        await session.flush()

        response = await client.delete(f"{API}/areas/{theme.id}", headers=admin.headers)

        body = assert_problem(response, 409, "conflict")
        assert body["in_use_by"] == ["spaces"]
        assert (await client.get(f"{API}/areas/{theme.id}")).status_code == 200

    async def test_an_unused_area_is_deleted(
        self, client: httpx.AsyncClient, session: AsyncSession, admin: Actor
    ) -> None:
        theme = await area(session)

        response = await client.delete(f"{API}/areas/{theme.id}", headers=admin.headers)

        assert response.status_code == 204
        assert_problem(await client.get(f"{API}/areas/{theme.id}"), 404, "not-found")

    async def test_the_list_runs_the_same_queries_for_2_and_20_areas(
        self, client: httpx.AsyncClient, session: AsyncSession, queries: QueryCounter
    ) -> None:
        small, large = await area_type(session), await area_type(session)
        for _ in range(2):
            await area(session, small)
        for _ in range(20):
            await area(session, large)

        before = queries.count
        few = await client.get(f"{API}/areas", params={"area_type_id": small.id})
        middle = queries.count
        many = await client.get(
            f"{API}/areas", params={"area_type_id": large.id, "limit": 50}
        )

        assert len(few.json()["items"]) == 2
        assert len(many.json()["items"]) == 20
        assert middle - before == queries.count - middle

    async def test_the_area_type_list_runs_the_same_queries_for_2_and_20(
        self, client: httpx.AsyncClient, session: AsyncSession, queries: QueryCounter
    ) -> None:
        for _ in range(20):
            await area_type(session)

        before = queries.count
        few = await client.get(f"{API}/area-types", params={"limit": 2})
        middle = queries.count
        many = await client.get(f"{API}/area-types", params={"limit": 100})

        assert len(few.json()["items"]) == 2
        assert len(many.json()["items"]) >= 20
        assert middle - before == queries.count - middle
