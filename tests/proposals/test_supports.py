"""Supports: one per participant, within the component's limits and switches."""

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.components import Component
from app.models.proposals import Proposal, ProposalStatus
from app.runtime import Runtime
from tests import builders
from tests.api.problems import assert_problem
from tests.builders import Actor, actor
from tests.proposals.conftest import (
    API,
    OPEN,
    Cast,
    counters_match_rows,
    outbox_types,
    proposals_component,
)


def supports_of(proposal: Proposal) -> str:
    return f"{API}/proposals/{proposal.id}/supports"


async def support(
    client: httpx.AsyncClient, proposal: Proposal, who: Actor
) -> httpx.Response:
    return await client.post(supports_of(proposal), headers=who.headers)


async def count_of(client: httpx.AsyncClient, proposal: Proposal, who: Actor) -> object:
    response = await client.get(f"{API}/proposals/{proposal.id}", headers=who.headers)
    return response.json()["supports_count"]


async def participants(session: AsyncSession, runtime: Runtime, n: int) -> list[Actor]:
    return [await actor(session, runtime) for _ in range(n)]


class TestSupport:
    async def test_a_participant_supports_once(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        component: Component,
    ) -> None:
        proposal = await builders.proposal(session, component, cast.author.user)

        first = await support(client, proposal, cast.participant)
        second = await support(client, proposal, cast.participant)

        assert first.status_code == 201, first.text
        assert first.json() == {
            "proposal_id": proposal.id,
            "supported": True,
            "supports_count": 1,
        }
        assert_problem(second, 409, "conflict")
        read = await client.get(
            f"{API}/proposals/{proposal.id}", headers=cast.participant.headers
        )
        assert read.json()["supported"] is True
        assert read.json()["supports_count"] == 1
        assert await outbox_types(session) == ["proposal.supported"]
        assert await counters_match_rows(session)

    async def test_taking_a_support_back(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        component: Component,
    ) -> None:
        proposal = await builders.proposal(session, component, cast.author.user)
        await support(client, proposal, cast.participant)

        removed = await client.delete(
            supports_of(proposal), headers=cast.participant.headers
        )
        again = await client.delete(
            supports_of(proposal), headers=cast.participant.headers
        )

        assert removed.status_code == 200
        assert removed.json()["supports_count"] == 0
        assert removed.json()["supported"] is False
        assert_problem(again, 404, "not-found")
        assert await counters_match_rows(session)

    async def test_anonymous_gets_401(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        component: Component,
    ) -> None:
        proposal = await builders.proposal(session, component, cast.author.user)

        assert_problem(
            await support(client, proposal, cast.anonymous), 401, "unauthenticated"
        )

    async def test_supports_disabled_or_blocked_are_403(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        disabled = await proposals_component(session, cast.space, switches={})
        blocked = await proposals_component(
            session, cast.space, switches={**OPEN, "supports_blocked": True}
        )
        for closed in (disabled, blocked):
            proposal = await builders.proposal(session, closed, cast.author.user)

            response = await support(client, proposal, cast.participant)

            assert_problem(response, 403, "forbidden")

    async def test_withdrawn_rejected_and_drafts_cannot_be_supported(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        component: Component,
    ) -> None:
        withdrawn = await builders.proposal(
            session,
            component,
            cast.participant.user,
            status=ProposalStatus.WITHDRAWN,
            withdrawn_at=utcnow(),
        )
        rejected = await builders.proposal(
            session,
            component,
            cast.participant.user,
            answer_state="rejected",
            answer_published_at=utcnow(),
        )
        pending_rejection = await builders.proposal(
            session, component, cast.participant.user, answer_state="rejected"
        )
        draft = await builders.proposal(
            session, component, cast.participant.user, draft=True
        )

        assert_problem(
            await support(client, withdrawn, cast.participant), 409, "conflict"
        )
        assert_problem(
            await support(client, rejected, cast.participant), 409, "conflict"
        )
        assert_problem(await support(client, draft, cast.participant), 409, "conflict")
        assert_problem(await support(client, draft, cast.author), 404, "not-found")
        # A rejection not yet published does not close the proposal.
        assert (
            await support(client, pending_rejection, cast.author)
        ).status_code == 201


async def test_a_support_is_not_taken_back_while_supports_are_blocked(
    client: httpx.AsyncClient, session: AsyncSession, cast: Cast, component: Component
) -> None:
    proposal = await builders.proposal(session, component, cast.author.user)
    await support(client, proposal, cast.participant)
    component.default_switches = {**OPEN, "supports_blocked": True}
    await session.flush()

    response = await client.delete(
        supports_of(proposal), headers=cast.participant.headers
    )

    assert_problem(response, 403, "forbidden")
    assert await count_of(client, proposal, cast.author) == 1


async def test_a_support_is_not_taken_back_from_a_withdrawn_proposal(
    client: httpx.AsyncClient, session: AsyncSession, cast: Cast, component: Component
) -> None:
    proposal = await builders.proposal(session, component, cast.author.user)
    await support(client, proposal, cast.participant)
    withdrawn = await client.post(
        f"{API}/proposals/{proposal.id}/withdraw", headers=cast.author.headers
    )
    assert withdrawn.status_code == 200, withdrawn.text

    response = await client.delete(
        supports_of(proposal), headers=cast.participant.headers
    )

    body = assert_problem(response, 409, "conflict")
    assert body["detail"] == "A withdrawn proposal keeps its supports."
    assert await count_of(client, proposal, cast.author) == 1
    assert await counters_match_rows(session)
    assert "proposal.unsupported" not in await outbox_types(session)


class TestLimits:
    async def test_the_limit_per_user_and_room_after_taking_one_back(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
    ) -> None:
        limited = await proposals_component(
            session, cast.space, supports_limit_per_user=2
        )
        first, second, third = [
            await builders.proposal(session, limited, cast.author.user)
            for _ in range(3)
        ]
        await support(client, first, cast.participant)
        await support(client, second, cast.participant)

        refused = await support(client, third, cast.participant)
        await client.delete(supports_of(first), headers=cast.participant.headers)
        accepted = await support(client, third, cast.participant)

        assert_problem(refused, 409, "conflict")
        assert accepted.status_code == 201

    async def test_the_threshold_without_accumulation_stops_supports(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        cast: Cast,
    ) -> None:
        capped = await proposals_component(
            session, cast.space, threshold_per_proposal=2
        )
        proposal = await builders.proposal(session, capped, cast.author.user)
        one, two, three = await participants(session, runtime, 3)

        answers = [
            (await support(client, proposal, who)).status_code
            for who in (one, two, three)
        ]

        assert answers == [201, 201, 409]
        assert await count_of(client, proposal, one) == 2
        assert (await outbox_types(session)).count("proposal.threshold_reached") == 1

    async def test_the_threshold_with_accumulation_takes_more(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        cast: Cast,
    ) -> None:
        open_ended = await proposals_component(
            session,
            cast.space,
            threshold_per_proposal=2,
            can_accumulate_supports_beyond_threshold=True,
        )
        proposal = await builders.proposal(session, open_ended, cast.author.user)

        answers = [
            (await support(client, proposal, who)).status_code
            for who in await participants(session, runtime, 3)
        ]

        assert answers == [201, 201, 201]
        assert (await outbox_types(session)).count("proposal.threshold_reached") == 1

    async def test_supports_count_once_the_minimum_is_reached(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
    ) -> None:
        minimum = await proposals_component(
            session, cast.space, minimum_supports_per_user=2
        )
        first, second = [
            await builders.proposal(session, minimum, cast.author.user)
            for _ in range(2)
        ]
        viewer = cast.author

        await support(client, first, cast.participant)
        below = [
            await count_of(client, first, viewer),
            await count_of(client, second, viewer),
        ]
        await support(client, second, cast.participant)
        reached = [
            await count_of(client, first, viewer),
            await count_of(client, second, viewer),
        ]
        await client.delete(supports_of(second), headers=cast.participant.headers)
        fallen = [
            await count_of(client, first, viewer),
            await count_of(client, second, viewer),
        ]

        assert below == [0, 0]
        assert reached == [1, 1]
        assert fallen == [0, 0]


class TestHidden:
    async def test_hidden_supports_show_no_counts_anywhere(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        hidden = await proposals_component(
            session, cast.space, switches={**OPEN, "supports_hidden": True}
        )
        proposal = await builders.proposal(session, hidden, cast.author.user)

        supported = await support(client, proposal, cast.participant)
        detail = await client.get(
            f"{API}/proposals/{proposal.id}", headers=cast.space_admin.headers
        )
        listed = await client.get(f"{API}/components/{hidden.id}/proposals")
        sorted_by_supports = await client.get(
            f"{API}/components/{hidden.id}/proposals",
            params={"sort": "most_supported"},
        )

        assert supported.status_code == 201
        assert supported.json()["supports_count"] is None
        assert detail.json()["supports_count"] is None
        assert [item["supports_count"] for item in listed.json()["items"]] == [None]
        assert_problem(sorted_by_supports, 422, "validation-error")

    async def test_the_threshold_refusal_says_no_count_when_hidden(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        cast: Cast,
    ) -> None:
        capped = await proposals_component(
            session,
            cast.space,
            switches={**OPEN, "supports_hidden": True},
            threshold_per_proposal=1,
        )
        proposal = await builders.proposal(session, capped, cast.author.user)
        one, two = await participants(session, runtime, 2)

        await support(client, proposal, one)
        refused = await support(client, proposal, two)

        body = assert_problem(refused, 409, "conflict")
        assert body["detail"] == "This proposal takes no more supports."
        assert "threshold" not in refused.text


class TestPrivateSpaces:
    async def test_outsiders_of_a_private_space_cannot_support(
        self, client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
    ) -> None:
        from app.models.spaces import Visibility

        space = await builders.space(session, visibility=Visibility.PRIVATE)
        private = await proposals_component(session, space)
        member = await actor(session, runtime)
        outsider = await actor(session, runtime)
        assert member.user is not None
        await builders.member(session, space, member.user)
        proposal = await builders.proposal(session, private, member.user)

        assert_problem(await support(client, proposal, outsider), 404, "not-found")
        assert (await support(client, proposal, member)).status_code == 201
