"""The inbox on the app: notifications in the reader's language, newest first,
a placeholder for what they may no longer read, read marks and preferences."""

from itertools import count

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.notifications import Notification
from app.models.spaces import Visibility
from app.runtime import Runtime
from tests import builders
from tests.builders import Actor
from tests.conftest import QueryCounter
from tests.mobile.conftest import MOBILE, Scene

INBOX = f"{MOBILE}/me/notifications"
EXPECTED_INBOX = 2
"""Statements one request runs, whatever the number of rows it shows."""

_events = count(20_000)


async def told(
    session: AsyncSession, who: Actor, resource_type: str, resource_id: int
) -> Notification:
    notification = Notification(
        event_id=next(_events),
        user_id=who.id,
        event_type="comment.created",
        resource_type=resource_type,
        resource_id=resource_id,
        title={"pt-BR": "Novo comentário", "en": "New comment"},
        body={"pt-BR": "Na sua proposta"},
        url=f"http://test/{resource_type}s/{resource_id}",
    )
    session.add(notification)
    await session.flush()
    return notification


async def unread(client: httpx.AsyncClient, who: Actor) -> int:
    answer = await client.get(f"{INBOX}/unread-count", headers=who.headers)
    return int(answer.json()["unread"])


async def test_the_inbox_is_newest_first_in_the_readers_language(
    client: httpx.AsyncClient, session: AsyncSession, scene: Scene
) -> None:
    proposal = await builders.proposal(session, scene.proposals, None)
    older = await told(session, scene.participant, "proposal", proposal.id)
    newer = await told(session, scene.participant, "proposal", proposal.id)

    first = await client.get(
        INBOX,
        params={"limit": 1},
        headers={**scene.participant.headers, "Accept-Language": "en"},
    )
    second = await client.get(
        INBOX,
        params={"limit": 1, "cursor": first.json()["next_cursor"]},
        headers=scene.participant.headers,
    )

    [item] = first.json()["items"]
    assert (item["id"], item["title"], item["locale"]) == (
        newer.id,
        "New comment",
        "en",
    )
    assert item["body"] == "Na sua proposta"
    assert [i["id"] for i in second.json()["items"]] == [older.id]
    assert second.json()["next_cursor"] is None


async def test_a_subject_made_private_is_not_named(
    client: httpx.AsyncClient, session: AsyncSession, scene: Scene
) -> None:
    proposal = await builders.proposal(session, scene.proposals, None)
    await told(session, scene.participant, "proposal", proposal.id)
    scene.space.visibility = Visibility.PRIVATE
    await session.flush()

    answer = await client.get(INBOX, headers=scene.participant.headers)

    [item] = answer.json()["items"]
    assert item["available"] is False
    assert item["title"] == "Conteúdo indisponível"
    assert (item["resource_type"], item["resource_id"], item["url"]) == (
        None,
        None,
        None,
    )


async def test_marking_read_lowers_the_unread_count(
    client: httpx.AsyncClient, session: AsyncSession, scene: Scene
) -> None:
    proposal = await builders.proposal(session, scene.proposals, None)
    one = await told(session, scene.participant, "proposal", proposal.id)
    await told(session, scene.participant, "proposal", proposal.id)
    await told(session, scene.participant, "proposal", proposal.id)
    headers = scene.participant.headers

    before = await unread(client, scene.participant)
    marked = await client.post(f"{INBOX}/{one.id}/read", headers=headers)
    after_one = await unread(client, scene.participant)
    all_read = await client.post(f"{INBOX}/read-all", headers=headers)

    assert (before, after_one) == (3, 2)
    assert marked.json()["read_at"] is not None
    assert all_read.json() == {"marked": 2}
    assert await unread(client, scene.participant) == 0


async def test_someone_elses_notification_is_404(
    client: httpx.AsyncClient, session: AsyncSession, scene: Scene, runtime: Runtime
) -> None:
    other = await builders.actor(session, runtime)
    theirs = await told(session, other, "space", scene.space.id)

    answer = await client.post(
        f"{INBOX}/{theirs.id}/read", headers=scene.participant.headers
    )

    assert answer.status_code == 404


async def test_preferences_change_per_event_type(
    client: httpx.AsyncClient, scene: Scene
) -> None:
    path = f"{MOBILE}/me/notification-preferences"
    changed = await client.patch(
        path,
        json={
            "email_digest": "weekly",
            "event_types": [{"event_type": "comment.created", "push": False}],
        },
        headers=scene.participant.headers,
    )
    read = await client.get(path, headers=scene.participant.headers)

    assert changed.status_code == 200
    assert read.json() == changed.json()
    assert read.json()["email_digest"] == "weekly"
    comment = next(
        item
        for item in read.json()["event_types"]
        if item["event_type"] == "comment.created"
    )
    assert comment["push"] is False


async def test_anonymous_readers_have_no_inbox(client: httpx.AsyncClient) -> None:
    assert (await client.get(INBOX)).status_code == 401


@pytest.mark.parametrize("rows", [2, 20])
async def test_inbox_runs_the_same_queries_whatever_its_length(
    client: httpx.AsyncClient,
    session: AsyncSession,
    scene: Scene,
    queries: QueryCounter,
    rows: int,
) -> None:
    proposal = await builders.proposal(session, scene.proposals, None)
    for _ in range(rows):
        await told(session, scene.participant, "proposal", proposal.id)
    queries.statements.clear()

    answer = await client.get(
        INBOX, params={"limit": 50}, headers=scene.participant.headers
    )

    assert len(answer.json()["items"]) == rows
    assert queries.count == EXPECTED_INBOX
