"""Screens and lists of the app: one request each, localised, with the
viewer's state, in a fixed number of queries."""

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.follows import Follow
from app.models.meetings import MeetingRegistration, RegistrationStatus
from app.models.proposals import ProposalSupport
from app.runtime import Runtime
from tests import builders
from tests.conftest import QueryCounter
from tests.meetings.conftest import meeting
from tests.mobile.conftest import MOBILE, Scene

EXPECTED_PROPOSAL_LIST = 11
EXPECTED_MEETING_LIST = 6
"""Statements one request runs, whatever the number of rows it shows."""


class TestLocale:
    async def test_texts_come_in_the_accepted_language_and_say_so(
        self, client: httpx.AsyncClient, scene: Scene
    ) -> None:
        answer = await client.get(
            f"{MOBILE}/spaces/{scene.space.id}",
            headers={"Accept-Language": "en-US;q=0.4, en;q=0.9, fr;q=0.1"},
        )

        assert answer.status_code == 200
        assert answer.headers["content-language"] == "en"
        body = answer.json()
        assert body["title"] == "Participatory budget"
        assert body["locale"] == "en"

    async def test_a_missing_locale_falls_back_to_the_default(
        self, client: httpx.AsyncClient, scene: Scene
    ) -> None:
        answer = await client.get(
            f"{MOBILE}/spaces/{scene.space.id}", headers={"Accept-Language": "de"}
        )

        body = answer.json()
        assert answer.headers["content-language"] == "de"
        assert body["summary"] == "Decida onde investir."
        assert body["locale"] == "pt-BR"
        assert body["description_html"] == (
            "<p>Decida <strong>onde</strong> investir.</p>"
        )
        assert [c["id"] for c in body["components"]] == [
            scene.proposals.id,
            scene.meetings.id,
        ]


class TestProposalScreen:
    async def test_a_participant_sees_they_may_support(
        self, client: httpx.AsyncClient, session: AsyncSession, scene: Scene
    ) -> None:
        shown = await builders.proposal(session, scene.proposals, None)

        answer = await client.get(
            f"{MOBILE}/proposals/{shown.id}", headers=scene.participant.headers
        )

        assert answer.status_code == 200
        body = answer.json()
        assert body["viewer"] == {
            "supported": False,
            "following": False,
            "may_support": True,
            "why_not": None,
        }
        assert body["body_html"].startswith("<p>")
        assert body["summary"] == shown.title["pt-BR"]

    async def test_one_who_supported_is_told_why_not_again(
        self, client: httpx.AsyncClient, session: AsyncSession, scene: Scene
    ) -> None:
        shown = await builders.proposal(session, scene.proposals, None)
        session.add(
            ProposalSupport(
                proposal_id=shown.id,
                component_id=scene.proposals.id,
                user_id=scene.participant.id,
            )
        )
        await session.flush()

        body = (
            await client.get(
                f"{MOBILE}/proposals/{shown.id}", headers=scene.participant.headers
            )
        ).json()

        assert body["viewer"]["supported"] is True
        assert body["viewer"]["may_support"] is False
        assert body["viewer"]["why_not"] == "You already support this proposal."

    async def test_anonymous_readers_get_no_viewer_state(
        self, client: httpx.AsyncClient, session: AsyncSession, scene: Scene
    ) -> None:
        shown = await builders.proposal(session, scene.proposals, None)

        body = (await client.get(f"{MOBILE}/proposals/{shown.id}")).json()

        assert body["viewer"] is None

    async def test_a_draft_of_someone_else_is_404(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        scene: Scene,
    ) -> None:
        author = await builders.user(session, runtime)
        hidden = await builders.proposal(session, scene.proposals, author, draft=True)

        answer = await client.get(
            f"{MOBILE}/proposals/{hidden.id}", headers=scene.participant.headers
        )

        assert answer.status_code == 404


class TestMeetingScreen:
    async def test_the_registered_participant_sees_their_registration(
        self, client: httpx.AsyncClient, session: AsyncSession, scene: Scene
    ) -> None:
        held = await meeting(session, scene.meetings)
        session.add(
            MeetingRegistration(
                meeting_id=held.id,
                user_id=scene.participant.id,
                status=RegistrationStatus.CONFIRMED,
                code="ABC123",
            )
        )
        session.add(
            Follow(
                user_id=scene.participant.id,
                resource_type="meeting",
                resource_id=held.id,
            )
        )
        await session.flush()

        body = (
            await client.get(
                f"{MOBILE}/meetings/{held.id}", headers=scene.participant.headers
            )
        ).json()

        assert body["viewer"] == {"following": True, "registration": "confirmed"}
        assert body["space_id"] == scene.space.id
        assert body["state"] == "published"


@pytest.mark.parametrize("rows", [2, 20])
class TestQueryCounts:
    async def test_proposal_list_runs_the_same_queries_whatever_its_length(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        scene: Scene,
        queries: QueryCounter,
        rows: int,
    ) -> None:
        for _ in range(rows):
            await builders.proposal(session, scene.proposals, None)
        queries.statements.clear()

        answer = await client.get(
            f"{MOBILE}/components/{scene.proposals.id}/proposals",
            params={"limit": 50},
            headers=scene.participant.headers,
        )

        assert len(answer.json()["items"]) == rows
        assert queries.count == EXPECTED_PROPOSAL_LIST

    async def test_meeting_list_runs_the_same_queries_whatever_its_length(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        scene: Scene,
        queries: QueryCounter,
        rows: int,
    ) -> None:
        for _ in range(rows):
            await meeting(session, scene.meetings)
        queries.statements.clear()

        answer = await client.get(
            f"{MOBILE}/meetings",
            params={"limit": 50},
            headers=scene.participant.headers,
        )

        assert len(answer.json()["items"]) == rows
        assert queries.count == EXPECTED_MEETING_LIST
