"""Survey results, free texts and the CSV export over many responses.

.venv/bin/python -m bench.surveys                      # 10,000 responses
.venv/bin/python -m bench.surveys --responses 2000 --repeat 10   # smoke run
"""

import asyncio
import random
import sys
import time
from typing import Any

from sqlalchemy import insert, select

from app.models.base import utcnow
from app.models.components import Component, ComponentType
from app.models.spaces import Space, SpaceKind, SpaceStatus, Visibility
from app.models.surveys import (
    QuestionType,
    Survey,
    SurveyAnswer,
    SurveyAnswerChoice,
    SurveyQuestion,
    SurveyResponse,
)
from app.models.users import User, UserRole
from app.runtime import Runtime
from bench.common import (
    Timing,
    arguments,
    build_service,
    measure,
    report,
    scratch_database,
)

OPTIONS = ["a", "b", "c", "d", "e"]
ROWS = ["r1", "r2", "r3"]
BATCH = 5_000


def _question(survey_id: int, position: int, kind: QuestionType) -> SurveyQuestion:
    choice = kind not in (QuestionType.NUMBER, QuestionType.LONG_TEXT)
    return SurveyQuestion(
        survey_id=survey_id,
        position=position,
        type=kind,
        body={"pt-BR": f"Pergunta {position + 1}"},
        description={},
        mandatory=False,
        options=[{"key": k, "body": {"pt-BR": k.upper()}} for k in OPTIONS]
        if choice
        else [],
        rows=[{"key": r, "body": {"pt-BR": r}} for r in ROWS]
        if kind is QuestionType.MATRIX_SINGLE
        else [],
    )


async def fill(runtime: Runtime, responses: int) -> tuple[int, int, User]:
    """A public survey of five questions and ``responses`` answers to each."""
    kinds = [
        QuestionType.SINGLE_CHOICE,
        QuestionType.MULTIPLE_CHOICE,
        QuestionType.MATRIX_SINGLE,
        QuestionType.NUMBER,
        QuestionType.LONG_TEXT,
    ]
    async with runtime.sessionmaker() as session:
        space = Space(
            kind=SpaceKind.PROCESS,
            slug="bench",
            title={"pt-BR": "Bench"},
            status=SpaceStatus.PUBLISHED,
            published_at=utcnow(),
            visibility=Visibility.PUBLIC,
        )
        session.add(space)
        await session.flush()
        component = Component(
            space_id=space.id,
            type=ComponentType.SURVEYS,
            name={"pt-BR": "Pesquisas"},
            published_at=utcnow(),
            settings={"results_public": True},
        )
        session.add(component)
        await session.flush()
        survey = Survey(
            component_id=component.id,
            title={"pt-BR": "Bench"},
            published_at=utcnow(),
            responses_count=responses,
        )
        session.add(survey)
        await session.flush()
        questions = [_question(survey.id, n, kind) for n, kind in enumerate(kinds)]
        session.add_all(questions)
        admin = User(
            email="bench@example.org",
            email_normalized="bench@example.org",
            name="Bench",
            nickname="bench",
            password_hash="x",  # noqa: S106 (never signs in; a token is issued)
            role=UserRole.ADMIN,
            confirmed_at=utcnow(),
        )
        session.add(admin)
        await session.flush()
        await _users(session, responses)
        await _responses(session, survey.id, [q.id for q in questions], responses)
        await session.commit()
        return survey.id, questions[4].id, admin


async def _users(session: Any, count: int) -> None:
    for start in range(0, count, BATCH):
        await session.execute(
            insert(User),
            [
                {
                    "email": f"u{n}@example.org",
                    "email_normalized": f"u{n}@example.org",
                    "name": f"U {n}",
                    "nickname": f"u{n}",
                    "password_hash": "x",
                    "role": UserRole.PARTICIPANT,
                }
                for n in range(start, min(start + BATCH, count))
            ],
        )


async def _responses(
    session: Any, survey_id: int, questions: list[int], count: int
) -> None:
    users = list(await session.scalars(select(User.id).where(User.nickname.like("u%"))))
    rng = random.Random(7)
    for start in range(0, count, BATCH):
        chunk = users[start : start + BATCH]
        response_ids = list(
            await session.scalars(
                insert(SurveyResponse).returning(SurveyResponse.id),
                [{"survey_id": survey_id, "user_id": user} for user in chunk],
            )
        )
        answers = [
            {
                "response_id": rid,
                "question_id": qid,
                "number": rng.randint(1, 10) if n == 3 else None,
                "text": f"Sugestão {rid}" if n == 4 else None,
            }
            for rid in response_ids
            for n, qid in enumerate(questions)
        ]
        answer_ids = list(
            await session.scalars(
                insert(SurveyAnswer).returning(
                    SurveyAnswer.id, sort_by_parameter_order=True
                ),
                answers,
            )
        )
        choices = []
        for answer_id, answer in zip(answer_ids, answers, strict=True):
            position = questions.index(answer["question_id"])
            if position == 0:
                choices.append((answer_id, answer, rng.choice(OPTIONS), None))
            elif position == 1:
                for option in rng.sample(OPTIONS, 2):
                    choices.append((answer_id, answer, option, None))
            elif position == 2:
                for row in ROWS:
                    choices.append((answer_id, answer, rng.choice(OPTIONS), row))
        await session.execute(
            insert(SurveyAnswerChoice),
            [
                {
                    "answer_id": answer_id,
                    "question_id": answer["question_id"],
                    "option_key": option,
                    "row_key": row,
                }
                for answer_id, answer, option, row in choices
            ],
        )
        print(f"  {start + len(chunk)} responses", file=sys.stderr)


async def run(responses: int, url: str, repeat: int, keep: bool) -> None:
    async with scratch_database(url, keep=keep) as scratch:
        runtime, client = build_service(scratch)
        started = time.perf_counter()
        survey_id, text_question, admin = await fill(runtime, responses)
        print(f"filled in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        token = runtime.tokens.issue(admin.id, admin.token_version)
        headers = {"Authorization": f"Bearer {token}"}

        async def get(path: str, **kwargs: Any) -> None:
            answer = await client.get(path, **kwargs)
            if answer.status_code != 200:
                raise RuntimeError(f"{answer.status_code}: {answer.text[:300]}")

        base = f"/api/v1/surveys/{survey_id}"
        rows: list[tuple[Timing, Timing | None]] = [
            (await measure("results", lambda: get(f"{base}/results"), repeat), None),
            (
                await measure(
                    "free texts, first page of 25",
                    lambda: get(f"{base}/questions/{text_question}/texts"),
                    repeat,
                ),
                None,
            ),
            (
                await measure(
                    "CSV export, every response",
                    lambda: get(f"{base}/responses.csv", headers=headers),
                    max(3, repeat // 10),
                    warmup=1,
                ),
                None,
            ),
        ]
        report(f"Surveys: {responses:,} responses of five questions", rows)
        await client.aclose()
        await runtime.engine.dispose()


def main() -> None:
    parser = arguments("Survey results and export over many responses.")
    parser.add_argument("--responses", type=int, default=10_000)
    options = parser.parse_args()
    asyncio.run(
        run(options.responses, options.database_url, options.repeat, options.keep)
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
