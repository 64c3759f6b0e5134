"""Space admins admit members to private spaces and hand out roles."""

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.action_log import ActionLogEntry
from app.models.spaces import SpaceRoleName, SpaceStatus, Visibility
from app.runtime import Runtime
from tests import builders
from tests.api.problems import assert_problem, failing_fields
from tests.builders import Actor, actor
from tests.structure.spaces.conftest import API, space_actor


class TestMembers:
    async def test_an_admitted_member_reads_the_private_space(
        self, client: AsyncClient, session: AsyncSession, runtime: Runtime
    ):
        space = await builders.space(session, visibility=Visibility.PRIVATE)
        admin = await space_actor(session, runtime, space, SpaceRoleName.ADMIN)
        resident = await actor(session, runtime)
        before = await client.get(f"{API}/spaces/{space.id}", headers=resident.headers)

        added = await client.post(
            f"{API}/spaces/{space.id}/members",
            json={"user_id": resident.user.id},
            headers=admin.headers,
        )
        after = await client.get(f"{API}/spaces/{space.id}", headers=resident.headers)
        listed = await client.get(
            f"{API}/spaces/{space.id}/members", headers=admin.headers
        )

        assert before.status_code == 404
        assert added.status_code == 201
        assert added.json()["user_id"] == resident.user.id
        assert after.status_code == 200
        assert [m["user_id"] for m in listed.json()["items"]] == [resident.user.id]
        assert set(listed.json()["items"][0]) == {
            "user_id",
            "name",
            "nickname",
            "created_at",
        }

    async def test_a_removed_member_loses_sight_of_the_space(
        self, client: AsyncClient, session: AsyncSession, runtime: Runtime, org_admin
    ):
        space = await builders.space(session, visibility=Visibility.PRIVATE)
        resident = await actor(session, runtime)
        await builders.member(session, space, resident.user)

        removed = await client.delete(
            f"{API}/spaces/{space.id}/members/{resident.user.id}",
            headers=org_admin.headers,
        )
        again = await client.delete(
            f"{API}/spaces/{space.id}/members/{resident.user.id}",
            headers=org_admin.headers,
        )
        seen = await client.get(f"{API}/spaces/{space.id}", headers=resident.headers)
        actions = list(
            await session.scalars(
                select(ActionLogEntry.action).where(ActionLogEntry.space_id == space.id)
            )
        )

        assert removed.status_code == 204
        assert_problem(again, 404, "not-found")
        assert seen.status_code == 404
        assert actions == ["space.member_removed"]

    async def test_admitting_twice_is_409_and_unknown_users_422(
        self, client: AsyncClient, session: AsyncSession, runtime: Runtime, org_admin
    ):
        space = await builders.space(session, visibility=Visibility.PRIVATE)
        resident = await actor(session, runtime)
        await builders.member(session, space, resident.user)

        twice = await client.post(
            f"{API}/spaces/{space.id}/members",
            json={"user_id": resident.user.id},
            headers=org_admin.headers,
        )
        unknown = await client.post(
            f"{API}/spaces/{space.id}/members",
            json={"user_id": 987654},
            headers=org_admin.headers,
        )

        assert_problem(twice, 409, "conflict")
        assert failing_fields(assert_problem(unknown, 422, "validation-error")) == {
            "user_id"
        }

    async def test_members_are_paginated_without_repeats(
        self, client: AsyncClient, session: AsyncSession, runtime: Runtime, org_admin
    ):
        space = await builders.space(session, visibility=Visibility.PRIVATE)
        residents = [await builders.user(session, runtime) for _ in range(7)]
        for resident in residents:
            await builders.member(session, space, resident)

        first = await client.get(
            f"{API}/spaces/{space.id}/members",
            params={"limit": 4},
            headers=org_admin.headers,
        )
        second = await client.get(
            f"{API}/spaces/{space.id}/members",
            params={"limit": 4, "cursor": first.json()["next_cursor"]},
            headers=org_admin.headers,
        )

        ids = [m["user_id"] for m in first.json()["items"] + second.json()["items"]]
        assert ids == sorted(resident.id for resident in residents)
        assert second.json()["next_cursor"] is None


class TestRoles:
    async def test_a_granted_collaborator_previews_the_draft(
        self, client: AsyncClient, session: AsyncSession, runtime: Runtime
    ):
        space = await builders.space(session, status=SpaceStatus.DRAFT)
        admin = await space_actor(session, runtime, space, SpaceRoleName.ADMIN)
        helper = await actor(session, runtime)

        granted = await client.post(
            f"{API}/spaces/{space.id}/roles",
            json={"user_id": helper.user.id, "role": "collaborator"},
            headers=admin.headers,
        )
        seen = await client.get(f"{API}/spaces/{space.id}", headers=helper.headers)
        listed = await client.get(
            f"{API}/spaces/{space.id}/roles", headers=admin.headers
        )

        assert granted.status_code == 201
        assert granted.json()["role"] == "collaborator"
        assert seen.status_code == 200
        assert [(r["user_id"], r["role"]) for r in listed.json()["items"]] == [
            (admin.user.id, "admin"),
            (helper.user.id, "collaborator"),
        ]

    async def test_a_granted_admin_may_manage_the_space(
        self, client: AsyncClient, session: AsyncSession, runtime: Runtime, org_admin
    ):
        space = await builders.space(session)
        helper = await actor(session, runtime)
        refused = await client.post(
            f"{API}/spaces/{space.id}/publish", headers=helper.headers
        )

        await client.post(
            f"{API}/spaces/{space.id}/roles",
            json={"user_id": helper.user.id, "role": "admin"},
            headers=org_admin.headers,
        )
        accepted = await client.post(
            f"{API}/spaces/{space.id}/unpublish", headers=helper.headers
        )

        assert refused.status_code == 403
        assert accepted.status_code == 200

    async def test_revoking_a_role_takes_its_rights_away(
        self, client: AsyncClient, session: AsyncSession, runtime: Runtime, org_admin
    ):
        space = await builders.space(session, status=SpaceStatus.DRAFT)
        helper = await actor(session, runtime)
        granted = await client.post(
            f"{API}/spaces/{space.id}/roles",
            json={"user_id": helper.user.id, "role": "collaborator"},
            headers=org_admin.headers,
        )

        revoked = await client.delete(
            f"{API}/spaces/{space.id}/roles/{granted.json()['id']}",
            headers=org_admin.headers,
        )
        seen = await client.get(f"{API}/spaces/{space.id}", headers=helper.headers)

        assert revoked.status_code == 204
        assert seen.status_code == 404

    async def test_granting_twice_is_409_and_a_foreign_role_is_404(
        self, client: AsyncClient, session: AsyncSession, runtime: Runtime, org_admin
    ):
        space = await builders.space(session)
        other = await builders.space(session)
        holder = await space_actor(session, runtime, space, SpaceRoleName.MODERATOR)
        foreign = await space_actor(session, runtime, other, SpaceRoleName.ADMIN)
        foreign_role = await client.get(
            f"{API}/spaces/{other.id}/roles", headers=foreign.headers
        )

        twice = await client.post(
            f"{API}/spaces/{space.id}/roles",
            json={"user_id": holder.user.id, "role": "moderator"},
            headers=org_admin.headers,
        )
        cross = await client.delete(
            f"{API}/spaces/{space.id}/roles/{foreign_role.json()['items'][0]['id']}",
            headers=org_admin.headers,
        )
        unknown_role = await client.post(
            f"{API}/spaces/{space.id}/roles",
            json={"user_id": holder.user.id, "role": "owner"},
            headers=org_admin.headers,
        )

        assert_problem(twice, 409, "conflict")
        assert_problem(cross, 404, "not-found")
        assert failing_fields(
            assert_problem(unknown_role, 422, "validation-error")
        ) == {"role"}


async def test_membership_and_roles_changes_stay_off_the_public_timeline(
    client: AsyncClient, session: AsyncSession, runtime: Runtime, org_admin: Actor
):
    space = await builders.space(session)
    resident = await actor(session, runtime)

    await client.post(
        f"{API}/spaces/{space.id}/members",
        json={"user_id": resident.user.id},
        headers=org_admin.headers,
    )
    await client.post(
        f"{API}/spaces/{space.id}/roles",
        json={"user_id": resident.user.id, "role": "evaluator"},
        headers=org_admin.headers,
    )
    timeline = await client.get(f"{API}/spaces/{space.id}/timeline")

    assert timeline.json()["items"] == []
