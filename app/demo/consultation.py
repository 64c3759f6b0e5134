"""Demo consultation and accountability: a mobility plan put to the city, and
what became of the 2025 decisions."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.accountability import Result, ResultStatus
from app.models.base import utcnow
from app.models.components import Component, ComponentType
from app.models.spaces import Space, SpaceKind, SpaceStatus
from app.models.surveys import QuestionType, Survey, SurveyQuestion
from app.schemas.components import AccountabilitySettings, SurveysSettings

SLUG = "plano-de-mobilidade-2026"


def _options(*texts: str) -> list[dict[str, Any]]:
    return [
        {"key": f"o{n}", "body": {"pt-BR": text}, "free_text": text == "Outro"}
        for n, text in enumerate(texts, start=1)
    ]


QUESTIONS: list[dict[str, Any]] = [
    {
        "type": QuestionType.SINGLE_CHOICE,
        "body": {"pt-BR": "Como você se desloca no dia a dia?"},
        "mandatory": True,
        "options": _options("Ônibus", "Carro", "Bicicleta", "A pé", "Outro"),
    },
    {
        "type": QuestionType.MULTIPLE_CHOICE,
        "body": {"pt-BR": "O que mais melhoraria o ônibus?"},
        "max_choices": 2,
        "options": _options("Mais horários", "Abrigos", "Tarifa", "Outro"),
        "condition": (0, "o1"),
    },
    {
        "type": QuestionType.RANKING,
        "body": {"pt-BR": "Ordene as prioridades do plano"},
        "options": _options("Calçadas", "Ciclovias", "Corredores de ônibus"),
    },
    {
        "type": QuestionType.NUMBER,
        "body": {"pt-BR": "Quantos minutos leva sua viagem mais comum?"},
        "min_value": 0,
        "max_value": 300,
    },
    {"type": QuestionType.LONG_TEXT, "body": {"pt-BR": "Sugestões ao plano"}},
]

RESULTS: list[tuple[str, float, list[tuple[str, float]]]] = [
    (
        "Requalificação da Avenida João César de Oliveira",
        0,
        [("Projeto executivo", 100), ("Licitação", 60), ("Obras", 0)],
    ),
    ("Novos abrigos de ônibus no Ressaca", 40, []),
]


async def seed(session: AsyncSession) -> list[str]:
    """Add the demo consultation and results once; idempotent."""
    if await session.scalar(select(Space.id).where(Space.slug == SLUG)):
        return []
    space = Space(
        kind=SpaceKind.PROCESS,
        slug=SLUG,
        title={"pt-BR": "Plano de Mobilidade 2026", "en": "Mobility Plan 2026"},
        short_description={"pt-BR": "Consulta pública sobre o plano de mobilidade."},
        status=SpaceStatus.PUBLISHED,
        published_at=utcnow(),
    )
    session.add(space)
    await session.flush()
    await _survey(session, space)
    await _results(session, space)
    return ["space: Plano de Mobilidade 2026 (a consultation and its results)"]


async def _survey(session: AsyncSession, space: Space) -> None:
    settings = SurveysSettings(results_public=True)
    component = _component(space, ComponentType.SURVEYS, "Consulta pública", 0)
    component.settings = settings.model_dump(mode="json")
    session.add(component)
    await session.flush()
    survey = Survey(
        component_id=component.id,
        title={"pt-BR": "Consulta sobre o Plano de Mobilidade"},
        description={"pt-BR": "<p>Leia a minuta e conte como você se desloca.</p>"},
        terms={},
        consultation=True,
        context=[
            {
                "title": {"pt-BR": "Diagnóstico"},
                "body": {"pt-BR": "<p>Metade das viagens na cidade é de ônibus.</p>"},
            }
        ],
        published_at=utcnow(),
        responses_count=0,
    )
    session.add(survey)
    await session.flush()
    made: list[SurveyQuestion] = []
    for position, spec in enumerate(QUESTIONS):
        condition = spec.get("condition")
        question = SurveyQuestion(
            survey_id=survey.id,
            position=position,
            type=spec["type"],
            body=spec["body"],
            description={},
            mandatory=spec.get("mandatory", False),
            max_choices=spec.get("max_choices"),
            min_value=spec.get("min_value"),
            max_value=spec.get("max_value"),
            options=spec.get("options", []),
            rows=[],
            condition_question_id=made[condition[0]].id if condition else None,
            condition_option=condition[1] if condition else None,
        )
        session.add(question)
        await session.flush()
        made.append(question)


async def _results(session: AsyncSession, space: Space) -> None:
    component = _component(
        space, ComponentType.ACCOUNTABILITY, "Prestação de contas", 1
    )
    component.settings = AccountabilitySettings().model_dump(mode="json")
    session.add(component)
    await session.flush()
    for key, name, progress in (
        ("planejado", "Planejado", 0.0),
        ("em_execucao", "Em execução", 50.0),
        ("concluido", "Concluído", 100.0),
    ):
        session.add(
            ResultStatus(
                component_id=component.id,
                key=key,
                name={"pt-BR": name},
                description={},
                progress=progress,
            )
        )
    for title, progress, children in RESULTS:
        parent = _result(component, title, progress)
        session.add(parent)
        await session.flush()
        for child_title, child_progress in children:
            session.add(_result(component, child_title, child_progress, parent))
        if children:
            parent.children_count = len(children)
            parent.progress = round(sum(p for _, p in children) / len(children), 2)
    await session.flush()


def _component(
    space: Space, kind: ComponentType, name: str, position: int
) -> Component:
    return Component(
        space_id=space.id,
        type=kind,
        name={"pt-BR": name},
        position=position,
        published_at=utcnow(),
        default_switches={},
        phase_switches={},
    )


def _result(
    component: Component, title: str, progress: float, parent: Result | None = None
) -> Result:
    return Result(
        component_id=component.id,
        parent_id=parent.id if parent else None,
        depth=parent.depth + 1 if parent else 1,
        title={"pt-BR": title},
        description={},
        progress=progress,
        weight=1.0,
        children_count=0,
        comments_count=0,
    )
