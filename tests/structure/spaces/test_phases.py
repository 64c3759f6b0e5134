"""Phases of a process: admin CRUD, order, activation, the public list."""

import asyncio
from datetime import date

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.action_log import ActionLogEntry
from app.models.spaces import Phase, SpaceKind, SpaceRoleName, SpaceStatus
from app.models.users import UserRole
from app.runtime import Runtime
from app.services.phases import active_phase
from tests import builders
from tests.api.problems import assert_problem, failing_fields
from tests.builders import Actor
from tests.structure.spaces.conftest import API, phase, phases_of


def phases_url(space_id: int, suffix: str = "") -> str:
    return f"{API}/spaces/{space_id}/phases{suffix}"


class TestAdmin:
    async def test_phases_are_appended_in_order(
        self, client: AsyncClient, session: AsyncSession, org_admin: Actor
    ):
        space = await builders.space(session)

        first = await client.post(
            phases_url(space.id),
            json={
                "title": {"pt-BR": "Diagnóstico"},
                "description": {"pt-BR": "<p onclick='x'>Escuta</p>"},
                "start_date": "2026-03-01",
                "end_date": "2026-04-30",
            },
            headers=org_admin.headers,
        )
        second = await client.post(
            phases_url(space.id),
            json={"title": {"pt-BR": "Votação"}},
            headers=org_admin.headers,
        )
        listed = await client.get(phases_url(space.id))

        assert first.status_code == second.status_code == 201
        assert first.json()["description"] == {"pt-BR": "<p>Escuta</p>"}
        assert first.json()["active"] is False
        assert [p["position"] for p in listed.json()] == [0, 1]
        assert [p["id"] for p in listed.json()] == [
            first.json()["id"],
            second.json()["id"],
        ]

    async def test_only_processes_have_phases(
        self, client: AsyncClient, session: AsyncSession, org_admin: Actor
    ):
        assembly = await builders.space(session, kind=SpaceKind.ASSEMBLY)

        created = await client.post(
            phases_url(assembly.id),
            json={"title": {"pt-BR": "Fase"}},
            headers=org_admin.headers,
        )
        listed = await client.get(phases_url(assembly.id))

        assert_problem(created, 422, "validation-error")
        assert listed.json() == []

    async def test_a_phase_ending_before_it_starts_is_422(
        self, client: AsyncClient, session: AsyncSession, org_admin: Actor
    ):
        space = await builders.space(session)
        existing = await phase(session, space, 0)
        existing.start_date = date(2026, 5, 1)
        await session.flush()

        created = await client.post(
            phases_url(space.id),
            json={
                "title": {"pt-BR": "Fase"},
                "start_date": "2026-05-02",
                "end_date": "2026-05-01",
            },
            headers=org_admin.headers,
        )
        updated = await client.patch(
            phases_url(space.id, f"/{existing.id}"),
            json={"end_date": "2026-04-01"},
            headers=org_admin.headers,
        )

        assert failing_fields(assert_problem(created, 422, "validation-error")) == {
            "end_date"
        }
        assert failing_fields(assert_problem(updated, 422, "validation-error")) == {
            "end_date"
        }

    async def test_updating_a_phase_logs_what_changed(
        self, client: AsyncClient, session: AsyncSession, org_admin: Actor
    ):
        space = await builders.space(session)
        existing = await phase(session, space, 0)

        response = await client.patch(
            phases_url(space.id, f"/{existing.id}"),
            json={"title": {"pt-BR": "Escuta"}, "end_date": "2026-09-30"},
            headers=org_admin.headers,
        )
        entry = await session.scalar(
            select(ActionLogEntry).where(ActionLogEntry.action == "phase.updated")
        )

        assert response.status_code == 200
        assert response.json()["title"] == {"pt-BR": "Escuta"}
        assert entry is not None
        assert entry.public is False
        assert set(entry.changes) == {"title", "end_date"}

    async def test_a_phase_of_another_space_is_404(
        self, client: AsyncClient, session: AsyncSession, org_admin: Actor
    ):
        space = await builders.space(session)
        other = await builders.space(session)
        foreign = await phase(session, other, 0)

        responses = [
            await client.patch(
                phases_url(space.id, f"/{foreign.id}"),
                json={"title": {"pt-BR": "x"}},
                headers=org_admin.headers,
            ),
            await client.post(
                phases_url(space.id, f"/{foreign.id}/activate"),
                headers=org_admin.headers,
            ),
            await client.delete(
                phases_url(space.id, f"/{foreign.id}"), headers=org_admin.headers
            ),
            await client.get(phases_url(space.id, f"/{foreign.id}")),
        ]

        for response in responses:
            assert_problem(response, 404, "not-found")

    async def test_deleting_a_phase_closes_ranks(
        self, client: AsyncClient, session: AsyncSession, org_admin: Actor
    ):
        space = await builders.space(session)
        first, second, third = [await phase(session, space, i) for i in range(3)]

        response = await client.delete(
            phases_url(space.id, f"/{second.id}"), headers=org_admin.headers
        )
        remaining = await phases_of(session, space)

        assert response.status_code == 204
        assert [(p.id, p.position) for p in remaining] == [(first.id, 0), (third.id, 1)]


class TestReorder:
    async def test_phases_take_the_given_order(
        self, client: AsyncClient, session: AsyncSession, org_admin: Actor
    ):
        space = await builders.space(session)
        first, second, third = [await phase(session, space, i) for i in range(3)]

        response = await client.put(
            phases_url(space.id, "/order"),
            json={"phase_ids": [third.id, first.id, second.id]},
            headers=org_admin.headers,
        )
        listed = await client.get(phases_url(space.id))

        assert response.status_code == 200
        assert [p["id"] for p in response.json()] == [third.id, first.id, second.id]
        assert [(p["id"], p["position"]) for p in listed.json()] == [
            (third.id, 0),
            (first.id, 1),
            (second.id, 2),
        ]

    async def test_the_order_must_name_every_phase_once(
        self, client: AsyncClient, session: AsyncSession, org_admin: Actor
    ):
        space = await builders.space(session)
        first, second = [await phase(session, space, i) for i in range(2)]
        foreign = await phase(session, await builders.space(session), 0)

        responses = [
            await client.put(
                phases_url(space.id, "/order"),
                json={"phase_ids": ids},
                headers=org_admin.headers,
            )
            for ids in ([first.id], [first.id, first.id], [first.id, foreign.id], [])
        ]
        remaining = await phases_of(session, space)

        for response in responses:
            body = assert_problem(response, 422, "validation-error")
            assert failing_fields(body) == {"phase_ids"}
        assert [p.id for p in remaining] == [first.id, second.id]


class TestActivation:
    async def test_activating_moves_the_single_active_phase(
        self, client: AsyncClient, session: AsyncSession, org_admin: Actor
    ):
        space = await builders.space(session)
        first = await phase(session, space, 0, active=True)
        second = await phase(session, space, 1)

        response = await client.post(
            phases_url(space.id, f"/{second.id}/activate"), headers=org_admin.headers
        )
        listed = await client.get(phases_url(space.id))
        detail = await client.get(f"{API}/spaces/{space.id}")

        assert response.status_code == 200
        assert response.json()["active"] is True
        assert [(p["id"], p["active"]) for p in listed.json()] == [
            (first.id, False),
            (second.id, True),
        ]
        assert detail.json()["active_phase_id"] == second.id
        assert (await active_phase(session, space.id)).id == second.id

    async def test_activation_is_on_the_public_timeline(
        self, client: AsyncClient, session: AsyncSession, org_admin: Actor
    ):
        space = await builders.space(session)
        target = await phase(session, space, 0)

        await client.post(
            phases_url(space.id, f"/{target.id}/activate"), headers=org_admin.headers
        )
        timeline = await client.get(f"{API}/spaces/{space.id}/timeline")

        [entry] = timeline.json()["items"]
        assert entry["action"] == "phase.activated"
        assert (entry["object_type"], entry["object_id"]) == ("phase", target.id)

    async def test_activating_the_active_phase_changes_nothing(
        self, client: AsyncClient, session: AsyncSession, org_admin: Actor
    ):
        space = await builders.space(session)
        current = await phase(session, space, 0, active=True)

        response = await client.post(
            phases_url(space.id, f"/{current.id}/activate"), headers=org_admin.headers
        )
        timeline = await client.get(f"{API}/spaces/{space.id}/timeline")

        assert response.status_code == 200
        assert timeline.json()["items"] == []

    async def test_a_space_without_phases_has_no_active_phase(
        self, session: AsyncSession
    ):
        space = await builders.space(session)

        assert await active_phase(session, space.id) is None

    async def test_deleting_the_active_phase_leaves_none_active(
        self, client: AsyncClient, session: AsyncSession, org_admin: Actor
    ):
        space = await builders.space(session)
        current = await phase(session, space, 0, active=True)
        await phase(session, space, 1)

        await client.delete(
            phases_url(space.id, f"/{current.id}"), headers=org_admin.headers
        )

        assert await active_phase(session, space.id) is None


class TestVisibility:
    async def test_a_collaborator_sees_the_phases_of_a_draft(
        self, client: AsyncClient, session: AsyncSession, runtime: Runtime
    ):
        space = await builders.space(session, status=SpaceStatus.DRAFT)
        existing = await phase(session, space, 0)
        collaborator = await builders.user(session, runtime)
        await builders.grant(session, space, collaborator, SpaceRoleName.COLLABORATOR)
        headers = builders.bearer(runtime, collaborator)

        anonymous = await client.get(phases_url(space.id, f"/{existing.id}"))
        previewer = await client.get(
            phases_url(space.id, f"/{existing.id}"), headers=headers
        )

        assert_problem(anonymous, 404, "not-found")
        assert previewer.json()["id"] == existing.id


async def test_concurrent_activations_leave_exactly_one_active_phase(
    committed_client: AsyncClient, committed_runtime: Runtime
):
    async with committed_runtime.sessionmaker() as session:
        admin = await builders.user(session, committed_runtime, role=UserRole.ADMIN)
        space = await builders.space(session)
        phases = [await phase(session, space, i) for i in range(8)]
        await session.commit()
    headers = builders.bearer(committed_runtime, admin)

    responses = await asyncio.gather(
        *(
            committed_client.post(
                phases_url(space.id, f"/{target.id}/activate"), headers=headers
            )
            for target in phases * 2
        )
    )

    assert [response.status_code for response in responses] == [200] * 16
    async with committed_runtime.sessionmaker() as session:
        active = await session.scalars(
            select(Phase.id).where(Phase.space_id == space.id, Phase.active)
        )
        assert len(active.all()) == 1
