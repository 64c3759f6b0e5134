"""Residents' declarations: private one by one, figures only in aggregate."""

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.taxonomies import ScopeType
from app.models.users import User
from app.runtime import Runtime
from app.services import declarations
from tests import builders
from tests.api.problems import assert_problem, assert_unauthenticated, failing_fields
from tests.builders import Actor, actor
from tests.conftest import QueryCounter
from tests.structure.taxonomies.conftest import API, declare, interest_group

MINE = f"{API}/me/declarations"
SUMMARY = f"{API}/declarations/summary"


class TestOwnDeclaration:
    async def test_a_new_resident_has_declared_nothing(
        self, client: httpx.AsyncClient, participant: Actor
    ) -> None:
        response = await client.get(MINE, headers=participant.headers)

        assert response.status_code == 200
        assert response.json() == {
            "scope": None,
            "interest_groups": [],
            "updated_at": None,
        }
        assert response.headers["cache-control"] == "private, no-store"

    async def test_a_resident_declares_a_neighbourhood_and_groups(
        self, client: httpx.AsyncClient, session: AsyncSession, participant: Actor
    ) -> None:
        regional = await builders.scope(session)
        hood = await builders.scope(
            session, parent=regional, type=ScopeType.NEIGHBOURHOOD
        )
        women = await interest_group(session, "women")
        youth = await interest_group(session, "youth")

        put = await client.put(
            MINE,
            json={"scope_id": hood.id, "interest_group_ids": [youth.id, women.id]},
            headers=participant.headers,
        )
        got = await client.get(MINE, headers=participant.headers)

        assert put.status_code == 200, put.text
        assert got.json() == put.json()
        assert got.json()["scope"] == {
            "id": hood.id,
            "type": "neighbourhood",
            "code": hood.code,
            "name": hood.name,
        }
        assert [g["code"] for g in got.json()["interest_groups"]] == [
            "women",
            "youth",
        ]
        assert got.json()["updated_at"] is not None
        assert await declarations.declared_scope_id(session, participant.user.id) == (
            hood.id
        )

    async def test_a_new_declaration_replaces_the_old_one(
        self, client: httpx.AsyncClient, session: AsyncSession, participant: Actor
    ) -> None:
        first, second = await builders.scope(session), await builders.scope(session)
        women = await interest_group(session, "women")
        youth = await interest_group(session, "youth")
        await client.put(
            MINE,
            json={"scope_id": first.id, "interest_group_ids": [women.id]},
            headers=participant.headers,
        )

        response = await client.put(
            MINE,
            json={"scope_id": second.id, "interest_group_ids": [youth.id, youth.id]},
            headers=participant.headers,
        )

        assert response.json()["scope"]["id"] == second.id
        assert [g["id"] for g in response.json()["interest_groups"]] == [youth.id]

    async def test_declaring_nothing_withdraws_everything(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        participant: Actor,
        admin: Actor,
    ) -> None:
        scope = await builders.scope(session)
        group = await interest_group(session, "women")
        await client.put(
            MINE,
            json={"scope_id": scope.id, "interest_group_ids": [group.id]},
            headers=participant.headers,
        )

        response = await client.put(
            MINE,
            json={"scope_id": None, "interest_group_ids": []},
            headers=participant.headers,
        )

        assert response.json() == {
            "scope": None,
            "interest_groups": [],
            "updated_at": None,
        }
        assert (
            await declarations.declared_scope_id(session, participant.user.id) is None
        )
        deleted = await client.delete(f"{API}/scopes/{scope.id}", headers=admin.headers)
        assert deleted.status_code == 204, "nothing of the declaration is left"

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"scope_id": 999_999, "interest_group_ids": []}, "scope_id"),
            ({"scope_id": None, "interest_group_ids": [999_999]}, "interest_group_ids"),
            ({"scope_id": None}, "interest_group_ids"),
            ({"interest_group_ids": []}, "scope_id"),
            ({"scope_id": None, "interest_group_ids": [], "user_id": 1}, "user_id"),
        ],
    )
    async def test_an_invalid_declaration_is_a_422_and_keeps_the_old(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        participant: Actor,
        body: dict[str, Any],
        field: str,
    ) -> None:
        scope = await builders.scope(session)
        await declare(session, participant.user, scope.id)

        response = await client.put(MINE, json=body, headers=participant.headers)

        problem = assert_problem(response, 422, "validation-error")
        assert failing_fields(problem) == {field}
        kept = await client.get(MINE, headers=participant.headers)
        assert kept.json()["scope"]["id"] == scope.id

    async def test_anonymous_clients_get_401(self, client: httpx.AsyncClient) -> None:
        read = await client.get(MINE)
        write = await client.put(
            MINE, json={"scope_id": None, "interest_group_ids": []}
        )

        assert_unauthenticated(read)
        assert_unauthenticated(write)


class TestPrivacy:
    async def test_a_resident_only_ever_reads_their_own_declaration(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        participant: Actor,
        runtime: Runtime,
    ) -> None:
        neighbour = await actor(session, runtime)
        scope = await builders.scope(session)
        group = await interest_group(session, "women")
        await client.put(
            MINE,
            json={"scope_id": scope.id, "interest_group_ids": [group.id]},
            headers=neighbour.headers,
        )

        mine = await client.get(MINE, headers=participant.headers)

        assert mine.json()["scope"] is None
        assert mine.json()["interest_groups"] == []

    async def test_no_endpoint_reads_someone_elses_declaration(
        self, client: httpx.AsyncClient, admin: Actor, participant: Actor
    ) -> None:
        paths = [
            f"{API}/users/{participant.user.id}/declarations",
            f"{API}/declarations/{participant.user.id}",
            f"{API}/declarations",
            f"{MINE}/{participant.user.id}",
        ]

        for path in paths:
            response = await client.get(path, headers=admin.headers)

            assert response.status_code in {404, 405}, path

    async def test_the_openapi_document_has_no_other_declaration_reads(
        self, client: httpx.AsyncClient
    ) -> None:
        document = (await client.get(f"{API}/openapi.json")).json()

        reads = {
            path
            for path, operations in document["paths"].items()
            if "declaration" in path and "get" in operations
        }

        assert reads == {"/me/declarations", "/declarations/summary"}


async def residents(session: AsyncSession, runtime: Runtime, count: int) -> list[User]:
    return [
        await builders.user(session, runtime, name=f"Morador {n}") for n in range(count)
    ]


class TestSummary:
    async def test_counts_include_descendants_and_small_ones_are_withheld(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        admin: Actor,
    ) -> None:
        city = await builders.scope(session, type=ScopeType.MUNICIPALITY)
        east = await builders.scope(session, parent=city)
        west = await builders.scope(session, parent=city)
        hood = await builders.scope(session, parent=east, type=ScopeType.NEIGHBOURHOOD)
        women = await interest_group(session, "women")
        youth = await interest_group(session, "youth")
        people = await residents(session, runtime, 9)
        for person in people[:4]:
            await declare(session, person, hood.id, (women,))
        for person in people[4:6]:
            await declare(session, person, east.id, (women, youth))
        for person in people[6:8]:
            await declare(session, person, west.id)
        await declare(session, people[8], None, (youth,))

        response = await client.get(SUMMARY, headers=admin.headers)

        assert response.status_code == 200, response.text
        summary = response.json()
        assert summary["threshold"] == declarations.SUPPRESSION_THRESHOLD == 5
        assert summary["residents"] == {"count": 9, "suppressed": False}
        by_scope = {
            row["scope"]["id"]: (row["count"], row["suppressed"])
            for row in summary["scopes"]
        }
        assert by_scope[city.id] == (8, False)
        assert by_scope[east.id] == (6, False)
        assert by_scope[hood.id] == (None, True)
        assert by_scope[west.id] == (None, True)
        by_group = {
            row["interest_group"]["code"]: (row["count"], row["suppressed"])
            for row in summary["interest_groups"]
        }
        assert by_group["women"] == (6, False)
        assert by_group["youth"] == (None, True)

    async def test_a_scope_nobody_declared_is_withheld_too(
        self, client: httpx.AsyncClient, session: AsyncSession, admin: Actor
    ) -> None:
        scope = await builders.scope(session)

        response = await client.get(SUMMARY, headers=admin.headers)

        row = next(r for r in response.json()["scopes"] if r["scope"]["id"] == scope.id)
        assert row == {
            "scope": {
                "id": scope.id,
                "type": "regional",
                "code": scope.code,
                "name": scope.name,
            },
            "count": None,
            "suppressed": True,
        }

    async def test_the_threshold_is_a_parameter_of_the_rule(
        self, session: AsyncSession, runtime: Runtime, admin: Actor
    ) -> None:
        scope = await builders.scope(session)
        for person in await residents(session, runtime, 2):
            await declare(session, person, scope.id)

        summary = await declarations.summarise(session, admin.user, threshold=2)

        row = next(r for r in summary.scopes if r.scope.id == scope.id)
        assert (row.count, row.suppressed) == (2, False)
        assert summary.threshold == 2

    async def test_the_summary_names_nobody(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        admin: Actor,
    ) -> None:
        scope = await builders.scope(session)
        people = await residents(session, runtime, 6)
        for person in people:
            await declare(session, person, scope.id)

        response = await client.get(SUMMARY, headers=admin.headers)

        for person in people:
            assert person.name not in response.text
            assert person.email not in response.text
            assert person.nickname not in response.text

    async def test_only_organisation_admins_read_the_summary(
        self, client: httpx.AsyncClient, participant: Actor, space_admin: Actor
    ) -> None:
        assert_unauthenticated(await client.get(SUMMARY))
        for who in (participant, space_admin):
            response = await client.get(SUMMARY, headers=who.headers)

            assert_problem(response, 403, "forbidden")

    async def test_the_summary_runs_the_same_queries_for_2_and_20_scopes(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        admin: Actor,
        queries: QueryCounter,
    ) -> None:
        city = await builders.scope(session, type=ScopeType.MUNICIPALITY)
        await builders.scope(session, parent=city)
        before = queries.count
        await client.get(SUMMARY, headers=admin.headers)
        middle = queries.count
        for _ in range(18):
            await builders.scope(session, parent=city)
        after_building = queries.count

        await client.get(SUMMARY, headers=admin.headers)

        assert middle - before == queries.count - after_building
