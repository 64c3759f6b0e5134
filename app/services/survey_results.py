"""Aggregated results of a survey, and the admins' CSV export of its responses."""

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.surveys import (
    QuestionType,
    SurveyAnswer,
    SurveyAnswerChoice,
    SurveyQuestion,
    SurveyResponse,
)
from app.models.users import User
from app.schemas.surveys import (
    CHOICE_TYPES,
    MATRIX_TYPES,
    NumberStats,
    OptionCount,
    QuestionResult,
    RowCounts,
    SurveyResults,
)
from app.schemas.translations import resolve
from app.services.surveys import (
    ensure_results_visible,
    get_view,
    questions_of,
    survey_for,
)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP's CSV injection list)."""

AnswerRow = Row[int, int, int, str | None, float | None]
"""(id, response, question, text, number) of an answer."""
ChoiceRow = Row[int, str, str | None, str | None]
"""(answer, option, row, other text) of a chosen option."""

ChoiceKey = tuple[int, str | None, str, int | None]
"""(question, row, option, rank) of a chosen option."""


async def survey_results(
    session: AsyncSession, viewer: User | None, survey_id: int
) -> SurveyResults:
    """Counts per option (per row in a matrix, per rank in a ranking) and number
    statistics, in four queries whatever the number of responses."""
    view = await get_view(session, viewer, survey_id)
    ensure_results_visible(view)
    questions = await questions_of(session, survey_id)
    question_ids = select(SurveyQuestion.id).where(
        SurveyQuestion.survey_id == survey_id
    )
    stats = await session.execute(
        select(
            SurveyAnswer.question_id,
            func.count(),
            func.min(SurveyAnswer.number),
            func.max(SurveyAnswer.number),
            func.avg(SurveyAnswer.number),
        )
        .where(SurveyAnswer.question_id.in_(question_ids))
        .group_by(SurveyAnswer.question_id)
    )
    by_question = {row[0]: row for row in stats}
    counted = await session.execute(
        select(
            SurveyAnswerChoice.question_id,
            SurveyAnswerChoice.row_key,
            SurveyAnswerChoice.option_key,
            SurveyAnswerChoice.rank,
            func.count(),
        )
        .where(SurveyAnswerChoice.question_id.in_(question_ids))
        .group_by(
            SurveyAnswerChoice.question_id,
            SurveyAnswerChoice.row_key,
            SurveyAnswerChoice.option_key,
            SurveyAnswerChoice.rank,
        )
    )
    choices: dict[ChoiceKey, int] = {
        (question, row, option, rank): count
        for question, row, option, rank, count in counted
    }
    return SurveyResults(
        survey_id=survey_id,
        responses_count=view.survey.responses_count,
        questions=[
            _question_result(question, by_question.get(question.id), choices)
            for question in questions
        ],
    )


def _question_result(
    question: SurveyQuestion, stats: Any, choices: dict[ChoiceKey, int]
) -> QuestionResult:
    answered = stats[1] if stats else 0
    result = QuestionResult(
        question_id=question.id, type=question.type, answers_count=answered
    )
    if question.type == QuestionType.NUMBER:
        result.number = NumberStats(
            count=answered,
            min=stats[2] if stats else None,
            max=stats[3] if stats else None,
            mean=float(stats[4]) if stats and stats[4] is not None else None,
        )
    elif question.type in MATRIX_TYPES:
        result.rows = [
            RowCounts(key=row["key"], options=_counts(question, choices, row["key"]))
            for row in question.rows
        ]
    elif question.type in CHOICE_TYPES:
        result.options = _counts(question, choices, None)
    return result


def _counts(
    question: SurveyQuestion, choices: dict[ChoiceKey, int], row: str | None
) -> list[OptionCount]:
    ranking = question.type == QuestionType.RANKING
    counts = []
    for option in question.options:
        key = option["key"]
        if ranking:
            by_rank = [
                choices.get((question.id, row, key, rank), 0)
                for rank in range(1, len(question.options) + 1)
            ]
            counts.append(OptionCount(key=key, count=sum(by_rank), rank_counts=by_rank))
        else:
            total = choices.get((question.id, row, key, None), 0)
            counts.append(OptionCount(key=key, count=total))
    return counts


# Export


def neutralise(cell: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


async def export_csv(
    session: AsyncSession, actor: User, survey_id: int, locale: str
) -> str:
    """Every response, one a row, one column per question (per row of a matrix).

    Respondents are not named: the export is for reading answers, and a
    spreadsheet travels further than the admin who asked for it.
    """
    await survey_for(session, actor, survey_id)
    questions = await questions_of(session, survey_id)
    responses = list(
        (
            await session.execute(
                select(SurveyResponse.id, SurveyResponse.created_at)
                .where(SurveyResponse.survey_id == survey_id)
                .order_by(SurveyResponse.id)
            )
        ).all()
    )
    answers = await _answers_by_response(session, survey_id)
    chosen = await _choices_by_answer(session, survey_id)

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    columns = list(_columns(questions))
    writer.writerow([neutralise(title) for title in _header(columns, locale)])
    for response_id, submitted_at in responses:
        given = answers.get(response_id, {})
        cells = [str(response_id), submitted_at.isoformat()]
        for question, row in columns:
            cells.append(_cell(question, row, given.get(question.id), chosen, locale))
        writer.writerow([neutralise(cell) for cell in cells])
    return out.getvalue()


def _columns(
    questions: Iterable[SurveyQuestion],
) -> Iterable[tuple[SurveyQuestion, dict[str, Any] | None]]:
    for question in questions:
        if question.type in MATRIX_TYPES:
            for row in question.rows:
                yield question, row
        else:
            yield question, None


def _header(
    columns: list[tuple[SurveyQuestion, dict[str, Any] | None]], locale: str
) -> list[str]:
    titles = ["response_id", "submitted_at"]
    for question, row in columns:
        title = f"{question.position + 1}. {resolve(question.body, locale, 'pt-BR')}"
        if row is not None:
            title += f" [{resolve(row['body'], locale, 'pt-BR')}]"
        titles.append(title)
    return titles


def _cell(
    question: SurveyQuestion,
    row: dict[str, Any] | None,
    answer: AnswerRow | None,
    chosen: dict[int, list[ChoiceRow]],
    locale: str,
) -> str:
    if answer is None:
        return ""
    if question.type == QuestionType.NUMBER:
        return "" if answer.number is None else f"{answer.number:g}"
    if question.type not in CHOICE_TYPES:
        return answer.text or ""
    bodies = {option["key"]: option["body"] for option in question.options}
    picked = [
        choice
        for choice in chosen.get(answer.id, [])
        if row is None or choice.row_key == row["key"]
    ]
    separator = " > " if question.type == QuestionType.RANKING else "; "
    return separator.join(
        resolve(bodies.get(choice.option_key), locale, "pt-BR")
        + (f": {choice.custom_text}" if choice.custom_text else "")
        for choice in picked
    )


async def _answers_by_response(
    session: AsyncSession, survey_id: int
) -> dict[int, dict[int, AnswerRow]]:
    # Plain rows, not entities: an export reads every answer once.
    found = await session.execute(
        select(
            SurveyAnswer.id,
            SurveyAnswer.response_id,
            SurveyAnswer.question_id,
            SurveyAnswer.text,
            SurveyAnswer.number,
        )
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(SurveyResponse.survey_id == survey_id)
    )
    grouped: dict[int, dict[int, AnswerRow]] = defaultdict(dict)
    for answer in found:
        grouped[answer.response_id][answer.question_id] = answer
    return grouped


async def _choices_by_answer(
    session: AsyncSession, survey_id: int
) -> dict[int, list[ChoiceRow]]:
    found = await session.execute(
        select(
            SurveyAnswerChoice.answer_id,
            SurveyAnswerChoice.option_key,
            SurveyAnswerChoice.row_key,
            SurveyAnswerChoice.custom_text,
        )
        .join(SurveyAnswer, SurveyAnswer.id == SurveyAnswerChoice.answer_id)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(SurveyResponse.survey_id == survey_id)
        .order_by(SurveyAnswerChoice.id)
    )
    grouped: dict[int, list[ChoiceRow]] = defaultdict(list)
    for choice in found:
        grouped[choice.answer_id].append(choice)
    return grouped
