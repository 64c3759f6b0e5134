"""Survey cards and screens of the app.

Whether a survey is open, answered or shows its results is the surveys
service's answer; this only resolves the texts for the reader.
"""

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from app.mobile import cards
from app.mobile.present import Reader
from app.models.base import utcnow
from app.schemas.surveys import QuestionRead, SurveyRead
from app.services import surveys


def survey_cards(reader: Reader, reads: Sequence[SurveyRead]) -> list[cards.SurveyCard]:
    return [survey_card(reader, read) for read in reads]


def survey_card(reader: Reader, read: SurveyRead) -> cards.SurveyCard:
    title, locale = reader.text(read.title)
    return cards.SurveyCard(
        id=read.id,
        locale=locale,
        space_id=read.space_id,
        component_id=read.component_id,
        title=title,
        summary=reader.plain(read.description),
        consultation=read.consultation,
        opens_on=read.opens_on,
        closes_on=read.closes_on,
        open=read.open,
        responses_count=read.responses_count,
        results_visible=read.results_visible,
        viewer=None
        if reader.viewer is None
        else cards.SurveyViewer(answered=read.answered),
    )


def _question(reader: Reader, question: QuestionRead) -> cards.QuestionCard:
    return cards.QuestionCard(
        id=question.id,
        position=question.position,
        type=question.type,
        body=reader.text(question.body)[0],
        description_html=reader.html(question.description),
        mandatory=question.mandatory,
        max_choices=question.max_choices,
        min_value=question.min_value,
        max_value=question.max_value,
        options=[
            cards.QuestionOption(
                key=option.key,
                body=reader.text(option.body)[0],
                free_text=option.free_text,
            )
            for option in question.options
        ],
        rows=[
            cards.QuestionRow(key=row.key, body=reader.text(row.body)[0])
            for row in question.rows
        ],
        shown_if_question_id=question.condition_question_id,
        shown_if_option=question.condition_option,
    )


async def survey_detail(
    session: AsyncSession, reader: Reader, view: surveys.SurveyView, zone: ZoneInfo
) -> cards.SurveyDetail:
    full = await surveys.detail(session, view, zone)
    terms = reader.html(full.terms) if any(full.terms.values()) else None
    return cards.SurveyDetail(
        **survey_card(reader, full).model_dump(),
        why_closed=surveys.closed_reason(view, utcnow(), zone),
        description_html=reader.html(full.description),
        terms_html=terms,
        questions=[_question(reader, question) for question in full.questions],
    )
