"""Actors, surveys components and surveys for the surveys tests."""

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.components import Component, ComponentType
from app.models.events import OutboxEvent
from app.models.spaces import Space, SpaceRoleName
from app.models.surveys import QuestionType, Survey, SurveyQuestion
from app.models.users import UserRole
from app.runtime import Runtime
from app.schemas.components import SurveysSettings
from tests import builders
from tests.builders import ANONYMOUS, Actor, actor

API = "/api/v1"


@dataclass
class Cast:
    """A public space with a published surveys component, and who looks at it."""

    space: Space
    component: Component
    anonymous: Actor
    participant: Actor
    space_admin: Actor
    org_admin: Actor


@pytest.fixture
async def cast(session: AsyncSession, runtime: Runtime) -> Cast:
    space = await builders.space(session)
    return Cast(
        space=space,
        component=await surveys_component(session, space),
        anonymous=ANONYMOUS,
        participant=await actor(session, runtime),
        space_admin=await actor(
            session, runtime, space=space, space_role=SpaceRoleName.ADMIN
        ),
        org_admin=await actor(session, runtime, role=UserRole.ADMIN),
    )


async def surveys_component(
    session: AsyncSession, space: Space, *, published: bool = True, **settings: Any
) -> Component:
    component = await builders.component(
        session, space, type=ComponentType.SURVEYS, published=published
    )
    component.settings = SurveysSettings(**settings).model_dump(mode="json")
    await session.flush()
    return component


def option(key: str, text: str, *, free_text: bool = False) -> dict[str, Any]:
    return {"key": key, "body": {"pt-BR": text}, "free_text": free_text}


QUESTIONS: list[dict[str, Any]] = [
    {
        "type": "single_choice",
        "body": {"pt-BR": "Você usa o transporte público?"},
        "mandatory": True,
        "options": [option("sim", "Sim"), option("nao", "Não")],
    },
    {
        "type": "multiple_choice",
        "body": {"pt-BR": "Quais linhas?"},
        "mandatory": True,
        "max_choices": 2,
        "options": [
            option("l1", "Linha 1"),
            option("l2", "Linha 2"),
            option("l3", "Linha 3"),
            option("outra", "Outra", free_text=True),
        ],
        "shown_if": {"question_position": 0, "option": "sim"},
    },
    {
        "type": "ranking",
        "body": {"pt-BR": "Ordene as prioridades"},
        "options": [option("saude", "Saúde"), option("escola", "Escola")],
    },
    {
        "type": "matrix_single",
        "body": {"pt-BR": "Avalie os serviços"},
        "options": [option("bom", "Bom"), option("ruim", "Ruim")],
        "rows": [
            {"key": "limpeza", "body": {"pt-BR": "Limpeza"}},
            {"key": "seguranca", "body": {"pt-BR": "Segurança"}},
        ],
    },
    {
        "type": "number",
        "body": {"pt-BR": "Quantas pessoas moram na sua casa?"},
        "min_value": 1,
        "max_value": 30,
    },
    {"type": "short_text", "body": {"pt-BR": "Seu bairro"}},
    {"type": "long_text", "body": {"pt-BR": "Sugestões"}},
]


async def survey(
    session: AsyncSession,
    component: Component,
    *,
    published: bool = True,
    questions: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> Survey:
    """A survey with ``questions`` (by default QUESTIONS), published unless told."""
    created = Survey(
        component_id=component.id,
        title={"pt-BR": "Mobilidade urbana"},
        published_at=utcnow() if published else None,
        **fields,
    )
    session.add(created)
    await session.flush()
    made: list[SurveyQuestion] = []
    for position, spec in enumerate(QUESTIONS if questions is None else questions):
        condition = spec.get("shown_if")
        question = SurveyQuestion(
            survey_id=created.id,
            position=position,
            type=QuestionType(spec["type"]),
            body=spec["body"],
            mandatory=spec.get("mandatory", False),
            max_choices=spec.get("max_choices"),
            min_value=spec.get("min_value"),
            max_value=spec.get("max_value"),
            options=spec.get("options", []),
            rows=spec.get("rows", []),
            condition_question_id=(
                made[condition["question_position"]].id if condition else None
            ),
            condition_option=condition["option"] if condition else None,
        )
        session.add(question)
        await session.flush()
        made.append(question)
    return created


async def question_ids(session: AsyncSession, survey: Survey) -> list[int]:
    found = await session.scalars(
        select(SurveyQuestion.id)
        .where(SurveyQuestion.survey_id == survey.id)
        .order_by(SurveyQuestion.position)
    )
    return list(found)


def full_answers(ids: list[int], **overrides: Any) -> dict[str, Any]:
    """Answers to every question of QUESTIONS, as a participant who rides buses."""
    answers: dict[int, dict[str, Any]] = {
        0: {"choices": [{"option": "sim"}]},
        1: {
            "choices": [
                {"option": "l1"},
                {"option": "outra", "other_text": "Ônibus 42"},
            ]
        },
        2: {"choices": [{"option": "escola"}, {"option": "saude"}]},
        3: {
            "choices": [
                {"option": "bom", "row": "limpeza"},
                {"option": "ruim", "row": "seguranca"},
            ]
        },
        4: {"number": 4},
        5: {"text": "Eldorado"},
        6: {"text": "Mais ônibus à noite"},
    }
    for position, answer in overrides.items():
        answers[int(position.removeprefix("q"))] = answer
    return {
        "answers": [
            {"question_id": ids[position], **answer}
            for position, answer in answers.items()
            if answer is not None
        ]
    }


async def events(session: AsyncSession, event_type: str) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(OutboxEvent.payload)
        .where(OutboxEvent.event_type == event_type)
        .order_by(OutboxEvent.id)
    )
    return list(rows)
