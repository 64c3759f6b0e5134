"""Rows of the newer domains (budgets, accountability, surveys) built fast,
for the cross-cutting features' tests (search, open data, sync)."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.models.accountability import Result
from app.models.base import utcnow
from app.models.budgets import Budget, BudgetProject
from app.models.components import Component
from app.models.spaces import Space
from app.models.surveys import Survey
from tests.accountability.conftest import accountability_component
from tests.budgets.conftest import budgets_component, make_budget
from tests.surveys.conftest import surveys_component


async def planned(
    session: AsyncSession, budget: Budget, title: str, amount: int = 500, **fields: Any
) -> BudgetProject:
    created = BudgetProject(
        budget_id=budget.id,
        component_id=budget.component_id,
        title={"pt-BR": title},
        description=fields.pop("description", {"pt-BR": f"<p>{title}</p>"}),
        amount=amount,
        **fields,
    )
    session.add(created)
    await session.flush()
    return created


async def asking(
    session: AsyncSession,
    component: Component,
    title: str,
    *,
    published: bool = True,
    **fields: Any,
) -> Survey:
    """A survey without questions (see tests/surveys for questions)."""
    created = Survey(
        component_id=component.id,
        title={"pt-BR": title},
        published_at=utcnow() if published else None,
        **fields,
    )
    session.add(created)
    await session.flush()
    return created


@dataclass
class Stock:
    budget: Budget
    project: BudgetProject
    result: Result
    survey: Survey

    def ids(self) -> dict[str, int]:
        return {
            "budget_project": self.project.id,
            "result": self.result.id,
            "survey": self.survey.id,
        }


async def stocked(
    session: AsyncSession,
    space: Space,
    *,
    published: bool = True,
    budget_settings: dict[str, Any] | None = None,
    budget_switches: dict[str, Any] | None = None,
) -> Stock:
    """A budget with a project, a result and a published survey in ``space``."""
    budget = await make_budget(
        session,
        await budgets_component(
            session,
            space,
            published=published,
            switches=budget_switches,
            **(budget_settings or {}),
        ),
    )
    project = await planned(
        session,
        budget,
        "Reforma da quadra poliesportiva",
        description={"pt-BR": "<p>Quadra coberta no Riacho</p>"},
    )
    done = Result(
        component_id=(
            await accountability_component(session, space, published=published)
        ).id,
        title={"pt-BR": "Ciclovia da Avenida João César"},
        description={"pt-BR": "<p>Obra concluída</p>"},
    )
    asked = await asking(
        session,
        await surveys_component(session, space, published=published),
        "Mobilidade urbana",
        description={"pt-BR": "<p>Pesquisa sobre arborização</p>"},
    )
    session.add(done)
    await session.flush()
    return Stock(budget, project, done, asked)
