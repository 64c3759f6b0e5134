"""Aggregated results, free texts page by page, and the admins' CSV export."""

import csv
import io
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.spaces import SpaceStatus, Visibility
from app.models.surveys import Survey
from app.runtime import Runtime
from app.services.survey_results import neutralise
from tests import builders
from tests.attachments.conftest import minimal_pdf
from tests.surveys.conftest import (
    API,
    Cast,
    full_answers,
    question_ids,
    survey,
    surveys_component,
)


async def answered_by(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    shown: Survey,
    bodies: list[dict[str, Any]],
) -> None:
    for body in bodies:
        account = await builders.user(session, runtime)
        answer = await client.post(
            f"{API}/surveys/{shown.id}/responses",
            json=body,
            headers=builders.bearer(runtime, account),
        )
        assert answer.status_code == 201, answer.text


async def three_responses(
    client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime, shown: Survey
) -> list[int]:
    ids = await question_ids(session, shown)
    await answered_by(
        client,
        session,
        runtime,
        shown,
        [
            full_answers(ids),
            full_answers(ids, q4={"number": 2}, q5={"text": "=HYPERLINK(1)"}),
            full_answers(
                ids,
                q0={"choices": [{"option": "nao"}]},
                q1=None,
                q2={"choices": [{"option": "saude"}, {"option": "escola"}]},
                q4={"number": 6},
                q5=None,
            ),
        ],
    )
    return ids


def counts(result: dict[str, Any]) -> dict[str, int]:
    return {option["key"]: option["count"] for option in result["options"]}


class TestResults:
    async def test_counts_per_option_row_rank_and_number_stats(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        cast: Cast,
    ) -> None:
        cast.component.settings = {**cast.component.settings, "results_public": True}
        shown = await survey(session, cast.component)
        await three_responses(client, session, runtime, shown)

        answer = await client.get(f"{API}/surveys/{shown.id}/results")

        assert answer.status_code == 200
        body = answer.json()
        assert body["responses_count"] == 3
        single, multiple, ranking, matrix, number, short, _ = body["questions"]
        assert counts(single) == {"sim": 2, "nao": 1}
        assert counts(multiple) == {"l1": 2, "l2": 0, "l3": 0, "outra": 2}
        assert multiple["answers_count"] == 2
        assert {o["key"]: o["rank_counts"] for o in ranking["options"]} == {
            "saude": [1, 2],
            "escola": [2, 1],
        }
        rows = {row["key"]: counts(row) for row in matrix["rows"]}
        assert rows == {
            "limpeza": {"bom": 3, "ruim": 0},
            "seguranca": {"bom": 0, "ruim": 3},
        }
        assert number["number"] == {"count": 3, "min": 2, "max": 6, "mean": 4}
        assert short["answers_count"] == 2

    async def test_private_results_are_for_the_team_only(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        cast: Cast,
    ) -> None:
        shown = await survey(session, cast.component)

        hidden = await client.get(
            f"{API}/surveys/{shown.id}/results", headers=cast.participant.headers
        )
        team = await client.get(
            f"{API}/surveys/{shown.id}/results", headers=cast.space_admin.headers
        )
        read = await client.get(f"{API}/surveys/{shown.id}")

        assert hidden.status_code == 403
        assert team.status_code == 200
        assert read.json()["results_visible"] is False

    async def test_free_texts_come_page_by_page(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        cast: Cast,
    ) -> None:
        shown = await survey(session, cast.component)
        ids = await question_ids(session, shown)
        texts = [f"Sugestão {n}" for n in range(5)]
        await answered_by(
            client,
            session,
            runtime,
            shown,
            [full_answers(ids, q6={"text": text}) for text in texts],
        )
        url = f"{API}/surveys/{shown.id}/questions/{ids[6]}/texts"

        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 2}
            if cursor:
                params["cursor"] = cursor
            page = await client.get(
                url, params=params, headers=cast.space_admin.headers
            )
            assert page.status_code == 200
            seen += [item["text"] for item in page.json()["items"]]
            cursor = page.json()["next_cursor"]
            if cursor is None:
                break

        assert seen == texts
        other = await client.get(
            f"{API}/surveys/{shown.id}/questions/{ids[1]}/texts",
            headers=cast.space_admin.headers,
        )
        assert [(i["text"], i["option"]) for i in other.json()["items"]] == [
            ("Ônibus 42", "outra")
        ] * 5


class TestExport:
    async def test_admin_gets_every_response_with_formulas_neutralised(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        cast: Cast,
    ) -> None:
        shown = await survey(session, cast.component)
        await three_responses(client, session, runtime, shown)

        answer = await client.get(
            f"{API}/surveys/{shown.id}/responses.csv",
            headers=cast.space_admin.headers,
        )

        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(answer.text)))
        header, first, second, third = rows
        assert header[:3] == [
            "response_id",
            "submitted_at",
            "1. Você usa o transporte público?",
        ]
        assert header[5:7] == [
            "4. Avalie os serviços [Limpeza]",
            "4. Avalie os serviços [Segurança]",
        ]
        assert first[2:10] == [
            "Sim",
            "Linha 1; Outra: Ônibus 42",
            "Escola > Saúde",
            "Bom",
            "Ruim",
            "4",
            "Eldorado",
            "Mais ônibus à noite",
        ]
        assert second[8] == "'=HYPERLINK(1)"
        assert third[3] == ""

    async def test_participant_gets_no_export(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        shown = await survey(session, cast.component)

        answer = await client.get(
            f"{API}/surveys/{shown.id}/responses.csv",
            headers=cast.participant.headers,
        )

        assert answer.status_code == 403

    def test_every_formula_start_is_neutralised(self) -> None:
        cells = ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "texto", ""]

        assert [neutralise(cell) for cell in cells] == [
            "'=1+1",
            "'+1",
            "'-1",
            "'@SUM(A1)",
            "'\tx",
            "'\rx",
            "texto",
            "",
        ]


class TestVisibility:
    async def test_private_space_surveys_do_not_leak(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        cast: Cast,
    ) -> None:
        private = await builders.space(session, visibility=Visibility.PRIVATE)
        component = await surveys_component(session, private, results_public=True)
        hidden = await survey(session, component)
        member = await builders.actor(session, runtime)
        await builders.member(session, private, member.user)  # type: ignore[arg-type]

        listed = await client.get(f"{API}/components/{component.id}/surveys")
        read = await client.get(f"{API}/surveys/{hidden.id}")
        results = await client.get(f"{API}/surveys/{hidden.id}/results")
        export = await client.get(
            f"{API}/surveys/{hidden.id}/responses.csv",
            headers=cast.participant.headers,
        )
        for_member = await client.get(
            f"{API}/surveys/{hidden.id}/results", headers=member.headers
        )

        assert listed.status_code == 404
        assert read.status_code == 404
        assert results.status_code == 404
        assert export.status_code == 404
        assert for_member.status_code == 200

    async def test_drafts_are_listed_for_the_team_only(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        published = await survey(session, cast.component)
        draft = await survey(session, cast.component, published=False)
        url = f"{API}/components/{cast.component.id}/surveys"

        public = await client.get(url)
        team = await client.get(url, headers=cast.space_admin.headers)

        assert [s["id"] for s in public.json()["items"]] == [published.id]
        assert [s["id"] for s in team.json()["items"]] == [published.id, draft.id]
        assert (
            await client.get(f"{API}/surveys/{draft.id}/results")
        ).status_code == 404

    async def test_draft_space_surveys_are_hidden(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        draft_space = await builders.space(session, status=SpaceStatus.DRAFT)
        component = await surveys_component(session, draft_space)
        hidden = await survey(session, component)

        assert (await client.get(f"{API}/surveys/{hidden.id}")).status_code == 404

    async def test_a_consultation_carries_documents_and_is_followed(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        shown = await survey(session, cast.component, consultation=True)
        path = f"{API}/resources/survey/{shown.id}/attachments"
        document = {"file": ("minuta.pdf", minimal_pdf(), "application/pdf")}

        attached = await client.post(
            path,
            files=document,
            data={"title": "Minuta do plano"},
            headers=cast.space_admin.headers,
        )
        refused = await client.post(
            path, files=document, headers=cast.participant.headers
        )
        follow = await client.post(
            f"{API}/me/follows",
            json={"resource_type": "survey", "resource_id": shown.id},
            headers=cast.participant.headers,
        )
        listed = await client.get(path)

        assert attached.status_code == 201, attached.text
        assert refused.status_code == 403
        assert follow.status_code == 201, follow.text
        assert [a["title"] for a in listed.json()["items"]] == ["Minuta do plano"]

    async def test_a_drafts_documents_are_hidden(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        draft = await survey(session, cast.component, published=False)

        listed = await client.get(f"{API}/resources/survey/{draft.id}/attachments")

        assert listed.status_code == 404
