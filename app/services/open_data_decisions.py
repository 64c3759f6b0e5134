"""The open data entities of what residents decide and follow: budgets and
their projects, accountability results, and surveys with their aggregated
answers, with Decidim's column names where it has one.

The read rules are the API's: public spaces and published components only,
vote counts null while the budget hides them, a project's selection only once
the outcome is published, survey counts only where the component makes
results public. Free-text answers are never exported (Decidim does not either):
they may name people, and no rule reviews them before publication.
"""

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.accountability import Result, ResultLink, ResultStatus
from app.models.budgets import Budget, BudgetProject, BudgetProjectProposal
from app.models.components import Component, ComponentType
from app.models.spaces import Phase, Space
from app.models.surveys import Survey, SurveyAnswer, SurveyAnswerChoice
from app.models.surveys import SurveyQuestion as Question

# The domains whose kinds the read rules below name register them on import.
from app.services import accountability, budgets, surveys  # noqa: F401
from app.services.components import switches_in_force
from app.services.open_data import ExportContext, Exporter, Field, Record, register
from app.services.open_data_exports import (
    _api,
    _in_space,
    _in_space_fields,
    _plain,
    _public,
    _scope,
    _taxonomy,
    _taxonomy_columns,
    _taxonomy_fields,
    _with_taxonomies,
)
from app.services.resources import readable_ids
from app.services.search import Rows
from app.services.visibility import readable_components

# Budgets


async def _hidden_votes(session: AsyncSession, _now: datetime) -> set[int]:
    """The budgets components whose vote counts are hidden now."""
    rows = await session.execute(
        select(Component, Phase.id)
        .outerjoin(Phase, and_(Phase.space_id == Component.space_id, Phase.active))
        .where(Component.type == ComponentType.BUDGETS)
    )
    return {
        component.id
        for component, phase_id in rows
        if not budgets.counts_visible(component, switches_in_force(component, phase_id))
    }


async def _projects_state(session: AsyncSession, now: datetime) -> dict[str, Any]:
    """Hidden vote counts, and the public proposals each project came from."""
    hidden = await _hidden_votes(session, now)
    public = readable_ids("proposal", None, now)
    links = await session.execute(
        select(BudgetProjectProposal.project_id, BudgetProjectProposal.proposal_id)
        .where(BudgetProjectProposal.proposal_id.in_(public))
        .order_by(BudgetProjectProposal.proposal_id)
    )
    proposals: dict[int, list[int]] = defaultdict(list)
    for project_id, proposal_id in links:
        proposals[project_id].append(proposal_id)
    return {"hidden": hidden, "proposals": proposals}


def _budgets_query(_now: datetime) -> Rows:
    return (
        select(
            Budget.id,
            Budget.title,
            Budget.description,
            Budget.total,
            Budget.ballot_type,
            Budget.ballots_count,
            Budget.paper_ballots_count,
            Budget.outcome_published_at,
            Budget.created_at,
            Budget.component_id,
            Component.space_id,
            _scope.id.label("scope_id"),
            _scope.name.label("scope_name"),
        )
        .join(Component, Component.id == Budget.component_id)
        .join(Space, Space.id == Component.space_id)
        .outerjoin(_scope, _scope.id == Budget.scope_id)
        .where(readable_components(None))
        .order_by(Budget.id)
    )


def _budget_record(row: Any, context: ExportContext) -> Record:
    hidden = row.component_id in context.extras["budgets"]
    return {
        "id": row.id,
        **_in_space(row, context),
        "title": row.title,
        "description": _plain(row.description),
        "scope/id": row.scope_id,
        "scope/name": row.scope_name,
        "total_budget": row.total,
        "ballot_type": row.ballot_type,
        "ballots": None if hidden else row.ballots_count,
        "paper_ballots": None if hidden else row.paper_ballots_count,
        "outcome_published_at": row.outcome_published_at,
        "created_at": row.created_at,
        "url": _api(context, f"budgets/{row.id}"),
    }


register(
    Exporter(
        "budgets",
        "Participatory budgets: how much each distributes and how many ballots"
        " were cast, once the budget shows its counts.",
        [
            Field("id", "The budget's id."),
            *_in_space_fields(),
            Field("title", "Title.", translated=True),
            Field("description", "Description, plain.", translated=True),
            Field("scope/id", "The territorial scope it is for (see scopes)."),
            Field("scope/name", "The scope's name.", translated=True),
            Field("total_budget", "The amount to distribute, in whole reais."),
            Field("ballot_type", "How residents vote (knapsack, approval, ...)."),
            Field("ballots", "Online ballots; empty while the budget hides counts."),
            Field("paper_ballots", "Paper ballots; empty while counts are hidden."),
            Field("outcome_published_at", "When the selected projects were published."),
            Field("created_at", "When it was created."),
            Field("url", "Its address in the API."),
        ],
        _budgets_query,
        _budget_record,
        prepare=_hidden_votes,
        counters_updated_at=Budget.updated_at,
    )
)


# Budget projects


def _projects_query(now: datetime) -> Rows:
    base = (
        select(
            BudgetProject.id,
            BudgetProject.title,
            BudgetProject.description,
            BudgetProject.amount,
            BudgetProject.votes_count,
            BudgetProject.paper_votes_count,
            BudgetProject.comments_count,
            BudgetProject.selected,
            BudgetProject.address,
            BudgetProject.latitude,
            BudgetProject.longitude,
            BudgetProject.created_at,
            BudgetProject.budget_id,
            BudgetProject.component_id,
            Budget.title.label("budget_title"),
            Budget.outcome_published_at,
            Component.space_id,
            *_taxonomy_columns(),
        )
        .join(Budget, Budget.id == BudgetProject.budget_id)
        .join(Component, Component.id == BudgetProject.component_id)
        .where(_public("budget_project", BudgetProject, now))
    )
    return _with_taxonomies(
        base, BudgetProject.scope_id, BudgetProject.area_id
    ).order_by(BudgetProject.id)


def _project_record(row: Any, context: ExportContext) -> Record:
    state = context.extras["projects"]
    hidden = row.component_id in state["hidden"]
    published = row.outcome_published_at is not None
    return {
        "id": row.id,
        **_taxonomy(row, "scope", "category"),
        **_in_space(row, context),
        "title": row.title,
        "description": _plain(row.description),
        "budget/id": row.budget_id,
        "budget_amount": row.amount,
        "confirmed_votes": None if hidden else row.votes_count,
        "paper_votes": None if hidden else row.paper_votes_count,
        "comments": row.comments_count,
        "created_at": row.created_at,
        "url": _api(context, f"budget-projects/{row.id}"),
        "address": row.address,
        "latitude": row.latitude,
        "longitude": row.longitude,
        "budget/title": row.budget_title,
        "selected": row.selected if published else None,
        "related_proposals": state["proposals"].get(row.id, []),
    }


register(
    Exporter(
        "projects",
        "The projects of participatory budgets, their cost and, once public,"
        " their votes and whether they were selected.",
        [
            Field("id", "The project's id."),
            *_taxonomy_fields("scope", "category"),
            *_in_space_fields(),
            Field("title", "Title.", translated=True),
            Field("description", "Description, plain.", translated=True),
            Field("budget/id", "The budget it competes in (see budgets)."),
            Field("budget_amount", "Its cost, in whole reais."),
            Field(
                "confirmed_votes",
                "Votes of checked-out online ballots; empty while the budget"
                " hides counts.",
            ),
            Field("paper_votes", "Votes on paper; empty while counts are hidden."),
            Field("comments", "Comments."),
            Field("created_at", "When it was created."),
            Field("url", "Its address in the API."),
            Field("address", "Where it would be done."),
            Field("latitude", "Latitude (WGS 84)."),
            Field("longitude", "Longitude (WGS 84)."),
            Field("budget/title", "The budget's title.", translated=True),
            Field("selected", "Selected for funding; empty until the outcome is out."),
            Field("related_proposals", "Ids of the public proposals it came from."),
        ],
        _projects_query,
        _project_record,
        prepare=_projects_state,
        counters_updated_at=BudgetProject.updated_at,
    )
)


# Accountability results


async def _result_proposals(
    session: AsyncSession, now: datetime
) -> dict[int, list[int]]:
    """The public proposals each result came from."""
    rows = await session.execute(
        select(ResultLink.result_id, ResultLink.resource_id)
        .where(
            ResultLink.resource_type == "proposal",
            ResultLink.resource_id.in_(readable_ids("proposal", None, now)),
        )
        .order_by(ResultLink.id)
    )
    found: dict[int, list[int]] = defaultdict(list)
    for result_id, proposal_id in rows:
        found[result_id].append(proposal_id)
    return found


def _results_query(now: datetime) -> Rows:
    base = (
        select(
            Result.id,
            Result.parent_id,
            Result.title,
            Result.description,
            Result.start_date,
            Result.end_date,
            Result.progress,
            Result.created_at,
            Result.component_id,
            Component.space_id,
            ResultStatus.id.label("status_id"),
            ResultStatus.key.label("status_key"),
            ResultStatus.name.label("status_name"),
            *_taxonomy_columns(),
        )
        .join(Component, Component.id == Result.component_id)
        .outerjoin(ResultStatus, ResultStatus.id == Result.status_id)
        .where(_public("result", Result, now))
    )
    return _with_taxonomies(base, Result.scope_id, Result.area_id).order_by(Result.id)


def _result_record(row: Any, context: ExportContext) -> Record:
    proposals = context.extras["results"].get(row.id, [])
    return {
        "id": row.id,
        **_taxonomy(row, "scope", "category"),
        "parent/id": row.parent_id,
        "title": row.title,
        "description": _plain(row.description),
        "start_date": row.start_date,
        "end_date": row.end_date,
        "status/id": row.status_id,
        "status/key": row.status_key,
        "status/name": row.status_name,
        "progress": row.progress,
        "created_at": row.created_at,
        "url": _api(context, f"results/{row.id}"),
        **_in_space(row, context),
        "proposal_urls": [_api(context, f"proposals/{p}") for p in proposals],
    }


register(
    Exporter(
        "results",
        "Accountability: the results of decisions, their status and progress.",
        [
            Field("id", "The result's id."),
            *_taxonomy_fields("scope", "category"),
            Field("parent/id", "The result it is part of."),
            Field("title", "Title.", translated=True),
            Field("description", "Description, plain.", translated=True),
            Field("start_date", "Start (YYYY-MM-DD)."),
            Field("end_date", "End (YYYY-MM-DD)."),
            Field("status/id", "Its status's id."),
            Field("status/key", "Its status's key."),
            Field("status/name", "Its status's name.", translated=True),
            Field("progress", "Progress, 0 to 100."),
            Field("created_at", "When it was created."),
            Field("url", "Its address in the API."),
            *_in_space_fields(),
            Field(
                "proposal_urls", "The addresses of the public proposals it came from."
            ),
        ],
        _results_query,
        _result_record,
        prepare=_result_proposals,
        counters_updated_at=Result.updated_at,
    )
)


# Surveys


def _surveys_query(now: datetime) -> Rows:
    return (
        select(
            Survey.id,
            Survey.title,
            Survey.description,
            Survey.consultation,
            Survey.opens_on,
            Survey.closes_on,
            Survey.published_at,
            Survey.responses_count,
            Survey.component_id,
            Component.space_id,
            _results_public().label("results_public"),
        )
        .join(Component, Component.id == Survey.component_id)
        .where(_public("survey", Survey, now))
        .order_by(Survey.id)
    )


def _results_public() -> Any:
    return func.coalesce(Component.settings["results_public"].as_boolean(), False)


def _survey_record(row: Any, context: ExportContext) -> Record:
    return {
        "id": row.id,
        **_in_space(row, context),
        "title": row.title,
        "description": _plain(row.description),
        "consultation": row.consultation,
        "opens_on": row.opens_on,
        "closes_on": row.closes_on,
        "published_at": row.published_at,
        "responses": row.responses_count,
        "results_public": bool(row.results_public),
        "url": _api(context, f"surveys/{row.id}"),
    }


register(
    Exporter(
        "surveys",
        "Published surveys and how many answered them.",
        [
            Field("id", "The survey's id."),
            *_in_space_fields(),
            Field("title", "Title.", translated=True),
            Field("description", "Description, plain.", translated=True),
            Field("consultation", "A formal public consultation."),
            Field("opens_on", "First day it takes answers."),
            Field("closes_on", "Last day it takes answers."),
            Field("published_at", "When it was published."),
            Field("responses", "How many answered."),
            Field(
                "results_public",
                "Its aggregated answers are public (see survey_answers).",
            ),
            Field("url", "Its address in the API."),
        ],
        _surveys_query,
        _survey_record,
        counters_updated_at=Survey.updated_at,
    )
)


# Surveys' aggregated answers


def _answerable(now: datetime) -> Any:
    """Questions of public surveys whose component makes results public."""
    return Question.survey_id.in_(
        select(Survey.id)
        .join(Component, Component.id == Survey.component_id)
        .where(_public("survey", Survey, now), _results_public())
    )


async def _answer_counts(session: AsyncSession, now: datetime) -> dict[str, Any]:
    """Per question: answers and number statistics; per option: choices."""
    questions = select(Question.id).where(_answerable(now))
    stats = await session.execute(
        select(
            SurveyAnswer.question_id,
            func.count(),
            func.min(SurveyAnswer.number),
            func.max(SurveyAnswer.number),
            func.avg(SurveyAnswer.number),
        )
        .where(SurveyAnswer.question_id.in_(questions))
        .group_by(SurveyAnswer.question_id)
    )
    chosen = await session.execute(
        select(
            SurveyAnswerChoice.question_id,
            SurveyAnswerChoice.row_key,
            SurveyAnswerChoice.option_key,
            SurveyAnswerChoice.rank,
            func.count(),
        )
        .where(SurveyAnswerChoice.question_id.in_(questions))
        .group_by(
            SurveyAnswerChoice.question_id,
            SurveyAnswerChoice.row_key,
            SurveyAnswerChoice.option_key,
            SurveyAnswerChoice.rank,
        )
    )
    choices: dict[tuple[int, str | None, str], dict[int | None, int]] = defaultdict(
        dict
    )
    for question_id, row_key, option_key, rank, count in chosen:
        choices[(question_id, row_key, option_key)][rank] = count
    return {"stats": {row[0]: row for row in stats}, "choices": choices}


def _answers_query(now: datetime) -> Rows:
    return (
        select(
            Question.id,
            Question.survey_id,
            Question.position,
            Question.type,
            Question.body,
            Question.options,
            Question.rows,
            Survey.title.label("survey_title"),
            Survey.component_id,
            Component.space_id,
        )
        .join(Survey, Survey.id == Question.survey_id)
        .join(Component, Component.id == Survey.component_id)
        .where(_answerable(now))
        .order_by(Question.survey_id, Question.position, Question.id)
    )


def _option_counts(row: Any, choices: dict[Any, dict[int | None, int]]) -> list[Any]:
    """Each option's count (per matrix row; per rank in a ranking): keys and
    counts only, never the free text a participant typed beside an option."""
    counts = []
    for matrix_row in row.rows or [{"key": None}]:
        for option in row.options or []:
            by_rank = choices.get((row.id, matrix_row["key"], option["key"]), {})
            entry: dict[str, Any] = {
                "option": option["key"],
                "label": option.get("body", {}),
                "count": sum(by_rank.values()),
            }
            if matrix_row["key"] is not None:
                entry = {"row": matrix_row["key"], **entry}
            ranked = {rank: n for rank, n in by_rank.items() if rank is not None}
            if ranked:
                entry["rank_counts"] = [
                    ranked.get(rank, 0) for rank in range(1, len(row.options) + 1)
                ]
            counts.append(entry)
    return counts


def _answer_record(row: Any, context: ExportContext) -> Record:
    state = context.extras["survey_answers"]
    stats = state["stats"].get(row.id)
    numbers = row.type == "number" and stats is not None
    return {
        "id": row.id,
        "survey/id": row.survey_id,
        "survey/title": row.survey_title,
        **_in_space(row, context),
        "position": row.position + 1,
        "type": row.type,
        "question": _plain(row.body),
        "answers": stats[1] if stats else 0,
        "number/min": stats[2] if numbers else None,
        "number/max": stats[3] if numbers else None,
        "number/mean": float(stats[4]) if numbers and stats[4] is not None else None,
        "options": _option_counts(row, state["choices"]),
    }


register(
    Exporter(
        "survey_answers",
        "Aggregated answers, one row per question, of the published surveys whose"
        " results are public: counts per option, statistics of numbers. No"
        " response, respondent or free text is exported.",
        [
            Field("id", "The question's id."),
            Field("survey/id", "The survey (see surveys)."),
            Field("survey/title", "The survey's title.", translated=True),
            *_in_space_fields(),
            Field("position", "Its place in the survey, from 1."),
            Field(
                "type",
                "single_choice, multiple_choice, ranking, matrix_*, number,"
                " short_text or long_text.",
            ),
            Field("question", "The question, plain.", translated=True),
            Field("answers", "How many answered it."),
            Field("number/min", "Smallest number given (number questions)."),
            Field("number/max", "Largest number given."),
            Field("number/mean", "Mean of the numbers given."),
            Field(
                "options",
                "A JSON list: per option (and matrix row) its key, label and count;"
                " rank_counts[i] counts those who put it at rank i+1 in a ranking."
                " Text answers are counted in answers but not exported.",
            ),
        ],
        _answers_query,
        _answer_record,
        prepare=_answer_counts,
        counters_updated_at=Survey.updated_at,
    )
)
