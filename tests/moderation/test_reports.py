"""Reports: once per person, hidden at the threshold, gone from every read."""

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.debates import Debate
from app.models.spaces import SpaceRoleName
from app.models.users import UserRole
from app.runtime import Runtime
from tests import builders
from tests.builders import actor
from tests.conversation.conftest import (
    API,
    about,
    comment_on,
    debate,
    debate_counts,
    events,
    ids,
    reply_to,
)
from tests.meetings.conftest import meeting, meetings_component
from tests.moderation.conftest import (
    THRESHOLD,
    Crowd,
    only_moderation,
    report,
    report_by_many,
)
from tests.notifications.conftest import deliver
from tests.proposals.conftest import proposals_component


class TestReporting:
    async def test_a_participant_reports_once(
        self, client: httpx.AsyncClient, crowd: Crowd, reported_debate: Debate
    ) -> None:
        first = await report(client, crowd.reporters[0], "debate", reported_debate.id)
        again = await report(client, crowd.reporters[0], "debate", reported_debate.id)

        assert first.status_code == 201, first.text
        assert first.json()["reason"] == "spam"
        assert again.status_code == 409

    async def test_anonymous_cannot_report(
        self, client: httpx.AsyncClient, reported_debate: Debate
    ) -> None:
        response = await client.post(
            f"{API}/reports",
            json={
                "resource_type": "debate",
                "resource_id": reported_debate.id,
                "reason": "spam",
            },
        )

        assert response.status_code == 401

    async def test_an_unknown_reason_is_refused(
        self, client: httpx.AsyncClient, crowd: Crowd, reported_debate: Debate
    ) -> None:
        response = await report(
            client, crowd.reporters[0], "debate", reported_debate.id, reason="boring"
        )

        assert response.status_code == 422

    async def test_nobody_reports_their_own_debate(
        self, client: httpx.AsyncClient, crowd: Crowd, reported_debate: Debate
    ) -> None:
        response = await report(
            client, crowd.stage.participant, "debate", reported_debate.id
        )

        assert response.status_code == 422

    async def test_what_one_cannot_read_cannot_be_reported(
        self, client: httpx.AsyncClient, crowd: Crowd
    ) -> None:
        response = await report(client, crowd.reporters[0], "proposal", 987654)

        assert response.status_code == 404


class TestThreshold:
    async def test_below_the_threshold_the_debate_still_shows(
        self, client: httpx.AsyncClient, crowd: Crowd, reported_debate: Debate
    ) -> None:
        await report_by_many(
            client, crowd.reporters[: THRESHOLD - 1], "debate", reported_debate.id
        )

        response = await client.get(f"{API}/debates/{reported_debate.id}")
        assert response.status_code == 200

    async def test_the_threshold_hides_the_debate_from_reads_and_lists(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        crowd: Crowd,
        reported_debate: Debate,
    ) -> None:
        await report_by_many(
            client, crowd.reporters[:THRESHOLD], "debate", reported_debate.id
        )

        detail = await client.get(f"{API}/debates/{reported_debate.id}")
        listed = await client.get(
            f"{API}/components/{crowd.stage.component.id}/debates"
        )
        by_author = await client.get(
            f"{API}/debates/{reported_debate.id}",
            headers=crowd.stage.participant.headers,
        )
        assert detail.status_code == 404
        assert "Spam" not in detail.text
        assert reported_debate.id not in ids(listed.json())
        assert by_author.status_code == 404
        told = await events(session, "moderation.hidden")
        assert [event["author_id"] for event in told] == [crowd.stage.participant.id]
        reporter_ids = {reporter.id for reporter in crowd.reporters}
        assert not reporter_ids & set(told[0].values())

    async def test_the_author_is_told_in_the_inbox_without_the_content(
        self,
        client: httpx.AsyncClient,
        runtime: Runtime,
        crowd: Crowd,
        reported_debate: Debate,
    ) -> None:
        await report_by_many(
            client, crowd.reporters[:THRESHOLD], "debate", reported_debate.id
        )

        await deliver(runtime)
        inbox = await client.get(
            f"{API}/me/notifications", headers=crowd.stage.participant.headers
        )

        assert inbox.status_code == 200, inbox.text
        [told] = inbox.json()["items"]
        assert told["event_type"] == "moderation.hidden"
        assert told["available"] is False
        assert told["title"]["pt-BR"] == "Um conteúdo seu foi ocultado pela moderação"
        assert "Spam" not in inbox.text
        reporter = await client.get(
            f"{API}/me/notifications", headers=crowd.reporters[0].headers
        )
        assert reporter.json()["items"] == []

    async def test_a_hidden_comment_keeps_its_place_but_stops_counting(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        crowd: Crowd,
        reported_debate: Debate,
    ) -> None:
        stage = crowd.stage
        bad = await comment_on(client, about(reported_debate), stage.other, "Compre já")
        answer = await reply_to(client, bad["id"], stage.participant, "Não")

        await report_by_many(client, crowd.reporters[:THRESHOLD], "comment", bad["id"])

        thread = await client.get(f"{API}/comments", params=about(reported_debate))
        placeholder = thread.json()["items"][0]
        assert placeholder["id"] == bad["id"]
        assert placeholder["hidden"] is True
        assert placeholder["body"] is None
        assert placeholder["author"] is None
        assert "Compre" not in thread.text
        assert (await client.get(f"{API}/comments/{bad['id']}")).status_code == 404
        replies = await client.get(f"{API}/comments/{bad['id']}/replies")
        assert ids(replies.json()) == [answer["id"]]
        assert await debate_counts(session, reported_debate.id) == (1, 0)

    async def test_a_hidden_comment_takes_no_reply(
        self, client: httpx.AsyncClient, crowd: Crowd, reported_debate: Debate
    ) -> None:
        bad = await comment_on(client, about(reported_debate), crowd.stage.other)
        await report_by_many(client, crowd.reporters[:THRESHOLD], "comment", bad["id"])

        response = await client.post(
            f"{API}/comments/{bad['id']}/replies",
            json={"body": "Oi"},
            headers=crowd.stage.participant.headers,
        )

        assert response.status_code == 404


class TestModerators:
    async def test_the_space_moderator_sees_reports_without_names(
        self, client: httpx.AsyncClient, crowd: Crowd, reported_debate: Debate
    ) -> None:
        await report_by_many(
            client, crowd.reporters[:THRESHOLD], "debate", reported_debate.id
        )

        listed = await only_moderation(client, crowd.moderator, crowd.stage.space.id)
        detail = await client.get(
            f"{API}/moderations/{listed['id']}", headers=crowd.moderator.headers
        )

        assert listed["state"] == "hidden"
        assert listed["reports_count"] == THRESHOLD
        assert listed["excerpt"] == "Spam"
        reports = detail.json()["reports"]
        assert [each["reason"] for each in reports] == ["spam"] * THRESHOLD
        for reporter in crowd.reporters:
            assert reporter.user is not None
            assert reporter.user.nickname not in detail.text

    async def test_a_participant_cannot_list_reports(
        self, client: httpx.AsyncClient, crowd: Crowd
    ) -> None:
        space_wide = await client.get(
            f"{API}/moderations",
            params={"space_id": crowd.stage.space.id},
            headers=crowd.reporters[0].headers,
        )
        everything = await client.get(
            f"{API}/moderations", headers=crowd.moderator.headers
        )

        assert space_wide.status_code == 403
        assert everything.status_code == 403

    async def test_unhide_brings_the_comment_and_its_count_back(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        crowd: Crowd,
        reported_debate: Debate,
    ) -> None:
        bad = await comment_on(client, about(reported_debate), crowd.stage.other)
        await report_by_many(client, crowd.reporters[:THRESHOLD], "comment", bad["id"])
        found = await only_moderation(client, crowd.moderator, crowd.stage.space.id)

        response = await client.post(
            f"{API}/moderations/{found['id']}/unhide", headers=crowd.moderator.headers
        )

        assert response.status_code == 200, response.text
        assert response.json()["state"] == "pending"
        assert (await client.get(f"{API}/comments/{bad['id']}")).status_code == 200
        assert await debate_counts(session, reported_debate.id) == (1, 0)
        assert len(await events(session, "moderation.restored")) == 1

    async def test_hide_by_hand_then_dismiss(
        self, client: httpx.AsyncClient, crowd: Crowd, reported_debate: Debate
    ) -> None:
        await report(client, crowd.reporters[0], "debate", reported_debate.id)
        found = await only_moderation(client, crowd.moderator, crowd.stage.space.id)
        headers = crowd.moderator.headers

        hidden = await client.post(
            f"{API}/moderations/{found['id']}/hide", headers=headers
        )
        gone = await client.get(f"{API}/debates/{reported_debate.id}")
        dismissed = await client.post(
            f"{API}/moderations/{found['id']}/dismiss", headers=headers
        )
        await report_by_many(
            client, crowd.reporters[1 : THRESHOLD + 1], "debate", reported_debate.id
        )
        back = await client.get(f"{API}/debates/{reported_debate.id}")

        assert hidden.json()["state"] == "hidden"
        assert gone.status_code == 404
        assert dismissed.json()["state"] == "dismissed"
        assert back.status_code == 200

    async def test_a_moderator_cannot_hide_an_admins_debate(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        crowd: Crowd,
    ) -> None:
        admin = await actor(session, runtime, role=UserRole.ADMIN)
        official = await debate(session, crowd.stage.component, admin, title="Oficial")
        await report(client, crowd.reporters[0], "debate", official.id)
        found = await only_moderation(client, crowd.moderator, crowd.stage.space.id)

        response = await client.post(
            f"{API}/moderations/{found['id']}/hide", headers=crowd.moderator.headers
        )

        assert response.status_code == 403
        ok = await client.get(f"{API}/debates/{official.id}")
        assert ok.status_code == 200

    async def test_a_moderator_cannot_hide_another_moderators_comment(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        crowd: Crowd,
        reported_debate: Debate,
    ) -> None:
        colleague = await actor(
            session,
            runtime,
            space=crowd.stage.space,
            space_role=SpaceRoleName.MODERATOR,
        )
        said = await comment_on(client, about(reported_debate), colleague)
        await report(client, crowd.reporters[0], "comment", said["id"])
        found = await only_moderation(client, crowd.moderator, crowd.stage.space.id)

        refused = await client.post(
            f"{API}/moderations/{found['id']}/hide", headers=crowd.moderator.headers
        )
        by_admin = await client.post(
            f"{API}/moderations/{found['id']}/hide",
            headers=crowd.stage.org_admin.headers,
        )

        assert refused.status_code == 403
        assert by_admin.status_code == 200

    async def test_reports_of_people_go_to_organisation_admins(
        self, client: httpx.AsyncClient, crowd: Crowd
    ) -> None:
        target = crowd.stage.other
        response = await report(client, crowd.reporters[0], "user", target.id)

        listed = await only_moderation(client, crowd.stage.org_admin)
        hide = await client.post(
            f"{API}/moderations/{listed['id']}/hide",
            headers=crowd.stage.org_admin.headers,
        )

        assert response.status_code == 201
        assert listed["resource_type"] == "user"
        assert listed["space_id"] is None
        assert hide.status_code == 409


class TestProposalsAndMeetings:
    async def test_a_hidden_proposal_leaves_its_list_and_detail(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        crowd: Crowd,
    ) -> None:
        component = await proposals_component(session, crowd.stage.space)
        author = crowd.stage.participant.user
        kept = await builders.proposal(session, component, author, title="Praça")
        bad = await builders.proposal(session, component, author, title="Compre")

        await report_by_many(client, crowd.reporters[:THRESHOLD], "proposal", bad.id)

        listed = await client.get(f"{API}/components/{component.id}/proposals")
        detail = await client.get(f"{API}/proposals/{bad.id}")
        assert ids(listed.json()) == [kept.id]
        assert detail.status_code == 404
        assert "Compre" not in detail.text

    async def test_a_hidden_meeting_leaves_its_list_and_detail(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        crowd: Crowd,
    ) -> None:
        component = await meetings_component(session, crowd.stage.space)
        bad = await meeting(session, component)

        await report_by_many(client, crowd.reporters[:THRESHOLD], "meeting", bad.id)

        listed = await client.get(
            f"{API}/meetings", params={"component_id": component.id}
        )
        detail = await client.get(f"{API}/meetings/{bad.id}")
        assert bad.id not in ids(listed.json())
        assert detail.status_code == 404
