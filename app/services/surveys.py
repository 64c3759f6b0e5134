"""Surveys: questionnaires, their answering window, responses and results.

A question may be shown only once an earlier one got a given option; the
answers are checked against what the participant was shown, so a hidden
question takes no answer and is mandatory only when shown.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from app.models.base import utcnow
from app.models.components import Component, ComponentType
from app.models.spaces import Space
from app.models.surveys import (
    QuestionType,
    Survey,
    SurveyAnswer,
    SurveyAnswerChoice,
    SurveyQuestion,
    SurveyResponse,
)
from app.models.users import User
from app.schemas.components import SurveysSettings, stored_settings
from app.schemas.pagination import decode_cursor
from app.schemas.surveys import (
    CHOICE_TYPES,
    TEXT_LIMITS,
    TEXT_TYPES,
    AnswerWrite,
    QuestionRead,
    QuestionsWrite,
    ResponseCreate,
    SurveyCreate,
    SurveyDetail,
    SurveyRead,
    SurveyUpdate,
    TextAnswerRead,
)
from app.services import action_log, outbox, search
from app.services.components import ensure_type, get_readable_component
from app.services.permissions import Action, allowed, roles_in_space
from app.services.resources import ResourceKind, register
from app.services.richtext import sanitize_translations
from app.services.visibility import (
    participable_spaces,
    previewable_spaces,
    readable_components,
)


def readable_surveys(viewer: User | None) -> ColumnElement[bool]:
    """Surveys ``viewer`` may read; the query must join their Component and Space."""
    return and_(
        readable_components(viewer),
        or_(Survey.published_at.is_not(None), previewable_spaces(viewer)),
    )


AnySelect = TypeVar("AnySelect", bound=Select[*tuple[Any, ...]])


def joined(query: AnySelect) -> AnySelect:
    """The query joined to each survey's component and space."""
    return query.join(Component, Component.id == Survey.component_id).join(
        Space, Space.id == Component.space_id
    )


def _restrict(query: Select[Any], viewer: User | None, _now: datetime) -> Select[Any]:
    return joined(query).where(readable_surveys(viewer))


register(
    ResourceKind("survey", Survey, _restrict, component_column=Survey.component_id)
)


@dataclass(frozen=True, slots=True)
class SurveyView:
    """A survey as one reader sees it."""

    survey: Survey
    component: Component
    team: bool
    answered: bool

    @property
    def settings(self) -> SurveysSettings:
        settings = stored_settings(self.component)
        assert isinstance(settings, SurveysSettings)
        return settings


# Reading


async def list_surveys(
    session: AsyncSession,
    viewer: User | None,
    component_id: int,
    zone: ZoneInfo,
    *,
    after: int | None,
    limit: int,
) -> list[SurveyRead]:
    """A readable component's surveys, ``limit + 1`` to tell if there are more."""
    await get_readable_component(session, viewer, component_id)
    query = (
        joined(select(Survey, Component, previewable_spaces(viewer)))
        .where(Survey.component_id == component_id, readable_surveys(viewer))
        .order_by(Survey.id)
        .limit(limit + 1)
    )
    if after is not None:
        query = query.where(Survey.id > after)
    rows = list((await session.execute(query)).all())
    answered = await _answered_ids(session, viewer, [row[0].id for row in rows])
    return [
        survey_read(
            SurveyView(survey, component, bool(team), survey.id in answered), zone
        )
        for survey, component, team in rows
    ]


async def survey_reads(
    session: AsyncSession, viewer: User | None, survey_ids: list[int], zone: ZoneInfo
) -> list[SurveyRead]:
    """The surveys of these ids ``viewer`` may read, in two queries, any order."""
    if not survey_ids:
        return []
    query = joined(select(Survey, Component, previewable_spaces(viewer))).where(
        Survey.id.in_(survey_ids), readable_surveys(viewer)
    )
    rows = list((await session.execute(query)).all())
    answered = await _answered_ids(session, viewer, [row[0].id for row in rows])
    return [
        survey_read(
            SurveyView(survey, component, bool(team), survey.id in answered), zone
        )
        for survey, component, team in rows
    ]


async def get_view(
    session: AsyncSession, viewer: User | None, survey_id: int
) -> SurveyView:
    """The survey, if ``viewer`` may read it; otherwise 404."""
    row = (
        await session.execute(
            joined(select(Survey, Component, previewable_spaces(viewer))).where(
                Survey.id == survey_id, readable_surveys(viewer)
            )
        )
    ).first()
    if row is None:
        raise NotFoundError(f"There is no survey {survey_id}.")
    survey, component, team = row
    answered = await _answered_ids(session, viewer, [survey.id])
    return SurveyView(survey, component, bool(team), survey.id in answered)


async def get_survey(
    session: AsyncSession, viewer: User | None, survey_id: int, zone: ZoneInfo
) -> SurveyDetail:
    return await detail(session, await get_view(session, viewer, survey_id), zone)


async def detail(
    session: AsyncSession, view: SurveyView, zone: ZoneInfo
) -> SurveyDetail:
    questions = await questions_of(session, view.survey.id)
    return SurveyDetail(
        **survey_read(view, zone).model_dump(),
        questions=[QuestionRead.model_validate(question) for question in questions],
    )


async def questions_of(session: AsyncSession, survey_id: int) -> list[SurveyQuestion]:
    found = await session.scalars(
        select(SurveyQuestion)
        .where(SurveyQuestion.survey_id == survey_id)
        .order_by(SurveyQuestion.position)
    )
    return list(found)


def survey_read(view: SurveyView, zone: ZoneInfo) -> SurveyRead:
    survey = view.survey
    return SurveyRead(
        id=survey.id,
        component_id=survey.component_id,
        space_id=view.component.space_id,
        title=survey.title,
        description=survey.description,
        terms=survey.terms,
        consultation=survey.consultation,
        context=survey.context,
        opens_on=survey.opens_on,
        closes_on=survey.closes_on,
        published_at=survey.published_at,
        responses_count=survey.responses_count,
        open=closed_reason(view, utcnow(), zone) is None,
        answered=view.answered,
        results_visible=view.team or view.settings.results_public,
        created_at=survey.created_at,
        updated_at=survey.updated_at,
    )


def closed_reason(view: SurveyView, now: datetime, zone: ZoneInfo) -> str | None:
    """Why the survey takes no answers now; None while it does.

    Days of the survey's window are the organisation's: a survey that closes
    on the 10th takes answers until midnight of the 10th in Contagem.
    """
    settings = view.settings
    today = now.astimezone(zone).date()
    survey = view.survey
    if survey.published_at is None or view.component.published_at is None:
        return "it is not published"
    if not settings.allow_answers:
        return "its component does not take answers (allow_answers is off)"
    if settings.starts_at is not None and now < settings.starts_at:
        return "its component's answering period has not started"
    if settings.ends_at is not None and now >= settings.ends_at:
        return "its component's answering period is over"
    if survey.opens_on is not None and today < survey.opens_on:
        return f"it opens on {survey.opens_on.isoformat()}"
    if survey.closes_on is not None and today > survey.closes_on:
        return f"it closed on {survey.closes_on.isoformat()}"
    return None


async def _answered_ids(
    session: AsyncSession, viewer: User | None, survey_ids: list[int]
) -> set[int]:
    if viewer is None or not survey_ids:
        return set()
    found = await session.scalars(
        select(SurveyResponse.survey_id).where(
            SurveyResponse.user_id == viewer.id,
            SurveyResponse.survey_id.in_(survey_ids),
        )
    )
    return set(found)


# Managing


async def create_survey(
    session: AsyncSession,
    actor: User,
    component_id: int,
    data: SurveyCreate,
    zone: ZoneInfo,
) -> SurveyDetail:
    """A new, unpublished survey without questions."""
    component = await session.get(Component, component_id)
    if component is None:
        raise NotFoundError(f"There is no component {component_id}.")
    await _ensure_manager(session, actor, component)
    ensure_type(component, ComponentType.SURVEYS)

    survey = Survey(component_id=component.id, responses_count=0, **_stored(data))
    session.add(survey)
    await session.flush()

    _log(session, actor, "survey.created", survey, component, public=False)
    return await detail(session, SurveyView(survey, component, True, False), zone)


async def update_survey(
    session: AsyncSession,
    actor: User,
    survey_id: int,
    data: SurveyUpdate,
    zone: ZoneInfo,
) -> SurveyDetail:
    survey, component = await survey_for(session, actor, survey_id)
    for field, value in _stored(data, exclude_unset=True).items():
        setattr(survey, field, value)
    opens, closes = survey.opens_on, survey.closes_on
    if opens is not None and closes is not None and closes < opens:
        raise _invalid("closes_on", "must not be before opens_on", "body")
    await session.flush()

    _log(session, actor, "survey.updated", survey, component)
    view = SurveyView(survey, component, True, False)
    return await detail(session, view, zone)


async def publish_survey(
    session: AsyncSession, actor: User, survey_id: int, zone: ZoneInfo
) -> SurveyDetail:
    survey, component = await survey_for(session, actor, survey_id)
    if survey.published_at is not None:
        raise ConflictError(f"Survey {survey.id} is already published.")
    if not await questions_of(session, survey.id):
        raise ConflictError(f"Survey {survey.id} has no questions yet.")

    survey.published_at = utcnow()
    await session.flush()

    _log(session, actor, "survey.published", survey, component)
    outbox.emit(session, "survey.published", event_payload(survey, component))
    return await detail(session, SurveyView(survey, component, True, False), zone)


async def set_questions(
    session: AsyncSession,
    actor: User,
    survey_id: int,
    data: QuestionsWrite,
    zone: ZoneInfo,
) -> SurveyDetail:
    """Replace the questions; refused once anyone has answered.

    The survey's row lock orders this against a response being submitted.
    """
    survey, component = await survey_for(session, actor, survey_id, lock=True)
    if survey.responses_count > 0:
        raise ConflictError(
            f"Survey {survey.id} has {survey.responses_count} responses; "
            "its questions can no longer change."
        )

    await session.execute(
        delete(SurveyQuestion).where(SurveyQuestion.survey_id == survey.id)
    )
    created: list[SurveyQuestion] = []
    for position, question in enumerate(data.questions):
        condition = question.shown_if
        stored = SurveyQuestion(
            survey_id=survey.id,
            position=position,
            type=question.type,
            body=question.body,
            description=question.description,
            mandatory=question.mandatory,
            max_choices=question.max_choices,
            min_value=question.min_value,
            max_value=question.max_value,
            options=[option.model_dump() for option in question.options],
            rows=[item.model_dump() for item in question.rows],
            condition_question_id=(
                created[condition.question_position].id if condition else None
            ),
            condition_option=condition.option if condition else None,
        )
        session.add(stored)
        await session.flush()
        created.append(stored)

    changes = {"questions": len(created)}
    _log(session, actor, "survey.questions_set", survey, component, changes=changes)
    return await detail(session, SurveyView(survey, component, True, False), zone)


async def survey_for(
    session: AsyncSession, actor: User, survey_id: int, *, lock: bool = False
) -> tuple[Survey, Component]:
    """The survey, once ``actor`` may manage its space (404, then 403)."""
    query = select(Survey).where(Survey.id == survey_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    survey = await session.scalar(query)
    if survey is None:
        raise NotFoundError(f"There is no survey {survey_id}.")
    component = await session.get_one(Component, survey.component_id)
    await _ensure_manager(session, actor, component)
    return survey, component


async def may_manage(session: AsyncSession, actor: User, component: Component) -> bool:
    roles = await roles_in_space(session, actor, component.space_id)
    return allowed(actor, Action.MANAGE_SPACE, roles)


async def _ensure_manager(
    session: AsyncSession, actor: User, component: Component
) -> None:
    if await may_manage(session, actor, component):
        return
    readable = await session.scalar(
        select(Component.id)
        .join(Space, Space.id == Component.space_id)
        .where(Component.id == component.id, readable_components(actor))
    )
    if readable is None:
        raise NotFoundError(f"There is no component {component.id}.")
    raise PermissionDeniedError("You are not allowed to do this.")


def _stored(data: SurveyCreate | SurveyUpdate, **dump: Any) -> dict[str, Any]:
    fields = data.model_dump(**dump)
    for field in ("description", "terms"):
        if fields.get(field) is not None:
            fields[field] = sanitize_translations(fields[field])
    if fields.get("context") is not None:
        fields["context"] = [
            {"title": text["title"], "body": sanitize_translations(text["body"])}
            for text in fields["context"]
        ]
    return {
        field: value
        for field, value in fields.items()
        if value is not None or field in ("opens_on", "closes_on")
    }


# Answering


async def submit_response(
    session: AsyncSession,
    actor: User,
    survey_id: int,
    data: ResponseCreate,
    zone: ZoneInfo,
) -> SurveyResponse:
    """Answer a survey, once; answers are checked against what was shown.

    Counting the response first takes the survey's row lock, which orders it
    against a change of questions. The unique (survey, user) constraint
    decides between two submits of one participant: the second is refused.
    """
    view = await _answerable(session, actor, survey_id, zone)
    if view.answered:
        raise ConflictError(f"You have already answered survey {survey_id}.")
    await session.execute(
        update(Survey)
        .where(Survey.id == survey_id)
        .values(responses_count=Survey.responses_count + 1)
    )
    answers = await _checked(session, view, data)

    response = SurveyResponse(survey_id=survey_id, user_id=actor.id)
    try:
        async with session.begin_nested():
            session.add(response)
            await session.flush()
    except IntegrityError:
        raise ConflictError(f"You have already answered survey {survey_id}.") from None
    await _store_answers(session, response, answers)

    outbox.emit(
        session,
        "survey.response_submitted",
        event_payload(view.survey, view.component) | {"response_id": response.id},
    )
    return response


async def replace_response(
    session: AsyncSession,
    actor: User,
    survey_id: int,
    data: ResponseCreate,
    zone: ZoneInfo,
) -> SurveyResponse:
    """Change one's answers, where the component lets participants edit them."""
    view = await _answerable(session, actor, survey_id, zone)
    if not view.settings.allow_editing_answers:
        raise ConflictError(
            "Answers to this survey cannot be changed: the component's "
            "allow_editing_answers setting is off."
        )
    response = await session.scalar(
        select(SurveyResponse)
        .where(
            SurveyResponse.survey_id == survey_id, SurveyResponse.user_id == actor.id
        )
        .with_for_update()
    )
    if response is None:
        raise NotFoundError(f"You have not answered survey {survey_id}.")
    answers = await _checked(session, view, data)

    given = select(SurveyAnswer.id).where(SurveyAnswer.response_id == response.id)
    await session.execute(
        delete(SurveyAnswerChoice).where(SurveyAnswerChoice.answer_id.in_(given))
    )
    await session.execute(
        delete(SurveyAnswer).where(SurveyAnswer.response_id == response.id)
    )
    await _store_answers(session, response, answers)
    response.updated_at = utcnow()
    await session.flush()

    outbox.emit(
        session,
        "survey.response_updated",
        event_payload(view.survey, view.component) | {"response_id": response.id},
    )
    return response


async def _answerable(
    session: AsyncSession, actor: User, survey_id: int, zone: ZoneInfo
) -> SurveyView:
    """The survey, once it takes answers now from ``actor``; else why not."""
    view = await get_view(session, actor, survey_id)
    await _ensure_participant(session, actor, view.component)
    reason = closed_reason(view, utcnow(), zone)
    if reason is not None:
        raise ConflictError(f"Survey {survey_id} takes no answers: {reason}.")
    return view


async def _checked(
    session: AsyncSession, view: SurveyView, data: ResponseCreate
) -> list["CheckedAnswer"]:
    if view.survey.terms and not data.accept_terms:
        raise _invalid("accept_terms", "the survey's terms must be accepted")
    questions = await questions_of(session, view.survey.id)
    return check_answers(questions, data.answers)


async def _ensure_participant(
    session: AsyncSession, actor: User, component: Component
) -> None:
    open_to_actor = await session.scalar(
        select(Space.id).where(
            Space.id == component.space_id, participable_spaces(actor)
        )
    )
    if open_to_actor is None:
        raise PermissionDeniedError(
            "Only members of this private space may answer its surveys."
        )


@dataclass(frozen=True, slots=True)
class CheckedAnswer:
    question: SurveyQuestion
    answer: AnswerWrite


def check_answers(
    questions: Sequence[SurveyQuestion], sent: Sequence[AnswerWrite]
) -> list[CheckedAnswer]:
    """The answers to keep, once each fits its question and was shown; else 422."""
    by_id = {question.id: question for question in questions}
    given: dict[int, AnswerWrite] = {}
    seen: set[int] = set()
    for index, item in enumerate(sent):
        if item.question_id not in by_id:
            raise _invalid(f"answers.{index}.question_id", "is not in this survey")
        if item.question_id in seen:
            raise _invalid(f"answers.{index}.question_id", "is answered twice")
        seen.add(item.question_id)
        if not _is_empty(item):
            given[item.question_id] = item

    chosen: dict[int, set[str]] = {}
    kept: list[CheckedAnswer] = []
    for question in questions:
        answer = given.get(question.id)
        field = f"question {question.id}"
        if not _shown(question, chosen):
            if answer is not None:
                raise _invalid(field, "is not shown for the answers given; omit it")
            continue
        if answer is None:
            if question.mandatory:
                raise _invalid(field, "is mandatory")
            continue
        _check_answer(question, answer, field)
        chosen[question.id] = {choice.option for choice in answer.choices}
        kept.append(CheckedAnswer(question, answer))
    return kept


def _is_empty(answer: AnswerWrite) -> bool:
    return (
        not (answer.text or "").strip()
        and answer.number is None
        and not (answer.choices)
    )


def _shown(question: SurveyQuestion, chosen: dict[int, set[str]]) -> bool:
    if question.condition_question_id is None:
        return True
    return question.condition_option in chosen.get(question.condition_question_id, ())


def _check_answer(question: SurveyQuestion, answer: AnswerWrite, field: str) -> None:
    kind = question.type
    if kind in TEXT_TYPES:
        _expect(answer.number is None and not answer.choices, field, "takes a text")
        limit = TEXT_LIMITS[kind]
        _expect(len(answer.text or "") <= limit, field, f"is over {limit} characters")
    elif kind == QuestionType.NUMBER:
        _expect(answer.text is None and not answer.choices, field, "takes a number")
        _check_number(question, answer.number, field)
    else:
        _expect(answer.text is None and answer.number is None, field, "takes choices")
        _check_choices(question, answer, field)


def _check_number(question: SurveyQuestion, number: float | None, field: str) -> None:
    _expect(number is not None, field, "takes a number")
    assert number is not None
    if question.min_value is not None:
        _expect(number >= question.min_value, field, f"is below {question.min_value}")
    if question.max_value is not None:
        _expect(number <= question.max_value, field, f"is above {question.max_value}")


def _check_choices(question: SurveyQuestion, answer: AnswerWrite, field: str) -> None:
    options = {option["key"]: option for option in question.options}
    rows = {row["key"] for row in question.rows}
    matrix = bool(rows)
    per_row: dict[str | None, list[str]] = {}
    for choice in answer.choices:
        _expect(choice.option in options, field, f"has no option {choice.option!r}")
        if matrix:
            _expect(choice.row in rows, field, f"has no row {choice.row!r}")
        else:
            _expect(choice.row is None, field, "has no rows")
        free_text = bool(options[choice.option].get("free_text"))
        if free_text:
            _expect(bool((choice.other_text or "").strip()), field, "needs the text")
        else:
            _expect(choice.other_text is None, field, "takes text only for 'other'")
        per_row.setdefault(choice.row, []).append(choice.option)
    single = question.type in (QuestionType.SINGLE_CHOICE, QuestionType.MATRIX_SINGLE)
    limit = 1 if single else question.max_choices
    for picked in per_row.values():
        _expect(len(picked) == len(set(picked)), field, "repeats an option")
        if limit is not None:
            _expect(len(picked) <= limit, field, f"takes at most {limit} choices")
    if matrix and question.mandatory:
        _expect(set(per_row) == rows, field, "is mandatory in every row")


def _expect(condition: bool, field: str, message: str) -> None:
    if not condition:
        raise _invalid(field, message)


async def _store_answers(
    session: AsyncSession, response: SurveyResponse, answers: list[CheckedAnswer]
) -> None:
    rows = [
        SurveyAnswer(
            response_id=response.id,
            question_id=checked.question.id,
            text=(checked.answer.text or "").strip() or None,
            number=checked.answer.number,
        )
        for checked in answers
    ]
    session.add_all(rows)
    await session.flush()
    ranking = QuestionType.RANKING
    session.add_all(
        SurveyAnswerChoice(
            answer_id=row.id,
            question_id=checked.question.id,
            option_key=choice.option,
            row_key=choice.row,
            rank=rank if checked.question.type == ranking else None,
            custom_text=(choice.other_text or "").strip() or None,
        )
        for row, checked in zip(rows, answers, strict=True)
        for rank, choice in enumerate(checked.answer.choices, start=1)
    )
    await session.flush()


# Results


async def text_answers(
    session: AsyncSession,
    viewer: User | None,
    survey_id: int,
    question_id: int,
    *,
    after: int | None,
    limit: int,
) -> list[TextAnswerRead]:
    """Free texts given to a question (or its "other" option), oldest first."""
    view = await get_view(session, viewer, survey_id)
    ensure_results_visible(view)
    question = await session.scalar(
        select(SurveyQuestion).where(
            SurveyQuestion.id == question_id, SurveyQuestion.survey_id == survey_id
        )
    )
    if question is None:
        raise NotFoundError(f"Survey {survey_id} has no question {question_id}.")
    if question.type == QuestionType.NUMBER:
        raise InvalidInputError(
            f"Question {question_id} takes numbers; see the results for them.",
            field="question_id",
            location="path",
        )
    if question.type in CHOICE_TYPES:
        return await _other_texts(session, question_id, after, limit)
    query = select(SurveyAnswer.id, SurveyAnswer.text).where(
        SurveyAnswer.question_id == question_id, SurveyAnswer.text.is_not(None)
    )
    if after is not None:
        query = query.where(SurveyAnswer.id > after)
    rows = await session.execute(query.order_by(SurveyAnswer.id).limit(limit + 1))
    return [TextAnswerRead(id=id, text=text or "") for id, text in rows]


async def _other_texts(
    session: AsyncSession, question_id: int, after: int | None, limit: int
) -> list[TextAnswerRead]:
    query = select(
        SurveyAnswerChoice.id,
        SurveyAnswerChoice.custom_text,
        SurveyAnswerChoice.option_key,
    ).where(
        SurveyAnswerChoice.question_id == question_id,
        SurveyAnswerChoice.custom_text.is_not(None),
    )
    if after is not None:
        query = query.where(SurveyAnswerChoice.id > after)
    rows = await session.execute(query.order_by(SurveyAnswerChoice.id).limit(limit + 1))
    return [
        TextAnswerRead(id=id, text=text or "", option=option)
        for id, text, option in rows
    ]


def ensure_results_visible(view: SurveyView) -> None:
    if not (view.team or view.settings.results_public):
        raise PermissionDeniedError("The results of this survey are not public.")


def decode_after(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    (last_id,) = decode_cursor(cursor, (int,))
    return int(last_id)


def event_payload(survey: Survey, component: Component) -> dict[str, Any]:
    return {
        "survey_id": survey.id,
        "component_id": component.id,
        "space_id": component.space_id,
    }


def _log(
    session: AsyncSession,
    actor: User,
    action: str,
    survey: Survey,
    component: Component,
    *,
    changes: dict[str, Any] | None = None,
    public: bool | None = None,
) -> None:
    action_log.record(
        session,
        actor,
        action,
        object_type="survey",
        object_id=survey.id,
        space_id=component.space_id,
        changes=changes,
        public=survey.published_at is not None if public is None else public,
    )


def _invalid(field: str, message: str, location: str = "body") -> InvalidInputError:
    return InvalidInputError(
        f"{field}: {message}.",
        errors=[{"field": field, "location": location, "message": message}],
    )


search.register(
    search.Searchable(
        "survey",
        Survey,
        search.in_component(
            Survey,
            title=Survey.title,
            body=Survey.description,
            occurred_at=func.coalesce(Survey.published_at, Survey.created_at),
        ),
        watched=frozenset({"title", "description", "published_at"}),
        # Search lists published surveys only, even to the team that may
        # preview a draft.
        listed=lambda: Survey.published_at.is_not(None),
    )
)
