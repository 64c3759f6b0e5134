"""Scopes: the territorial tree, its boundaries, moves and deletions."""

from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.action_log import ActionLogEntry
from app.models.taxonomies import Scope, ScopeType
from tests import builders
from tests.api.problems import assert_problem, failing_fields
from tests.builders import Actor
from tests.conftest import QueryCounter
from tests.structure.taxonomies.conftest import API, declare, municipality_feature

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[-44.1, -19.9], [-44.0, -19.9], [-44.0, -19.8], [-44.1, -19.9]]],
}


def scope_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "regional",
        "code": "RES",
        "name": {"pt-BR": "Ressaca", "en": "Ressaca"},
    }
    body.update(overrides)
    return body


async def paths(session: AsyncSession, *scopes: Scope) -> list[str]:
    rows = await session.execute(
        select(Scope.id, Scope.path).where(Scope.id.in_([s.id for s in scopes]))
    )
    by_id = {row.id: row.path for row in rows}
    return [by_id[scope.id] for scope in scopes]


class TestCreate:
    async def test_admin_creates_a_regional_under_the_municipality(
        self, client: httpx.AsyncClient, session: AsyncSession, admin: Actor
    ) -> None:
        city = await builders.scope(session, type=ScopeType.MUNICIPALITY)

        response = await client.post(
            f"{API}/scopes",
            json=scope_body(parent_id=city.id, population=95263),
            headers=admin.headers,
        )

        assert response.status_code == 201, response.text
        created = response.json()
        assert created["parent_id"] == city.id
        assert created["type"] == "regional"
        assert created["code"] == "RES"
        assert created["name"] == {"pt-BR": "Ressaca", "en": "Ressaca"}
        assert created["population"] == 95263
        assert created["boundary"] is None
        assert [a["id"] for a in created["ancestors"]] == [city.id]
        assert created["children_count"] == 0
        assert "path" not in created
        stored = await session.get(Scope, created["id"])
        assert stored is not None
        assert stored.path == f"{city.path}{created['id']}/"

    async def test_a_root_scope_gets_its_own_path(
        self, client: httpx.AsyncClient, session: AsyncSession, admin: Actor
    ) -> None:
        response = await client.post(
            f"{API}/scopes",
            json=scope_body(type="municipality", code="CTG"),
            headers=admin.headers,
        )

        assert response.status_code == 201, response.text
        scope_id = response.json()["id"]
        path = await session.scalar(select(Scope.path).where(Scope.id == scope_id))
        assert path == f"/{scope_id}/"
        assert response.json()["ancestors"] == []

    async def test_creation_is_logged(
        self, client: httpx.AsyncClient, session: AsyncSession, admin: Actor
    ) -> None:
        response = await client.post(
            f"{API}/scopes", json=scope_body(), headers=admin.headers
        )

        entry = await session.scalar(
            select(ActionLogEntry).where(
                ActionLogEntry.object_type == "scope",
                ActionLogEntry.object_id == response.json()["id"],
            )
        )
        assert entry is not None
        assert entry.action == "scope.created"
        assert entry.actor_id == admin.user.id

    async def test_a_taken_code_is_a_409(
        self, client: httpx.AsyncClient, session: AsyncSession, admin: Actor
    ) -> None:
        existing = await builders.scope(session)

        response = await client.post(
            f"{API}/scopes", json=scope_body(code=existing.code), headers=admin.headers
        )

        body = assert_problem(response, 409, "conflict")
        assert body["field"] == "code"

    async def test_an_unknown_parent_is_a_422_on_parent_id(
        self, client: httpx.AsyncClient, admin: Actor
    ) -> None:
        response = await client.post(
            f"{API}/scopes", json=scope_body(parent_id=999_999), headers=admin.headers
        )

        body = assert_problem(response, 422, "validation-error")
        assert failing_fields(body) == {"parent_id"}

    async def test_invalid_fields_are_422_with_their_names(
        self, client: httpx.AsyncClient, admin: Actor
    ) -> None:
        body = {
            "type": "planet",
            "code": "has spaces",
            "name": {},
            "population": -1,
            "surprise": True,
        }

        response = await client.post(f"{API}/scopes", json=body, headers=admin.headers)

        problem = assert_problem(response, 422, "validation-error")
        assert failing_fields(problem) == {
            "type",
            "code",
            "name",
            "population",
            "surprise",
        }


class TestBoundary:
    async def test_the_real_municipality_boundary_is_accepted_as_a_feature(
        self, client: httpx.AsyncClient, admin: Actor
    ) -> None:
        feature = municipality_feature()

        response = await client.post(
            f"{API}/scopes",
            json=scope_body(type="municipality", boundary=feature),
            headers=admin.headers,
        )

        assert response.status_code == 201, response.text
        assert response.json()["boundary"] == {
            "type": "Polygon",
            "coordinates": feature["geometry"]["coordinates"],
        }

    async def test_a_bare_multipolygon_is_accepted(
        self, client: httpx.AsyncClient, admin: Actor
    ) -> None:
        multi = {"type": "MultiPolygon", "coordinates": [SQUARE["coordinates"]]}

        response = await client.post(
            f"{API}/scopes", json=scope_body(boundary=multi), headers=admin.headers
        )

        assert response.status_code == 201, response.text
        assert response.json()["boundary"] == multi

    async def test_invalid_boundaries_are_422_on_the_field(
        self, client: httpx.AsyncClient, admin: Actor
    ) -> None:
        ring = SQUARE["coordinates"][0]
        invalid: list[dict[str, Any]] = [
            {"type": "Point", "coordinates": [-44.0, -19.9]},
            {"type": "Polygon", "coordinates": [ring[:3]]},
            {"type": "Polygon", "coordinates": [[*ring[:3], [-44.2, -19.9]]]},
            {"type": "Polygon", "coordinates": []},
            {"type": "Polygon"},
            {"type": "Polygon", "coordinates": [[[0], [1], [2], [0]]]},
            {"type": "Polygon", "coordinates": [[[0, 0], [1, "a"], [1, 1], [0, 0]]]},
            {"type": "Polygon", "coordinates": [[[0, 95], [1, 0], [1, 1], [0, 95]]]},
            {"type": "Feature", "geometry": None, "properties": {}},
            {"type": "FeatureCollection", "features": [municipality_feature()]},
            {"type": "Circle", "radius": 3},
            {"coordinates": SQUARE["coordinates"]},
        ]

        for boundary in invalid:
            response = await client.post(
                f"{API}/scopes",
                json=scope_body(boundary=boundary),
                headers=admin.headers,
            )

            problem = assert_problem(response, 422, "validation-error")
            assert failing_fields(problem) == {"boundary"}, boundary

    async def test_the_boundary_is_on_the_detail_and_not_in_lists(
        self, client: httpx.AsyncClient, admin: Actor
    ) -> None:
        created = await client.post(
            f"{API}/scopes", json=scope_body(boundary=SQUARE), headers=admin.headers
        )
        scope_id = created.json()["id"]

        detail = await client.get(f"{API}/scopes/{scope_id}")
        listed = await client.get(f"{API}/scopes")

        assert detail.json()["boundary"] == SQUARE
        item = next(i for i in listed.json()["items"] if i["id"] == scope_id)
        assert "boundary" not in item

    async def test_a_boundary_can_be_replaced_and_cleared(
        self, client: httpx.AsyncClient, session: AsyncSession, admin: Actor
    ) -> None:
        scope = await builders.scope(session)

        replaced = await client.patch(
            f"{API}/scopes/{scope.id}",
            json={"boundary": municipality_feature()},
            headers=admin.headers,
        )
        cleared = await client.patch(
            f"{API}/scopes/{scope.id}", json={"boundary": None}, headers=admin.headers
        )

        assert replaced.json()["boundary"]["type"] == "Polygon"
        assert cleared.json()["boundary"] is None
        logged = await session.scalars(
            select(ActionLogEntry.changes).where(
                ActionLogEntry.action == "scope.updated",
                ActionLogEntry.object_id == scope.id,
            )
        )
        assert [c["boundary"] for c in logged] == [
            [None, "Polygon"],
            ["Polygon", None],
        ]


class TestRead:
    async def test_the_detail_has_the_breadcrumb_and_children_count(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        city = await builders.scope(session, type=ScopeType.MUNICIPALITY, name="Ctg")
        regional = await builders.scope(session, parent=city, name="Ressaca")
        hood = await builders.scope(
            session, parent=regional, type=ScopeType.NEIGHBOURHOOD
        )
        await builders.scope(session, parent=hood, type=ScopeType.NEIGHBOURHOOD)
        await builders.scope(session, parent=hood, type=ScopeType.NEIGHBOURHOOD)

        response = await client.get(f"{API}/scopes/{hood.id}")

        assert response.status_code == 200
        detail = response.json()
        assert detail["ancestors"] == [
            {
                "id": city.id,
                "type": "municipality",
                "code": city.code,
                "name": city.name,
            },
            {
                "id": regional.id,
                "type": "regional",
                "code": regional.code,
                "name": regional.name,
            },
        ]
        assert detail["children_count"] == 2

    async def test_an_unknown_scope_is_a_404(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"{API}/scopes/999999")

        assert_problem(response, 404, "not-found")

    async def test_lists_filter_by_root_parent_and_type(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        city = await builders.scope(session, type=ScopeType.MUNICIPALITY)
        east = await builders.scope(session, parent=city)
        west = await builders.scope(session, parent=city)
        hood = await builders.scope(session, parent=east, type=ScopeType.NEIGHBOURHOOD)

        async def ids(**params: Any) -> list[int]:
            response = await client.get(f"{API}/scopes", params=params)
            assert response.status_code == 200, response.text
            return [item["id"] for item in response.json()["items"]]

        mine = {city.id, east.id, west.id, hood.id}
        assert [i for i in await ids(root="true", limit=100) if i in mine] == [city.id]
        assert await ids(parent_id=city.id) == [east.id, west.id]
        assert await ids(parent_id=east.id) == [hood.id]
        assert [i for i in await ids(type="neighbourhood", limit=100) if i in mine] == [
            hood.id
        ]
        assert [i for i in await ids(root="false", limit=100) if i in mine] == [
            east.id,
            west.id,
            hood.id,
        ]

    async def test_root_and_parent_together_are_refused(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get(
            f"{API}/scopes", params={"root": True, "parent_id": 1}
        )

        problem = assert_problem(response, 422, "validation-error")
        assert failing_fields(problem) == {"root"}

    async def test_pages_follow_the_cursor_in_id_order(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        city = await builders.scope(session, type=ScopeType.MUNICIPALITY)
        children = [await builders.scope(session, parent=city) for _ in range(5)]

        first = await client.get(
            f"{API}/scopes", params={"parent_id": city.id, "limit": 2}
        )
        cursor = first.json()["next_cursor"]
        second = await client.get(
            f"{API}/scopes", params={"parent_id": city.id, "limit": 2, "cursor": cursor}
        )
        third = await client.get(
            f"{API}/scopes",
            params={
                "parent_id": city.id,
                "limit": 2,
                "cursor": second.json()["next_cursor"],
            },
        )

        seen = [
            item["id"]
            for page in (first, second, third)
            for item in page.json()["items"]
        ]
        assert seen == [child.id for child in children]
        assert 'rel="next"' in first.headers["link"]
        assert third.json()["next_cursor"] is None
        assert "link" not in third.headers

    async def test_a_malformed_cursor_is_a_422(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"{API}/scopes", params={"cursor": "not-a-cursor"})

        assert_problem(response, 422, "validation-error")

    async def test_the_list_runs_the_same_queries_for_2_and_20_scopes(
        self, client: httpx.AsyncClient, session: AsyncSession, queries: QueryCounter
    ) -> None:
        small = await builders.scope(session, type=ScopeType.MUNICIPALITY)
        large = await builders.scope(session, type=ScopeType.MUNICIPALITY)
        for _ in range(2):
            await builders.scope(session, parent=small)
        for _ in range(20):
            await builders.scope(session, parent=large)

        before = queries.count
        few = await client.get(f"{API}/scopes", params={"parent_id": small.id})
        middle = queries.count
        many = await client.get(
            f"{API}/scopes", params={"parent_id": large.id, "limit": 50}
        )

        assert len(few.json()["items"]) == 2
        assert len(many.json()["items"]) == 20
        assert middle - before == queries.count - middle


class TestMove:
    async def test_moving_a_scope_re_paths_its_whole_subtree(
        self, client: httpx.AsyncClient, session: AsyncSession, admin: Actor
    ) -> None:
        city = await builders.scope(session, type=ScopeType.MUNICIPALITY)
        east = await builders.scope(session, parent=city)
        west = await builders.scope(session, parent=city)
        hood = await builders.scope(session, parent=east, type=ScopeType.NEIGHBOURHOOD)
        street = await builders.scope(
            session, parent=hood, type=ScopeType.NEIGHBOURHOOD
        )
        bystander = await builders.scope(session, parent=east)

        response = await client.patch(
            f"{API}/scopes/{hood.id}",
            json={"parent_id": west.id},
            headers=admin.headers,
        )

        assert response.status_code == 200, response.text
        assert response.json()["parent_id"] == west.id
        assert [a["id"] for a in response.json()["ancestors"]] == [city.id, west.id]
        base = f"/{city.id}/{west.id}/{hood.id}/"
        assert await paths(session, hood, street, bystander) == [
            base,
            f"{base}{street.id}/",
            f"/{city.id}/{east.id}/{bystander.id}/",
        ]
        breadcrumb = await client.get(f"{API}/scopes/{street.id}")
        assert [a["id"] for a in breadcrumb.json()["ancestors"]] == [
            city.id,
            west.id,
            hood.id,
        ]

    async def test_moving_to_the_top_makes_a_root(
        self, client: httpx.AsyncClient, session: AsyncSession, admin: Actor
    ) -> None:
        city = await builders.scope(session, type=ScopeType.MUNICIPALITY)
        east = await builders.scope(session, parent=city)
        hood = await builders.scope(session, parent=east, type=ScopeType.NEIGHBOURHOOD)

        response = await client.patch(
            f"{API}/scopes/{east.id}", json={"parent_id": None}, headers=admin.headers
        )

        assert response.status_code == 200, response.text
        assert response.json()["parent_id"] is None
        assert await paths(session, east, hood) == [
            f"/{east.id}/",
            f"/{east.id}/{hood.id}/",
        ]

    async def test_a_scope_cannot_move_under_itself_or_its_descendants(
        self, client: httpx.AsyncClient, session: AsyncSession, admin: Actor
    ) -> None:
        city = await builders.scope(session, type=ScopeType.MUNICIPALITY)
        east = await builders.scope(session, parent=city)
        hood = await builders.scope(session, parent=east, type=ScopeType.NEIGHBOURHOOD)

        for target in (east, hood):
            response = await client.patch(
                f"{API}/scopes/{east.id}",
                json={"parent_id": target.id},
                headers=admin.headers,
            )

            problem = assert_problem(response, 422, "validation-error")
            assert failing_fields(problem) == {"parent_id"}
        assert await paths(session, east, hood) == [
            f"/{city.id}/{east.id}/",
            f"/{city.id}/{east.id}/{hood.id}/",
        ]

    async def test_other_fields_change_without_moving(
        self, client: httpx.AsyncClient, session: AsyncSession, admin: Actor
    ) -> None:
        city = await builders.scope(session, type=ScopeType.MUNICIPALITY)
        east = await builders.scope(session, parent=city)

        response = await client.patch(
            f"{API}/scopes/{east.id}",
            json={"name": {"pt-BR": "Leste"}, "population": 1000, "code": "LST"},
            headers=admin.headers,
        )

        assert response.status_code == 200, response.text
        assert response.json()["name"] == {"pt-BR": "Leste"}
        assert response.json()["population"] == 1000
        assert response.json()["code"] == "LST"
        assert response.json()["parent_id"] == city.id
        assert await paths(session, east) == [f"/{city.id}/{east.id}/"]

    async def test_null_for_a_required_field_is_a_422(
        self, client: httpx.AsyncClient, session: AsyncSession, admin: Actor
    ) -> None:
        scope = await builders.scope(session)

        response = await client.patch(
            f"{API}/scopes/{scope.id}",
            json={"name": None, "code": None, "type": None},
            headers=admin.headers,
        )

        problem = assert_problem(response, 422, "validation-error")
        assert failing_fields(problem) == {"name", "code", "type"}

    async def test_taking_another_scopes_code_is_a_409(
        self, client: httpx.AsyncClient, session: AsyncSession, admin: Actor
    ) -> None:
        first = await builders.scope(session)
        second = await builders.scope(session)

        response = await client.patch(
            f"{API}/scopes/{second.id}",
            json={"code": first.code},
            headers=admin.headers,
        )

        assert_problem(response, 409, "conflict")

    async def test_updating_an_unknown_scope_is_a_404(
        self, client: httpx.AsyncClient, admin: Actor
    ) -> None:
        response = await client.patch(
            f"{API}/scopes/999999", json={"population": 3}, headers=admin.headers
        )

        assert_problem(response, 404, "not-found")


class TestDelete:
    async def test_an_unused_scope_is_deleted(
        self, client: httpx.AsyncClient, session: AsyncSession, admin: Actor
    ) -> None:
        scope = await builders.scope(session)

        response = await client.delete(
            f"{API}/scopes/{scope.id}", headers=admin.headers
        )

        assert response.status_code == 204
        assert (await client.get(f"{API}/scopes/{scope.id}")).status_code == 404
        logged = await session.scalar(
            select(ActionLogEntry.action).where(ActionLogEntry.object_id == scope.id)
        )
        assert logged == "scope.deleted"

    async def test_a_scope_with_children_is_in_use(
        self, client: httpx.AsyncClient, session: AsyncSession, admin: Actor
    ) -> None:
        city = await builders.scope(session, type=ScopeType.MUNICIPALITY)
        await builders.scope(session, parent=city)

        response = await client.delete(f"{API}/scopes/{city.id}", headers=admin.headers)

        body = assert_problem(response, 409, "conflict")
        assert body["in_use_by"] == ["scopes"]
        assert (await client.get(f"{API}/scopes/{city.id}")).status_code == 200

    async def test_a_scope_of_a_space_is_in_use(
        self, client: httpx.AsyncClient, session: AsyncSession, admin: Actor
    ) -> None:
        scope = await builders.scope(session)
        await builders.space(session, scope_id=scope.id)

        response = await client.delete(
            f"{API}/scopes/{scope.id}", headers=admin.headers
        )

        body = assert_problem(response, 409, "conflict")
        assert body["in_use_by"] == ["spaces"]

    async def test_a_declared_scope_is_in_use(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        admin: Actor,
        participant: Actor,
    ) -> None:
        scope = await builders.scope(session)
        await declare(session, participant.user, scope.id)

        response = await client.delete(
            f"{API}/scopes/{scope.id}", headers=admin.headers
        )

        body = assert_problem(response, 409, "conflict")
        assert body["in_use_by"] == ["resident_declarations"]

    async def test_deleting_an_unknown_scope_is_a_404(
        self, client: httpx.AsyncClient, admin: Actor
    ) -> None:
        response = await client.delete(f"{API}/scopes/999999", headers=admin.headers)

        assert_problem(response, 404, "not-found")
