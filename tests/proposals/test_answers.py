"""Official answers: who gives them, which states, costs, publication."""

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.components import Component
from app.models.proposals import Proposal
from tests import builders
from tests.api.problems import assert_problem, failing_fields
from tests.builders import Actor
from tests.proposals.conftest import API, OPEN, Cast, outbox_types, proposals_component

COSTED = {
    "state": "accepted",
    "answer": {"pt-BR": "<p>Aprovada.</p>"},
    "cost_cents": 1_250_000,
    "cost_report": {"pt-BR": "Orçamento da secretaria"},
    "execution_period": {"pt-BR": "2027"},
}


async def answer(
    client: httpx.AsyncClient, proposal: Proposal, who: Actor, **body: Any
) -> httpx.Response:
    return await client.post(
        f"{API}/proposals/{proposal.id}/answer",
        json={"answer": {"pt-BR": "Resposta"}, **body},
        headers=who.headers,
    )


async def public(client: httpx.AsyncClient, proposal: Proposal) -> dict[str, Any]:
    response = await client.get(f"{API}/proposals/{proposal.id}")
    body: dict[str, Any] = response.json()
    return body


class TestWhoAnswers:
    async def test_a_space_admin_answers_and_it_is_public_at_once(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        component: Component,
    ) -> None:
        proposal = await builders.proposal(session, component, cast.author.user)

        response = await answer(
            client,
            proposal,
            cast.space_admin,
            state="accepted",
            answer={"pt-BR": '<p onclick="x()">Sim<script>1</script></p>'},
        )

        assert response.status_code == 200, response.text
        assert response.json()["published_at"] is not None
        seen = await public(client, proposal)
        assert seen["state"] == "accepted"
        assert seen["answer"]["answer"] == {"pt-BR": "<p>Sim</p>"}
        assert await outbox_types(session) == ["proposal.answered"]

    @pytest.mark.parametrize("who", ["author", "participant", "evaluator"])
    async def test_others_get_403(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        component: Component,
        who: str,
    ) -> None:
        proposal = await builders.proposal(session, component, cast.author.user)

        response = await answer(client, proposal, getattr(cast, who), state="accepted")

        assert_problem(response, 403, "forbidden")

    async def test_an_assigned_evaluator_answers(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        component: Component,
    ) -> None:
        proposal = await builders.proposal(session, component, cast.author.user)
        path = f"{API}/proposals/{proposal.id}/evaluators"

        assigned = await client.post(
            path, json={"user_id": cast.evaluator.id}, headers=cast.space_admin.headers
        )
        answered = await answer(client, proposal, cast.evaluator, state="evaluating")
        unassigned = await client.delete(
            f"{path}/{cast.evaluator.id}", headers=cast.space_admin.headers
        )
        refused = await answer(client, proposal, cast.evaluator, state="accepted")

        assert assigned.json() == {
            "proposal_id": proposal.id,
            "user_ids": [cast.evaluator.id],
        }
        assert answered.status_code == 200
        assert unassigned.status_code == 204
        assert_problem(refused, 403, "forbidden")

    async def test_only_space_evaluators_are_assigned(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        component: Component,
    ) -> None:
        proposal = await builders.proposal(session, component, cast.author.user)
        path = f"{API}/proposals/{proposal.id}/evaluators"

        not_evaluator = await client.post(
            path,
            json={"user_id": cast.participant.id},
            headers=cast.space_admin.headers,
        )
        by_evaluator = await client.post(
            path, json={"user_id": cast.evaluator.id}, headers=cast.evaluator.headers
        )

        assert failing_fields(
            assert_problem(not_evaluator, 422, "validation-error")
        ) == {"user_id"}
        assert_problem(by_evaluator, 403, "forbidden")

    async def test_a_draft_is_not_answered(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        component: Component,
    ) -> None:
        draft = await builders.proposal(
            session, component, cast.author.user, draft=True
        )

        response = await answer(client, draft, cast.space_admin, state="accepted")

        assert_problem(response, 404, "not-found")


class TestStates:
    async def test_an_unknown_state_is_422_and_a_custom_one_accepted(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        custom = await proposals_component(
            session,
            cast.space,
            custom_answer_states=[
                {
                    "token": "em_obras",
                    "title": {"pt-BR": "Em obras"},
                    "colour": "#ff8800",
                }
            ],
        )
        proposal = await builders.proposal(session, custom, cast.author.user)

        unknown = await answer(client, proposal, cast.space_admin, state="talvez")
        known = await answer(client, proposal, cast.space_admin, state="em_obras")

        assert failing_fields(assert_problem(unknown, 422, "validation-error")) == {
            "state"
        }
        assert known.status_code == 200
        assert (await public(client, proposal))["state"] == "em_obras"

    @pytest.mark.parametrize(
        "text",
        [None, {}, {"pt-BR": "   "}, {"pt-BR": "<p><script>x()</script></p>"}],
    )
    async def test_a_rejection_without_text_is_422(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        component: Component,
        text: dict[str, str] | None,
    ) -> None:
        proposal = await builders.proposal(session, component, cast.author.user)
        body: dict[str, Any] = {"state": "rejected"}
        if text is not None:
            body["answer"] = text

        response = await client.post(
            f"{API}/proposals/{proposal.id}/answer",
            json=body,
            headers=cast.space_admin.headers,
        )

        assert failing_fields(assert_problem(response, 422, "validation-error")) == {
            "answer"
        }
        assert (await public(client, proposal))["state"] == "not_answered"

    async def test_other_states_may_go_without_text(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        component: Component,
    ) -> None:
        proposal = await builders.proposal(session, component, cast.author.user)

        response = await client.post(
            f"{API}/proposals/{proposal.id}/answer",
            json={"state": "evaluating"},
            headers=cast.space_admin.headers,
        )

        assert response.status_code == 200, response.text
        assert response.json()["state"] == "evaluating"

    async def test_not_answered_clears_the_answer(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        component: Component,
    ) -> None:
        proposal = await builders.proposal(session, component, cast.author.user)
        await answer(client, proposal, cast.space_admin, state="rejected")

        await answer(client, proposal, cast.space_admin, state="not_answered")

        seen = await public(client, proposal)
        assert seen["state"] == "not_answered"
        assert seen["answer"] is None


class TestCustomStatesInUse:
    EM_ANALISE = {
        "token": "em_analise",
        "title": {"pt-BR": "Em análise"},
        "colour": "#ff8800",
    }
    EM_OBRAS = {
        "token": "em_obras",
        "title": {"pt-BR": "Em obras"},
        "colour": "#00ff00",
    }

    async def settings(
        self, client: httpx.AsyncClient, component: Component, who: Actor, *states: Any
    ) -> httpx.Response:
        return await client.patch(
            f"{API}/components/{component.id}",
            json={"settings": {"custom_answer_states": list(states)}},
            headers=who.headers,
        )

    @pytest.mark.parametrize("published", [True, False])
    async def test_a_state_a_proposal_holds_is_not_removed(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        published: bool,
    ) -> None:
        custom = await proposals_component(
            session,
            cast.space,
            custom_answer_states=[self.EM_ANALISE, self.EM_OBRAS],
            publish_answers_immediately=published,
        )
        proposal = await builders.proposal(session, custom, cast.author.user)
        given = await answer(client, proposal, cast.space_admin, state="em_analise")
        assert given.status_code == 200, given.text
        assert (given.json()["published_at"] is not None) is published

        emptied = await self.settings(client, custom, cast.space_admin)
        kept = await self.settings(client, custom, cast.space_admin, self.EM_ANALISE)

        body = assert_problem(emptied, 409, "conflict")
        assert "em_analise" in body["detail"]
        assert body["states"] == ["em_analise"]
        assert kept.status_code == 200, kept.text
        assert [
            state["token"] for state in kept.json()["settings"]["custom_answer_states"]
        ] == ["em_analise"]

    async def test_a_state_no_longer_held_is_removed(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        custom = await proposals_component(
            session, cast.space, custom_answer_states=[self.EM_ANALISE]
        )
        proposal = await builders.proposal(session, custom, cast.author.user)
        await answer(client, proposal, cast.space_admin, state="em_analise")
        await answer(client, proposal, cast.space_admin, state="accepted")

        emptied = await self.settings(client, custom, cast.space_admin)

        assert emptied.status_code == 200, emptied.text
        assert emptied.json()["settings"]["custom_answer_states"] == []


class TestPublication:
    async def test_answers_wait_for_publication_when_the_component_says_so(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
    ) -> None:
        later = await proposals_component(
            session, cast.space, publish_answers_immediately=False
        )
        proposal = await builders.proposal(session, later, cast.author.user)

        given = await answer(client, proposal, cast.space_admin, state="rejected")
        before = await public(client, proposal)
        team_view = await client.get(
            f"{API}/proposals/{proposal.id}/answer", headers=cast.space_admin.headers
        )
        published = await client.post(
            f"{API}/proposals/{proposal.id}/answer/publish",
            headers=cast.space_admin.headers,
        )
        after = await public(client, proposal)

        assert given.json()["published_at"] is None
        assert before["state"] == "not_answered"
        assert before["answer"] is None
        assert team_view.json()["state"] == "rejected"
        assert published.json()["published_at"] is not None
        assert after["state"] == "rejected"
        assert await outbox_types(session) == ["proposal.answered"]

    async def test_answers_switched_off_wait_too(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        switched_off = await proposals_component(
            session, cast.space, switches={**OPEN, "answers_enabled": False}
        )
        proposal = await builders.proposal(session, switched_off, cast.author.user)

        await answer(client, proposal, cast.space_admin, state="accepted")

        assert (await public(client, proposal))["state"] == "not_answered"

    async def test_publishing_nothing_is_409(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        component: Component,
    ) -> None:
        proposal = await builders.proposal(session, component, cast.author.user)

        response = await client.post(
            f"{API}/proposals/{proposal.id}/answer/publish",
            headers=cast.space_admin.headers,
        )

        assert_problem(response, 409, "conflict")


class TestCosts:
    async def test_an_accepting_answer_states_its_cost(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        costed = await proposals_component(session, cast.space, answers_with_costs=True)
        proposal = await builders.proposal(session, costed, cast.author.user)

        missing = await answer(client, proposal, cast.space_admin, state="accepted")
        given = await client.post(
            f"{API}/proposals/{proposal.id}/answer",
            json=COSTED,
            headers=cast.space_admin.headers,
        )

        assert failing_fields(assert_problem(missing, 422, "validation-error")) == {
            "cost_cents",
            "cost_report",
            "execution_period",
        }
        assert given.status_code == 200
        seen = (await public(client, proposal))["answer"]
        assert seen["cost_cents"] == 1_250_000
        assert seen["execution_period"] == {"pt-BR": "2027"}

    async def test_costs_are_refused_without_the_setting(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
        component: Component,
    ) -> None:
        proposal = await builders.proposal(session, component, cast.author.user)

        response = await client.post(
            f"{API}/proposals/{proposal.id}/answer",
            json=COSTED,
            headers=cast.space_admin.headers,
        )

        assert_problem(response, 422, "validation-error")


async def test_the_space_timeline_shows_publication_and_public_answers_only(
    client: httpx.AsyncClient, session: AsyncSession, cast: Cast
) -> None:
    later = await proposals_component(
        session, cast.space, publish_answers_immediately=False
    )
    draft = await client.post(
        f"{API}/components/{later.id}/proposals",
        json={"title": {"pt-BR": "Praça"}, "body": {"pt-BR": "<p>Bancos</p>"}},
        headers=cast.author.headers,
    )
    proposal_id = draft.json()["id"]
    await client.post(
        f"{API}/proposals/{proposal_id}/publish", headers=cast.author.headers
    )
    await client.post(
        f"{API}/proposals/{proposal_id}/answer",
        json={"state": "accepted"},
        headers=cast.space_admin.headers,
    )
    before = await client.get(f"{API}/spaces/{cast.space.id}/timeline")

    await client.post(
        f"{API}/proposals/{proposal_id}/answer/publish",
        headers=cast.space_admin.headers,
    )
    after = await client.get(f"{API}/spaces/{cast.space.id}/timeline")

    assert [item["action"] for item in before.json()["items"]] == ["proposal.published"]
    assert [item["action"] for item in after.json()["items"]] == [
        "proposal.answer_published",
        "proposal.published",
    ]
