"""Download my data: a zip of what the platform holds, behind a single-use link."""

import io
import json
import zipfile
from datetime import timedelta

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.privacy import DataExport
from app.runtime import Runtime
from tests.budgets.conftest import Cast, ballot_path, cast
from tests.builders import Actor, actor
from tests.conversation.conftest import API, Stage, about, comment_on, debate, stage
from tests.privacy.conftest import TERMS

__all__ = ["cast", "stage"]


async def accepted(client: httpx.AsyncClient, who: Actor) -> None:
    response = await client.post(
        f"{API}/me/terms", json={"version": TERMS}, headers=who.headers
    )
    assert response.status_code == 200, response.text


async def request_export(client: httpx.AsyncClient, who: Actor) -> str:
    response = await client.post(f"{API}/me/data-export", headers=who.headers)
    assert response.status_code == 201, response.text
    url: str = response.json()["download_url"]
    return url


async def test_the_archive_holds_the_profile_and_contributions_once(
    client: httpx.AsyncClient, session: AsyncSession, stage: Stage
) -> None:
    person = stage.participant
    await accepted(client, person)
    subject = await debate(session, stage.component, person, title="Praça")
    await comment_on(client, about(subject), person, "Minha opinião")

    url = await request_export(client, person)
    first = await client.get(url, headers=person.headers)
    second = await client.get(url, headers=person.headers)

    assert first.status_code == 200
    assert first.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(first.content))
    names = set(archive.namelist())
    assert {"profile.json", "comments.json", "debates.json", "devices.json"} <= names
    profile = json.loads(archive.read("profile.json"))
    assert profile["email"] == person.user.email if person.user else False
    assert "password_hash" not in profile
    comments = json.loads(archive.read("comments.json"))
    assert [each["body"] for each in comments] == ["Minha opinião"]
    assert second.status_code == 410


async def test_the_link_works_only_for_its_owner(
    client: httpx.AsyncClient, stage: Stage
) -> None:
    await accepted(client, stage.participant)
    url = await request_export(client, stage.participant)

    stranger = await client.get(url, headers=stage.other.headers)
    anonymous = await client.get(url)
    owner = await client.get(url, headers=stage.participant.headers)

    assert stranger.status_code == 404
    assert anonymous.status_code == 401
    assert owner.status_code == 200


async def test_an_expired_link_is_gone(
    client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime, stage: Stage
) -> None:
    url = await request_export(client, stage.participant)
    await session.execute(
        update(DataExport).values(expires_at=utcnow() - timedelta(minutes=1))
    )

    response = await client.get(url, headers=stage.participant.headers)

    assert response.status_code == 410


async def test_the_archive_holds_the_own_ballot_and_no_one_elses(
    client: httpx.AsyncClient, cast: Cast, runtime: Runtime, session: AsyncSession
) -> None:
    other = await actor(session, runtime)
    for who, chosen in ((cast.voter, cast.projects[0]), (other, cast.projects[1])):
        await accepted(client, who)
        added = await client.put(
            ballot_path(cast.budget, chosen.id), headers=who.headers
        )
        assert added.status_code == 200, added.text

    url = await request_export(client, cast.voter)
    archive = zipfile.ZipFile(
        io.BytesIO((await client.get(url, headers=cast.voter.headers)).content)
    )

    ballots = json.loads(archive.read("ballots.json"))
    assert [b["budget_id"] for b in ballots] == [cast.budget.id]
    assert [i["project_id"] for i in ballots[0]["items"]] == [cast.projects[0].id]
    assert json.loads(archive.read("survey_responses.json")) == []
    assert json.loads(archive.read("notifications.json")) == []
