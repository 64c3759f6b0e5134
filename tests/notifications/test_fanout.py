"""Events reach the people they concern, through the channels each one chose."""

from typing import Any

from httpx import AsyncClient
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.events import OutboxEvent, OutboxStatus
from app.models.meetings import MeetingRegistration, RegistrationStatus
from app.models.notifications import Notification
from app.models.proposals import ProposalCoauthor, ProposalEvaluator
from app.models.spaces import Visibility
from app.runtime import Runtime
from app.services import outbox
from tests import builders
from tests.builders import actor
from tests.meetings.conftest import meetings_component, open_meeting
from tests.notifications.conftest import (
    API,
    Relay,
    Stage,
    deliver,
    follow,
    followed_proposal,
    inbox,
    outbox_payloads,
    set_preferences,
    text_of,
)


async def comment(client: AsyncClient, who: Any, proposal_id: int) -> None:
    response = await client.post(
        f"{API}/comments",
        json={
            "resource_type": "proposal",
            "resource_id": proposal_id,
            "body": "Apoio!",
        },
        headers=who.headers,
    )
    assert response.status_code == 201, response.text


class TestWhoIsTold:
    async def test_a_comment_tells_author_and_followers_never_the_commenter(
        self,
        client: AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        stage: Stage,
    ) -> None:
        proposal = await followed_proposal(session, stage)

        await comment(client, stage.bystander, proposal.id)
        await deliver(runtime)

        [told] = (await inbox(client, stage.author))["items"]
        assert told["event_type"] == "comment.created"
        assert told["title"]["en"] == "New comment"
        assert told["body"]["pt-BR"] == "Mais árvores na Praça"
        assert told["resource_type"] == "proposal"
        assert told["resource_id"] == proposal.id
        assert told["url"].endswith(f"/proposals/{proposal.id}")
        assert told["available"] is True
        assert len((await inbox(client, stage.follower))["items"]) == 1
        assert (await inbox(client, stage.bystander))["items"] == []
        assert (await inbox(client, stage.space_follower))["items"] == []

    async def test_publishing_tells_the_space_followers_not_the_author(
        self,
        client: AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        stage: Stage,
    ) -> None:
        assert stage.author.user is not None
        draft = await builders.proposal(
            session, stage.component, stage.author.user, draft=True
        )

        response = await client.post(
            f"{API}/proposals/{draft.id}/publish", headers=stage.author.headers
        )
        await deliver(runtime)

        assert response.status_code == 200, response.text
        [told] = (await inbox(client, stage.space_follower))["items"]
        assert told["event_type"] == "proposal.published"
        assert told["title"]["pt-BR"] == "Nova proposta publicada"
        assert (await inbox(client, stage.author))["items"] == []
        assert (await inbox(client, stage.bystander))["items"] == []

    async def test_a_cancelled_meeting_tells_those_registered(
        self,
        client: AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        stage: Stage,
    ) -> None:
        meetings = await meetings_component(session, stage.space)
        meeting = await open_meeting(session, meetings, capacity=10)
        session.add(
            MeetingRegistration(
                meeting_id=meeting.id,
                user_id=stage.follower.id,
                status=RegistrationStatus.CONFIRMED,
                code="ABC123",
            )
        )
        await follow(session, stage.space_admin.user, "meeting", meeting.id)

        response = await client.post(
            f"{API}/meetings/{meeting.id}/cancel",
            json={"reason": "Chuva forte"},
            headers=stage.space_admin.headers,
        )
        await deliver(runtime)

        assert response.status_code == 200, response.text
        [told] = (await inbox(client, stage.follower))["items"]
        assert told["event_type"] == "meeting.cancelled"
        assert told["title"]["es"] == "Encuentro cancelado"
        assert (await inbox(client, stage.bystander))["items"] == []
        assert (await inbox(client, stage.space_admin))["items"] == []


class TestVisibility:
    async def test_nobody_is_told_of_what_they_cannot_read(
        self,
        client: AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        stage: Stage,
    ) -> None:
        proposal = await followed_proposal(session, stage)
        member = await actor(session, runtime)
        await builders.member(session, stage.space, member.user)  # type: ignore[arg-type]
        await follow(session, member.user, "proposal", proposal.id)
        stage.space.visibility = Visibility.PRIVATE
        await session.flush()

        outbox.emit(session, "comment.created", _comment_payload(stage, proposal.id))
        await session.commit()
        await deliver(runtime)

        assert len((await inbox(client, member))["items"]) == 1
        assert (await inbox(client, stage.follower))["items"] == []
        assert (await inbox(client, stage.author))["items"] == []

    async def test_a_subject_that_became_unreadable_shows_a_placeholder(
        self,
        client: AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        stage: Stage,
    ) -> None:
        proposal = await followed_proposal(session, stage, title="Segredo da praça")
        await comment(client, stage.bystander, proposal.id)
        await deliver(runtime)

        stage.component.published_at = None
        await session.flush()
        [shown] = (await inbox(client, stage.follower))["items"]

        assert shown["available"] is False
        assert shown["title"]["pt-BR"] == "Conteúdo indisponível"
        assert shown["resource_id"] is None
        assert shown["url"] is None
        assert "Segredo" not in str(shown)


def _comment_payload(stage: Stage, proposal_id: int) -> dict[str, Any]:
    return {
        "comment_id": 1,
        "action": "commented",
        "resource_type": "proposal",
        "resource_id": proposal_id,
        "space_id": stage.space.id,
        "author_id": stage.bystander.id,
        "parent_id": None,
        "parent_author_id": None,
        "depth": 0,
    }


class TestChannels:
    async def test_an_email_in_the_recipients_language_text_and_html(
        self,
        client: AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        stage: Stage,
        relay: Relay,
    ) -> None:
        proposal = await followed_proposal(session, stage, title="Tom & <b>Jerry</b>")
        assert stage.follower.user is not None
        stage.follower.user.locale = "en"
        await session.flush()
        await set_preferences(
            client,
            stage.follower,
            event_types=[{"event_type": "comment.created", "email": True}],
        )

        await comment(client, stage.bystander, proposal.id)
        await deliver(runtime)

        [message] = relay.to(stage.follower.user.email)
        assert message["Subject"] == "New comment"
        plain = text_of(message)
        assert "Hello, Bruno Seguidor." in plain
        assert "Tom & <b>Jerry</b>" in plain
        assert f"/proposals/{proposal.id}" in plain
        html = text_of(message, "html")
        assert "Tom &amp; &lt;b&gt;Jerry&lt;/b&gt;" in html
        assert "<b>Jerry</b>" not in html
        assert relay.to(stage.author.user.email) == []  # type: ignore[union-attr]

    async def test_push_follows_the_mobile_contract(
        self,
        client: AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        stage: Stage,
    ) -> None:
        proposal = await followed_proposal(session, stage)
        await set_preferences(
            client,
            stage.author,
            event_types=[{"event_type": "comment.created", "push": False}],
        )

        await comment(client, stage.bystander, proposal.id)
        await deliver(runtime)

        [push] = await outbox_payloads(session, "push.send")
        [told] = (await inbox(client, stage.follower))["items"]
        assert push == {
            "user_id": stage.follower.id,
            "notification_id": told["id"],
            "event_type": "comment.created",
            "title": told["title"],
            "body": told["body"],
            "url": told["url"],
        }

    async def test_in_app_off_keeps_the_inbox_empty_but_still_mails(
        self,
        client: AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        stage: Stage,
        relay: Relay,
    ) -> None:
        proposal = await followed_proposal(session, stage)
        await set_preferences(
            client,
            stage.follower,
            event_types=[
                {"event_type": "comment.created", "in_app": False, "email": True}
            ],
        )

        await comment(client, stage.bystander, proposal.id)
        await deliver(runtime)

        assert (await inbox(client, stage.follower))["items"] == []
        assert len(relay.to(stage.follower.user.email)) == 1  # type: ignore[union-attr]


class TestRedelivery:
    async def test_an_event_delivered_again_notifies_and_mails_nobody_twice(
        self,
        client: AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        stage: Stage,
        relay: Relay,
    ) -> None:
        proposal = await followed_proposal(session, stage)
        await set_preferences(
            client,
            stage.follower,
            event_types=[{"event_type": "comment.created", "email": True}],
        )
        await comment(client, stage.bystander, proposal.id)
        await deliver(runtime)

        await session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.event_type == "comment.created")
            .values(status=OutboxStatus.PENDING)
        )
        await session.commit()
        await deliver(runtime)

        count = await session.scalar(select(func.count()).select_from(Notification))
        assert count == 2
        assert len(relay.to(stage.follower.user.email)) == 1  # type: ignore[union-attr]


class TestAudiences:
    async def test_a_threshold_reaches_authors_evaluators_admins_and_followers(
        self,
        client: AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        stage: Stage,
    ) -> None:
        proposal = await followed_proposal(session, stage)
        coauthor = await actor(session, runtime)
        evaluator = await actor(session, runtime)
        session.add(ProposalCoauthor(proposal_id=proposal.id, user_id=coauthor.id))
        session.add(ProposalEvaluator(proposal_id=proposal.id, user_id=evaluator.id))
        await session.flush()

        outbox.emit(
            session,
            "proposal.threshold_reached",
            {
                "proposal_id": proposal.id,
                "component_id": stage.component.id,
                "space_id": stage.space.id,
                "author_id": stage.author.id,
                "reference": proposal.reference,
                "actor_id": stage.space_admin.id,
            },
        )
        await session.commit()
        await deliver(runtime)

        for told in (stage.author, coauthor, evaluator, stage.follower):
            [item] = (await inbox(client, told))["items"]
            assert item["event_type"] == "proposal.threshold_reached"
        assert (await inbox(client, stage.space_admin))["items"] == []
        assert (await inbox(client, stage.bystander))["items"] == []

    async def test_a_reply_reaches_the_parent_comments_author(
        self,
        client: AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        stage: Stage,
    ) -> None:
        assert stage.author.user is not None
        proposal = await builders.proposal(session, stage.component, None)
        payload = _comment_payload(stage, proposal.id)
        payload |= {"action": "replied", "parent_author_id": stage.follower.id}

        outbox.emit(session, "comment.created", payload)
        await session.commit()
        await deliver(runtime)

        [item] = (await inbox(client, stage.follower))["items"]
        assert item["event_type"] == "comment.created"
        assert (await inbox(client, stage.author))["items"] == []
