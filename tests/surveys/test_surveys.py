"""Admins build a survey; participants answer it once, as its questions say."""

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.surveys import Survey
from tests.surveys.conftest import (
    API,
    QUESTIONS,
    Cast,
    events,
    full_answers,
    question_ids,
    survey,
)


async def submit(
    client: httpx.AsyncClient, cast: Cast, shown: Survey, body: dict[str, Any]
) -> httpx.Response:
    return await client.post(
        f"{API}/surveys/{shown.id}/responses",
        json=body,
        headers=cast.participant.headers,
    )


class TestBuilding:
    async def test_admin_creates_sets_questions_and_publishes(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        created = await client.post(
            f"{API}/components/{cast.component.id}/surveys",
            json={
                "title": {"pt-BR": "Plano de mobilidade"},
                "consultation": True,
                "context": [
                    {
                        "title": {"pt-BR": "Diagnóstico"},
                        "body": {"pt-BR": "<p>Texto</p><script>x</script>"},
                    }
                ],
            },
            headers=cast.space_admin.headers,
        )
        assert created.status_code == 201, created.text
        survey_id = created.json()["id"]
        assert created.json()["context"][0]["body"] == {"pt-BR": "<p>Texto</p>"}

        early = await client.post(
            f"{API}/surveys/{survey_id}/publish", headers=cast.space_admin.headers
        )
        questions = await client.put(
            f"{API}/surveys/{survey_id}/questions",
            json={"questions": QUESTIONS},
            headers=cast.space_admin.headers,
        )
        published = await client.post(
            f"{API}/surveys/{survey_id}/publish", headers=cast.space_admin.headers
        )

        assert early.status_code == 409
        assert questions.status_code == 200, questions.text
        shown = questions.json()["questions"]
        assert [q["type"] for q in shown] == [q["type"] for q in QUESTIONS]
        assert shown[1]["condition_question_id"] == shown[0]["id"]
        assert shown[1]["condition_option"] == "sim"
        assert published.status_code == 200
        seen = await client.get(f"{API}/surveys/{survey_id}")
        assert seen.json()["open"] is True
        assert seen.json()["consultation"] is True

    async def test_participant_may_not_create(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        answer = await client.post(
            f"{API}/components/{cast.component.id}/surveys",
            json={"title": {"pt-BR": "Pesquisa"}},
            headers=cast.participant.headers,
        )

        assert answer.status_code == 403

    async def test_a_condition_must_point_to_an_earlier_option(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        draft = await survey(session, cast.component, published=False, questions=[])
        later = [dict(QUESTIONS[1], shown_if={"question_position": 1, "option": "x"})]

        answer = await client.put(
            f"{API}/surveys/{draft.id}/questions",
            json={"questions": [QUESTIONS[0], *later]},
            headers=cast.space_admin.headers,
        )

        assert answer.status_code == 422

    async def test_questions_cannot_change_once_answered(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        shown = await survey(session, cast.component)
        ids = await question_ids(session, shown)
        await submit(client, cast, shown, full_answers(ids))

        answer = await client.put(
            f"{API}/surveys/{shown.id}/questions",
            json={"questions": QUESTIONS[:1]},
            headers=cast.space_admin.headers,
        )

        assert answer.status_code == 409
        assert "1 responses" in answer.json()["detail"]


class TestAnswering:
    async def test_full_answer_is_taken_once(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        shown = await survey(session, cast.component)
        ids = await question_ids(session, shown)

        first = await submit(client, cast, shown, full_answers(ids))
        again = await submit(client, cast, shown, full_answers(ids))

        assert first.status_code == 201, first.text
        assert again.status_code == 409
        seen = await client.get(
            f"{API}/surveys/{shown.id}", headers=cast.participant.headers
        )
        assert seen.json()["answered"] is True
        assert seen.json()["responses_count"] == 1
        [event] = await events(session, "survey.response_submitted")
        assert event["survey_id"] == shown.id
        assert "user_id" not in event

    async def test_anonymous_must_sign_in(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        shown = await survey(session, cast.component)

        answer = await client.post(
            f"{API}/surveys/{shown.id}/responses", json={"answers": []}
        )

        assert answer.status_code == 401

    async def test_hidden_question_is_not_mandatory(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        shown = await survey(session, cast.component)
        ids = await question_ids(session, shown)
        body = full_answers(ids, q0={"choices": [{"option": "nao"}]}, q1=None)

        answer = await submit(client, cast, shown, body)

        assert answer.status_code == 201, answer.text

    async def test_answer_to_a_hidden_question_is_refused(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        shown = await survey(session, cast.component)
        ids = await question_ids(session, shown)
        body = full_answers(ids, q0={"choices": [{"option": "nao"}]})

        answer = await submit(client, cast, shown, body)

        assert answer.status_code == 422
        assert answer.json()["errors"][0]["field"] == f"question {ids[1]}"
        assert "not shown" in answer.json()["errors"][0]["message"]

    async def test_shown_mandatory_question_must_be_answered(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        shown = await survey(session, cast.component)
        ids = await question_ids(session, shown)

        answer = await submit(client, cast, shown, full_answers(ids, q1=None))

        assert answer.status_code == 422
        assert answer.json()["errors"][0]["message"] == "is mandatory"

    async def test_mistakes_are_refused_with_what_is_wrong(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        shown = await survey(session, cast.component)
        ids = await question_ids(session, shown)
        three = [{"option": "l1"}, {"option": "l2"}, {"option": "l3"}]
        mistakes = {
            "takes at most 2 choices": {"q1": {"choices": three}},
            "needs the text": {"q1": {"choices": [{"option": "outra"}]}},
            "has no option 'l9'": {"q1": {"choices": [{"option": "l9"}]}},
            "is above 30.0": {"q4": {"number": 31}},
            "takes a number": {"q4": {"text": "quatro"}},
            "has no row 'luz'": {"q3": {"choices": [{"option": "bom", "row": "luz"}]}},
            "takes at most 1 choices": {
                "q3": {
                    "choices": [
                        {"option": "bom", "row": "limpeza"},
                        {"option": "ruim", "row": "limpeza"},
                    ]
                }
            },
            "repeats an option": {
                "q2": {"choices": [{"option": "saude"}, {"option": "saude"}]}
            },
        }

        for message, override in mistakes.items():
            answer = await submit(client, cast, shown, full_answers(ids, **override))

            assert answer.status_code == 422, message
            assert answer.json()["errors"][0]["message"] == message
        assert (await session.get(Survey, shown.id)) is not None

    async def test_a_question_of_another_survey_is_refused(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        shown = await survey(session, cast.component)
        other = await survey(session, cast.component)
        ids = await question_ids(session, shown)
        foreign = (await question_ids(session, other))[5]
        body = full_answers(ids)
        body["answers"].append({"question_id": foreign, "text": "x"})

        answer = await submit(client, cast, shown, body)

        assert answer.status_code == 422
        assert answer.json()["errors"][0]["message"] == "is not in this survey"

    async def test_unpublished_survey_is_not_found(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        draft = await survey(session, cast.component, published=False)
        ids = await question_ids(session, draft)

        answer = await submit(client, cast, draft, full_answers(ids))

        assert answer.status_code == 404

    async def test_component_that_stopped_answers_refuses(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        cast.component.settings = {**cast.component.settings, "allow_answers": False}
        shown = await survey(session, cast.component)
        ids = await question_ids(session, shown)

        answer = await submit(client, cast, shown, full_answers(ids))

        assert answer.status_code == 409
        assert "allow_answers" in answer.json()["detail"]


class TestTermsAndEditing:
    async def test_terms_must_be_accepted_when_the_survey_has_them(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        shown = await survey(
            session, cast.component, terms={"pt-BR": "Aceito o uso dos dados."}
        )
        ids = await question_ids(session, shown)

        refused = await submit(client, cast, shown, full_answers(ids))
        taken = await submit(
            client, cast, shown, full_answers(ids) | {"accept_terms": True}
        )

        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "accept_terms"
        assert taken.status_code == 201

    async def test_answers_change_only_where_editing_is_allowed(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        shown = await survey(session, cast.component)
        ids = await question_ids(session, shown)
        await submit(client, cast, shown, full_answers(ids))
        url = f"{API}/surveys/{shown.id}/responses/mine"
        body = full_answers(ids, q0={"choices": [{"option": "nao"}]}, q1=None)

        refused = await client.put(url, json=body, headers=cast.participant.headers)
        cast.component.settings = {
            **cast.component.settings,
            "allow_editing_answers": True,
            "results_public": True,
        }
        await session.flush()
        changed = await client.put(url, json=body, headers=cast.participant.headers)

        assert refused.status_code == 409
        assert changed.status_code == 200, changed.text
        results = (await client.get(f"{API}/surveys/{shown.id}/results")).json()
        first, second = results["questions"][:2]
        assert {o["key"]: o["count"] for o in first["options"]} == {"sim": 0, "nao": 1}
        assert second["answers_count"] == 0
        assert results["responses_count"] == 1
        [event] = await events(session, "survey.response_updated")
        assert "user_id" not in event

    async def test_editing_without_a_response_is_not_found(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        cast.component.settings = {
            **cast.component.settings,
            "allow_editing_answers": True,
        }
        shown = await survey(session, cast.component)
        ids = await question_ids(session, shown)

        answer = await client.put(
            f"{API}/surveys/{shown.id}/responses/mine",
            json=full_answers(ids),
            headers=cast.participant.headers,
        )

        assert answer.status_code == 404
