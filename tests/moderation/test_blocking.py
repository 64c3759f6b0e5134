"""Blocking: organisation admins block people, who then cannot sign in or write."""

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.debates import Debate
from app.models.spaces import SpaceRoleName
from app.models.users import UserRole
from app.runtime import Runtime
from tests.builders import PASSWORD, actor
from tests.conversation.conftest import API, about, comment_on, debate_counts
from tests.moderation.conftest import Crowd


async def block(
    client: httpx.AsyncClient, who: dict[str, str], user_id: int, **extra: object
) -> httpx.Response:
    return await client.post(
        f"{API}/users/{user_id}/block",
        json={"reason": "Spam repetido", **extra},
        headers=who,
    )


class TestBlock:
    async def test_a_blocked_person_cannot_sign_in_or_write(
        self, client: httpx.AsyncClient, crowd: Crowd, reported_debate: Debate
    ) -> None:
        person = crowd.stage.participant
        assert person.user is not None

        blocked = await block(client, crowd.stage.org_admin.headers, person.id)
        sign_in = await client.post(
            f"{API}/auth/sign-in",
            json={"email": person.user.email, "password": PASSWORD},
        )
        writing = await client.post(
            f"{API}/comments",
            json={**about(reported_debate), "body": "Olá"},
            headers=person.headers,
        )

        assert blocked.status_code == 200, blocked.text
        assert blocked.json()["blocked_reason"] == "Spam repetido"
        assert sign_in.status_code in (401, 403)
        assert writing.status_code in (401, 403)

    async def test_blocking_can_hide_everything_they_wrote(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        crowd: Crowd,
        reported_debate: Debate,
    ) -> None:
        stage = crowd.stage
        await comment_on(client, about(reported_debate), stage.other, "Compre")
        await comment_on(client, about(reported_debate), stage.other, "Compre já")

        blocked = await block(
            client, stage.org_admin.headers, stage.other.id, hide_content=True
        )
        thread = await client.get(f"{API}/comments", params=about(reported_debate))

        assert blocked.json()["hidden_count"] == 2
        assert "Compre" not in thread.text
        assert await debate_counts(session, reported_debate.id) == (0, 0)

    async def test_unblock_lets_them_back(
        self, client: httpx.AsyncClient, crowd: Crowd
    ) -> None:
        person = crowd.stage.participant
        assert person.user is not None
        admin = crowd.stage.org_admin.headers
        await block(client, admin, person.id)

        response = await client.post(f"{API}/users/{person.id}/unblock", headers=admin)
        sign_in = await client.post(
            f"{API}/auth/sign-in",
            json={"email": person.user.email, "password": PASSWORD},
        )

        assert response.json()["blocked_at"] is None
        assert sign_in.status_code == 200

    async def test_moderators_and_participants_cannot_block(
        self, client: httpx.AsyncClient, crowd: Crowd
    ) -> None:
        by_moderator = await block(
            client, crowd.moderator.headers, crowd.stage.participant.id
        )
        by_participant = await block(
            client, crowd.reporters[0].headers, crowd.stage.participant.id
        )

        assert by_moderator.status_code == 403
        assert by_participant.status_code == 403

    async def test_an_admin_cannot_be_blocked(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        crowd: Crowd,
    ) -> None:
        other_admin = await actor(session, runtime, role=UserRole.ADMIN)

        response = await block(client, crowd.stage.org_admin.headers, other_admin.id)

        assert response.status_code == 403

    async def test_a_space_moderator_is_not_blocked_by_another_moderator(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        crowd: Crowd,
    ) -> None:
        colleague = await actor(
            session,
            runtime,
            space=crowd.stage.space,
            space_role=SpaceRoleName.MODERATOR,
        )

        response = await block(client, crowd.moderator.headers, colleague.id)

        assert response.status_code == 403

    async def test_content_hidden_with_a_block_can_be_shown_again(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        crowd: Crowd,
        reported_debate: Debate,
    ) -> None:
        stage = crowd.stage
        said = await comment_on(client, about(reported_debate), stage.other, "Olá")
        await block(client, stage.org_admin.headers, stage.other.id, hide_content=True)

        listed = await client.get(
            f"{API}/moderations",
            params={"space_id": stage.space.id, "state": "hidden"},
            headers=crowd.moderator.headers,
        )
        found = listed.json()["items"]
        shown = await client.post(
            f"{API}/moderations/{found[0]['id']}/unhide",
            headers=crowd.moderator.headers,
        )

        assert [(each["resource_type"], each["resource_id"]) for each in found] == [
            ("comment", said["id"])
        ]
        assert shown.status_code == 200, shown.text
        assert (await client.get(f"{API}/comments/{said['id']}")).status_code == 200
        assert await debate_counts(session, reported_debate.id) == (1, 0)
