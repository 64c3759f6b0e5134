"""The inbox: a cursor list, an unread count, marking read; and preferences."""

from itertools import count

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.notifications import Notification
from app.runtime import Runtime
from tests import builders
from tests.builders import ANONYMOUS, Actor, actor
from tests.conftest import QueryCounter
from tests.meetings.conftest import meetings_component, open_meeting
from tests.notifications.conftest import API, Stage, inbox

_events = count(10_000)


async def told(
    session: AsyncSession, who: Actor, resource_type: str, resource_id: int
) -> Notification:
    """A notification in ``who``'s inbox about a resource."""
    notification = Notification(
        event_id=next(_events),
        user_id=who.id,
        event_type="comment.created",
        resource_type=resource_type,
        resource_id=resource_id,
        title={"pt-BR": "Novo comentário"},
        body={"pt-BR": "Assunto"},
        url=f"http://test/{resource_type}s/{resource_id}",
    )
    session.add(notification)
    await session.flush()
    return notification


async def unread(client: httpx.AsyncClient, who: Actor) -> int:
    response = await client.get(
        f"{API}/me/notifications/unread-count", headers=who.headers
    )
    assert response.status_code == 200, response.text
    return int(response.json()["unread"])


class TestInbox:
    async def test_anonymous_gets_401(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"{API}/me/notifications")

        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"

    async def test_newest_first_in_pages_with_a_cursor(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        made = [
            await told(session, stage.follower, "space", stage.space.id)
            for _ in range(3)
        ]

        first = await inbox(client, stage.follower, limit=2)
        second = await inbox(
            client, stage.follower, limit=2, cursor=first["next_cursor"]
        )

        assert [n["id"] for n in first["items"]] == [made[2].id, made[1].id]
        assert [n["id"] for n in second["items"]] == [made[0].id]
        assert second["next_cursor"] is None

    async def test_marking_one_then_all_read(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        first, _, _ = [
            await told(session, stage.follower, "space", stage.space.id)
            for _ in range(3)
        ]
        assert await unread(client, stage.follower) == 3

        marked = await client.post(
            f"{API}/me/notifications/{first.id}/read", headers=stage.follower.headers
        )
        again = await client.post(
            f"{API}/me/notifications/{first.id}/read", headers=stage.follower.headers
        )

        assert marked.status_code == 200
        assert marked.json()["read_at"] is not None
        assert again.json()["read_at"] == marked.json()["read_at"]
        assert await unread(client, stage.follower) == 2
        only_unread = await inbox(client, stage.follower, unread="true")
        assert first.id not in [n["id"] for n in only_unread["items"]]

        everything = await client.post(
            f"{API}/me/notifications/read-all", headers=stage.follower.headers
        )

        assert everything.json() == {"marked": 2}
        assert await unread(client, stage.follower) == 0

    async def test_another_persons_notification_is_404(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        theirs = await told(session, stage.follower, "space", stage.space.id)

        response = await client.post(
            f"{API}/me/notifications/{theirs.id}/read", headers=stage.bystander.headers
        )

        assert response.status_code == 404
        assert await unread(client, stage.follower) == 1

    async def test_the_list_runs_the_same_queries_for_2_and_20(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        stage: Stage,
        queries: QueryCounter,
    ) -> None:
        meetings = await meetings_component(session, stage.space)
        meeting = await open_meeting(session, meetings)
        hidden = await builders.space(session, title="Rascunho")
        hidden.published_at = None

        async def measured(rows: int) -> int:
            who = await actor(session, runtime)
            for n in range(rows):
                kinds = [("space", stage.space.id), ("meeting", meeting.id)]
                kinds.append(("space", hidden.id))
                await told(session, who, *kinds[n % 3])
            before = queries.count
            page = await inbox(client, who, limit=50)
            assert len(page["items"]) == rows
            return queries.count - before

        assert await measured(2) == await measured(20)


class TestPreferences:
    async def test_defaults_list_every_event_type(
        self, client: httpx.AsyncClient, stage: Stage
    ) -> None:
        response = await client.get(
            f"{API}/me/notification-preferences", headers=stage.follower.headers
        )

        body = response.json()
        channels = {item["event_type"]: item for item in body["event_types"]}
        assert body["email_digest"] == "off"
        assert channels["comment.created"] == {
            "event_type": "comment.created",
            "in_app": True,
            "email": False,
            "push": True,
        }
        assert channels["meeting.reminder"]["email"] is True

    async def test_a_change_keeps_the_channels_not_named(
        self, client: httpx.AsyncClient, stage: Stage
    ) -> None:
        response = await client.patch(
            f"{API}/me/notification-preferences",
            json={
                "email_digest": "weekly",
                "event_types": [{"event_type": "proposal.answered", "email": True}],
            },
            headers=stage.follower.headers,
        )

        body = response.json()
        channels = {item["event_type"]: item for item in body["event_types"]}
        assert response.status_code == 200
        assert body["email_digest"] == "weekly"
        assert channels["proposal.answered"]["email"] is True
        assert channels["proposal.answered"]["in_app"] is True

    async def test_an_unknown_event_type_or_digest_is_422(
        self, client: httpx.AsyncClient, stage: Stage
    ) -> None:
        unknown = await client.patch(
            f"{API}/me/notification-preferences",
            json={"event_types": [{"event_type": "mail.send", "email": True}]},
            headers=stage.follower.headers,
        )
        hourly = await client.patch(
            f"{API}/me/notification-preferences",
            json={"email_digest": "hourly"},
            headers=stage.follower.headers,
        )

        assert unknown.status_code == 422
        assert hourly.status_code == 422

    async def test_anonymous_has_no_preferences(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get(
            f"{API}/me/notification-preferences", headers=ANONYMOUS.headers
        )

        assert response.status_code == 401
