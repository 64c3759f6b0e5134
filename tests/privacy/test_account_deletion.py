"""Delete my account: the person is erased at once; contributions stay, unnamed."""

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.follows import Follow
from app.models.users import RefreshToken, User
from app.runtime import Runtime
from app.services.privacy import DELETED_NAME
from tests.builders import Actor
from tests.conversation.conftest import API, Stage, about, comment_on, debate, stage
from tests.factories import sign_in
from tests.mailbox import Mailbox
from tests.privacy.conftest import TERMS

__all__ = ["stage"]


async def accepted(client: httpx.AsyncClient, who: Actor) -> None:
    response = await client.post(
        f"{API}/me/terms", json={"version": TERMS}, headers=who.headers
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("prefix", ["/api/v1", "/mobile/v1"])
async def test_deleting_erases_the_person_and_keeps_a_neutral_author(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    stage: Stage,
    prefix: str,
) -> None:
    person = stage.participant
    assert person.user is not None
    old_name, old_nickname, old_email = (
        person.user.name,
        person.user.nickname,
        person.user.email,
    )
    await accepted(client, person)
    await accepted(client, stage.other)
    subject = await debate(session, stage.component, stage.other)
    said = await comment_on(client, about(subject), person, "Minha opinião")
    await sign_in(client, old_email, device_id="telefone")

    deleted = await client.delete(f"{prefix}/me", headers=person.headers)
    thread = await client.get(f"{API}/comments", params=about(subject))
    profile = await client.get(f"{API}/users/{person.id}/profile")
    again = await client.get(f"{API}/me", headers=person.headers)

    assert deleted.status_code == 204, deleted.text
    author = thread.json()["items"][0]["author"]
    assert thread.json()["items"][0]["id"] == said["id"]
    assert author["name"] == DELETED_NAME
    for trace in (old_name, old_nickname, old_email):
        assert trace not in thread.text
        assert trace not in profile.text
    assert profile.status_code == 410
    assert again.status_code == 401
    row = await session.get_one(User, person.id, populate_existing=True)
    assert row.email != old_email and row.deleted_at is not None
    tokens = select(func.count()).where(RefreshToken.user_id == person.id)
    follows = select(func.count()).where(Follow.user_id == person.id)
    assert await session.scalar(tokens) == 0
    assert await session.scalar(follows) == 0


async def test_a_deleted_account_cannot_sign_in(
    client: httpx.AsyncClient, stage: Stage, mailbox: Mailbox
) -> None:
    person = stage.participant
    assert person.user is not None
    email = person.user.email

    await client.delete(f"{API}/me", headers=person.headers)
    response = await client.post(
        f"{API}/auth/sign-in",
        json={"email": email, "password": "correct horse battery"},
    )

    assert response.status_code == 401


async def test_a_live_profile_shows_name_and_nickname(
    client: httpx.AsyncClient, stage: Stage
) -> None:
    response = await client.get(f"{API}/users/{stage.participant.id}/profile")

    assert response.status_code == 200
    assert response.json()["id"] == stage.participant.id
    assert "email" not in response.json()
