"""Demo participatory budget: one budget for each of two regionais of Contagem."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.action_log import ActionLogEntry
from app.models.base import utcnow
from app.models.budgets import Budget, BudgetProject
from app.models.components import Component, ComponentType
from app.models.spaces import Space, SpaceKind, SpaceStatus
from app.models.taxonomies import Scope
from app.models.users import User
from app.schemas.components import BudgetsSettings, MinimumPercentRule

SLUG = "orcamento-participativo-2026"

PROJECTS: dict[str, list[tuple[str, int]]] = {
    "REG-ELD": [
        ("Reforma da praça do Eldorado", 450_000_00),
        ("Iluminação de LED na Avenida João César de Oliveira", 320_000_00),
        ("Academia ao ar livre no Parque Gentil Diniz", 180_000_00),
        ("Cobertura da quadra da Escola Municipal do Água Branca", 260_000_00),
    ],
    "REG-RES": [
        ("Pavimentação de ruas no Nova Contagem", 520_000_00),
        ("Ampliação da Unidade Básica de Saúde do Ressaca", 400_000_00),
        ("Ciclovia ligando o Ressaca à Sede", 300_000_00),
        ("Horta comunitária no Parque São João", 90_000_00),
    ],
}
TOTAL = 1_000_000_00
"""In cents, as every amount: R$ 1 million a regional."""


async def seed(session: AsyncSession, admin: User | None) -> list[str]:
    """Add the demo budgets once, after the territory exists; idempotent."""
    if await session.scalar(select(Space.id).where(Space.slug == SLUG)):
        return []
    scopes = {
        scope.code: scope
        for scope in await session.scalars(
            select(Scope).where(Scope.code.in_(PROJECTS))
        )
    }
    if len(scopes) != len(PROJECTS):
        return []
    component = await _component(session, admin)
    for position, (code, projects) in enumerate(PROJECTS.items()):
        await _budget(session, component, scopes[code], position, projects)
    return ["space: Orçamento Participativo 2026 (budgets of Eldorado and Ressaca)"]


async def _component(session: AsyncSession, admin: User | None) -> Component:
    space = Space(
        kind=SpaceKind.PROCESS,
        slug=SLUG,
        title={"pt-BR": "Orçamento Participativo 2026", "en": "Participatory Budget"},
        short_description={
            "pt-BR": "Escolha as obras da sua regional dentro do orçamento."
        },
        status=SpaceStatus.PUBLISHED,
        published_at=utcnow(),
    )
    session.add(space)
    await session.flush()
    session.add(
        ActionLogEntry(
            actor_id=admin.id if admin else None,
            action="space.published",
            object_type="space",
            object_id=space.id,
            space_id=space.id,
            public=True,
        )
    )
    settings = BudgetsSettings(
        vote_rule=MinimumPercentRule(percent=50), voter_budget_choice="by_residence"
    )
    component = Component(
        space_id=space.id,
        type=ComponentType.BUDGETS,
        name={"pt-BR": "Votação de projetos"},
        position=0,
        published_at=utcnow(),
        settings=settings.model_dump(mode="json"),
        default_switches={"votes_enabled": True},
        phase_switches={},
    )
    session.add(component)
    await session.flush()
    return component


async def _budget(
    session: AsyncSession,
    component: Component,
    scope: Scope,
    position: int,
    projects: list[tuple[str, int]],
) -> None:
    budget = Budget(
        component_id=component.id,
        position=position,
        title=scope.name,
        description={},
        scope_id=scope.id,
        total=TOTAL,
        pabulib_meta={},
    )
    session.add(budget)
    await session.flush()
    session.add_all(
        BudgetProject(
            budget_id=budget.id,
            component_id=component.id,
            position=number,
            title={"pt-BR": title},
            description={},
            amount=amount,
            scope_id=scope.id,
        )
        for number, (title, amount) in enumerate(projects)
    )
